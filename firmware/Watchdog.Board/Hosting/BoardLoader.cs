using Watchdog.Board.Gpio;
using Watchdog.Board.Pair;
using Watchdog.Board.Persistence;
using Watchdog.Firmware.Core;
using Watchdog.Firmware.Core.Pair;
using Watchdog.Firmware.Core.Config;
using Watchdog.Firmware.Core.PinMaps;
using Watchdog.Firmware.Glue;
using Watchdog.Platform.Signing;
using Watchdog.Protocol.Signing;
using Watchdog.Protocol.Topics;

namespace Watchdog.Board.Hosting;

/// <summary>Everything the runtime needs, built and checked before the first tick.</summary>
public sealed class BoardParts : IDisposable
{
    public required BoardConfig Config { get; init; }
    public required PinMap PinMap { get; init; }
    public required BoardGpio Gpio { get; init; }
    public required ChannelWiring Wiring { get; init; }
    public required int[] PinChannelOfConfig { get; init; }
    public required WatchdogCore Core { get; init; }
    public required TopicTree Topics { get; init; }
    public required long PersistedEpoch { get; init; }

    /// <summary>Seals what the board publishes and checks what agents send; null when the key file holds no key of this board (messages unauthenticated).</summary>
    public SealedChannel? Seals { get; init; }

    /// <summary>The pair of boards this one belongs to, or null for a board that runs alone.</summary>
    public BoardPair? Pair { get; init; }

    /// <summary>The data link to the peer board (a UART, or a socket pair on the virtual rack); null without a pair.</summary>
    public IPairLink? PairLink { get; init; }

    public void Dispose()
    {
        Wiring.ReleaseAll();
        Gpio.Dispose();
        (PairLink as IDisposable)?.Dispose();
    }
}

/// <summary>
/// Reads the files named on the command line in a fixed order and stops at the first problem
/// with one sentence naming the file and the fault. Nothing is driven before everything checks out.
/// </summary>
public static class BoardLoader
{
    /// <summary>Command ids remembered against replay; commands live at most 10 minutes and are rare.</summary>
    public const int ReplayWindow = 256;

    /// <summary>How far an operator's clock may be ahead of the board's (NTP on both sides is assumed).</summary>
    public const long MaxClockSkewMs = 30_000;

    public static bool TryLoad(BoardOptions options, EpochFile epochFile, out BoardParts? parts, out string error)
    {
        parts = null;
        if (!TryReadFile(options.ConfigPath, "--config", out byte[] configBytes, out error)
            || !TryReadFile(options.PinMapPath, "--pins", out byte[] pinBytes, out error))
        {
            return false;
        }

        if (!BoardConfigReader.TryRead(configBytes, out BoardConfig? config, out string configError) || config is null)
        {
            error = $"--config '{options.ConfigPath}': {configError}";
            return false;
        }

        if (options.TickMs is int tickMs && tickMs != config.Timing.TickMs)
        {
            config.Timing.TickMs = tickMs;
            string invalid = BoardConfigValidator.Validate(config);
            if (invalid.Length > 0)
            {
                error = $"--tick-ms {tickMs} does not fit --config '{options.ConfigPath}': {invalid}";
                return false;
            }
        }

        if (!PinMapReader.TryRead(pinBytes, out PinMap? map, out string mapError) || map is null)
        {
            error = $"--pins '{options.PinMapPath}': {mapError}";
            return false;
        }

        foreach (string warning in map.Warnings)
        {
            BoardLog.Write($"pin map warning: {warning}");
        }

        if (!CoreGlue.TryBind(config, map, out int[] pinChannel, out error))
        {
            error = $"--config '{options.ConfigPath}' and --pins '{options.PinMapPath}' do not fit: {error}";
            return false;
        }

        KeyRing keys = new();
        if (options.ClusterKeyFile is not null && !ClusterKeys.TryRead(options.ClusterKeyFile, out keys, out error))
        {
            return false;
        }

        if (!epochFile.TryLoad(out long epoch, out string? commissioned, out bool fresh, out error))
        {
            return false;
        }

        if (options.EpochFloor > epoch)
        {
            BoardLog.Write($"epoch raised from {epoch} to the floor {options.EpochFloor} given on the command line");
            epoch = options.EpochFloor;
            epochFile.Save(epoch, commissioned);
        }

        BoardLog.Write(fresh && epoch == 0
            ? $"no epoch file in {epochFile.StateDirectory}: a fresh board, starting at epoch 0"
            : $"epoch {epoch} read from {epochFile.HeldIn}");

        if (!TryCheckPair(options, config, map, out error))
        {
            return false;
        }

        if (!BoardGpio.TryOpen(map, options.WiresPath, out BoardGpio? gpio, out error) || gpio is null)
        {
            return false;
        }

        try
        {
            // A board of a pair leaves the servers' outputs alone until it holds authority: they are wired in parallel with the other board's.
            var wiring = new ChannelWiring(gpio.Controller, map, gpio.EdgeTotals, releaseAtOpen: config.Pair is null);
            var commands = new CommandVerifier(keys, new PlatformHmacSha256(), ReplayWindow, MaxClockSkewMs)
            {
                // The replay ring starts empty: whatever was issued before this start may have been carried out already.
                IssuedNotBefore = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
            };
            var core = new WatchdogCore(config, epoch, new ProtocolCommandVerifier(commands));
            RestoreLadder(core, new LadderFile(epochFile.StateDirectory));
            RestoreCommissioned(core, commissioned);
            parts = new BoardParts
            {
                Config = config,
                PinMap = map,
                Gpio = gpio,
                Wiring = wiring,
                PinChannelOfConfig = pinChannel,
                Core = core,
                Topics = new TopicTree(config.Cluster),
                PersistedEpoch = epoch,
                Seals = SealsFor(config.Board, keys),
                Pair = config.Pair is null ? null : new BoardPair(config.Board, config.Pair, config.Timing.TickMs, epoch),
                PairLink = OpenPairLink(options),
            };
            return true;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or IOException)
        {
            gpio.Dispose();
            error = $"cannot open the pins of pin map '{map.Board}' on {gpio.Description}: {e.Message}";
            return false;
        }
    }

    // A pair needs its wires in the pin map and its data link on the command line; a board alone
    // must not be given either (it would drive a peer's reset line it has no rules for).
    private static bool TryCheckPair(BoardOptions options, BoardConfig config, PinMap map, out string error)
    {
        error = "";
        if (config.Pair is null)
        {
            if (options.PairSocket is not null || options.PairSerial is not null)
            {
                error = $"a pair data link given, but --config '{options.ConfigPath}' has no \"pair\" section: a board alone has no data link";
            }

            return error.Length == 0;
        }

        if (map.Pair is null)
        {
            error = $"--config '{options.ConfigPath}' pairs this board with '{config.Pair.Peer}', but --pins '{options.PinMapPath}' has no \"pair\" section (heartbeat_out, peer_heartbeat, peer_reset)";
        }
        else if (options.PairSocket is null && options.PairSerial is null)
        {
            error = $"--config '{options.ConfigPath}' pairs this board with '{config.Pair.Peer}': give the data link with --pair-serial <device> (a UART) or --pair-socket <own.sock> --peer-socket <peer.sock>";
        }
        else if (options.PairSerial is { } device && !File.Exists(device))
        {
            error = $"--pair-serial '{device}': no such device";
        }

        return error.Length == 0;
    }

    private static IPairLink? OpenPairLink(BoardOptions options) =>
        options.PairSerial is { } device ? new SerialPairLink(device)
        : options.PairSocket is { } own ? new UnixPairLink(own, options.PeerSocket!)
        : null;

    // Sealed traffic needs this board's own key; a key file without one (the form before key
    // roles) leaves grants and node states unauthenticated, which the log and an event say.
    private static SealedChannel? SealsFor(string board, KeyRing keys)
    {
        if (keys.FirstOf(KeyRole.Board, board).Length == 0)
        {
            BoardLog.Write($"no key of board '{board}' in the key file: grants, requests and node states are NOT authenticated; anyone who can publish to the broker can move roles (generate role keys with 'watchdogctl keys generate')");
            return null;
        }

        BoardLog.Write($"sealed messages: grants, requests, roles and readings sealed with key '{keys.FirstOf(KeyRole.Board, board)}'; node states and acknowledgements accepted only under their node's key");
        return new SealedChannel(keys, new PlatformHmacSha256(), KeyRole.Board, board);
    }

    // Which members the previous runs heard: one outside the record that stays silent is absent.
    private static void RestoreCommissioned(WatchdogCore core, string? commissioned)
    {
        if (commissioned is null)
        {
            // An epoch file from before the commissioning record: every member may have held a role.
            BoardLog.Write("the epoch file has no commissioning record: every member counts as commissioned");
            return;
        }

        string ignored = core.RestoreCommissioned(commissioned);
        BoardLog.Write(ignored.Length > 0 ? ignored : $"commissioned: {(commissioned.Length == 0 ? "none yet" : commissioned)}");
    }

    // What the previous run's ladders remembered: a power cycle it was in the middle of is
    // finished (or dropped), and recent wire actions count against the cap again.
    private static void RestoreLadder(WatchdogCore core, LadderFile file)
    {
        string entries = file.Load(out string warning);
        if (warning.Length > 0)
        {
            BoardLog.Write(warning);
        }

        if (entries.Length == 0)
        {
            return;
        }

        BoardLog.Write($"ladder record of the previous run ({file.FilePath}): {entries}; a power cycle under way is finished once the board's grace is over if power-good is still low, and recent resets count against the cap");
        string ignored = core.RestoreLadder(entries, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        if (ignored.Length > 0)
        {
            BoardLog.Write(ignored);
        }
    }

    private static bool TryReadFile(string path, string option, out byte[] bytes, out string error)
    {
        bytes = [];
        error = "";
        if (!File.Exists(path))
        {
            error = $"{option} '{path}': no such file";
            return false;
        }

        try
        {
            bytes = File.ReadAllBytes(path);
            if (bytes.Length >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF)
            {
                bytes = bytes[3..]; // a byte-order mark from a Windows editor; JSON (RFC 8259) has none
            }

            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error = $"{option} '{path}' cannot be read: {e.Message}";
            return false;
        }
    }
}
