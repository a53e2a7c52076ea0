using System.Globalization;
using System.Security.Cryptography;
using Watchdog.Board.Hosting;
using Watchdog.Platform.Signing;
using Watchdog.Protocol.Signing;
using Watchdog.Sim.Broker;

namespace Watchdog.Board.Tests.Integration;

/// <summary>
/// What every board process test sets up: a state directory, a real mosquitto, the virtual rack's
/// wires and the cluster's topics; and the moves the tests share (the board's arguments and
/// config, feeding both servers' heartbeats, playing the agents, signing a command).
/// </summary>
internal sealed class BoardRig : IDisposable
{
    public const string Cluster = "itest";
    public const string BoardName = "rack-a";

    /// <summary>An active-standby group of both nodes, failback manual.</summary>
    public const string Group = """{"name": "g1", "mode": "active-standby", "members": ["n1", "n2"], "failback": "manual"}""";

    public static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    public BoardRig()
    {
        Dir = new TempDirectory("watchdog-board-test-");
        try
        {
            Broker = MosquittoProcess.Start();
            Rack = new VirtualRack(Dir);
        }
        catch
        {
            Broker?.Dispose();
            Dir.Dispose();
            throw;
        }
    }

    public TempDirectory Dir { get; }

    public MosquittoProcess Broker { get; }

    public VirtualRack Rack { get; }

    public TopicTree Topics { get; } = new(Cluster);

    /// <summary>Where <see cref="WriteClusterKey"/> puts the key (--cluster-key-file).</summary>
    public string ClusterKeyPath => Dir.File("cluster.key");

    /// <summary>A probe subscribed to every topic of the cluster.</summary>
    public Task<MqttProbe> WatchAsync() => MqttProbe.ConnectAsync(Broker.Host, Broker.Port, Topics.Everything());

    /// <summary>
    /// Short timings: 10 ms ticks, heartbeat lost after <paramref name="timeoutMs"/>, a 200 ms reset
    /// pulse. Tests that assert nobody is reset use a longer timeout, so a test host starved of CPU
    /// (the whole solution's tests run at once) cannot make a healthy heartbeat look dead.
    /// </summary>
    public static string Timing(int timeoutMs) => """
        "timing": {"tick_ms": 10, "heartbeat_period_ms": 40, "heartbeat_suspect_ms": SUSPECT, "heartbeat_timeout_ms": TIMEOUT,
                   "debounce_ms": 30, "board_boot_grace_ms": GRACE, "node_boot_grace_ms": GRACE, "recovery_stable_ms": GRACE,
                   "reset_pulse_ms": 200, "reading_period_ms": 500}
        """.Replace("SUSPECT", (timeoutMs * 2 / 5).ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
        .Replace("TIMEOUT", timeoutMs.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
        .Replace("GRACE", (timeoutMs * 2).ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);

    /// <summary>The board config: channels s1 (n1) and s2 (n2) with fences, <paramref name="groups"/>, <see cref="Timing"/>.</summary>
    public static string Config(string groups, int heartbeatTimeoutMs = 300) => """
        {"board": "BOARD", "cluster": "CLUSTER",
         "channels": [
           {"name": "s1", "node": "n1", "power_good_inputs": 2, "link_inputs": 2, "has_fence": true},
           {"name": "s2", "node": "n2", "power_good_inputs": 2, "link_inputs": 2, "has_fence": true}],
         "groups": [GROUPS],
         TIMING,
         "escalation": {"software_failure": ["reset", "hold"], "backoff_ms": 500, "backoff_max_ms": 2000, "cap_attempts": 2, "cap_window_ms": 60000}}
        """.Replace("BOARD", BoardName, StringComparison.Ordinal).Replace("CLUSTER", Cluster, StringComparison.Ordinal)
        .Replace("GROUPS", groups, StringComparison.Ordinal).Replace("TIMING", Timing(heartbeatTimeoutMs), StringComparison.Ordinal);

    /// <summary>Writes <paramref name="json"/> as the board's config file and returns its path.</summary>
    public string WriteConfig(string json) => VirtualRack.WriteConfig(Dir, json);

    /// <summary>Toggles the heartbeat wires of s1 and s2, as both servers' agents do.</summary>
    public void FeedBothHeartbeats()
    {
        Rack.StartHeartbeat("s1");
        Rack.StartHeartbeat("s2");
    }

    /// <summary>The board's command line on this rig: config, pins, wires, state directory, broker, then <paramref name="extra"/>.</summary>
    public string[] BoardArgs(string config, params string[] extra) =>
        ["--config", config, "--pins", Rack.PinMapPath, "--wires", Rack.WiresPath, "--state-dir", Dir.Path, "--broker", $"{Broker.Host}:{Broker.Port}", .. extra];

    /// <summary>Writes a fresh random key as key id k1 to <see cref="ClusterKeyPath"/>, after <paramref name="header"/> (a comment line, say).</summary>
    public byte[] WriteClusterKey(string header = "")
    {
        byte[] key = RandomNumberGenerator.GetBytes(32);
        Watchdog.Platform.Posix.PrivateFiles.WriteNew(ClusterKeyPath, header + "k1:" + Hex.Encode(key) + "\n");
        return key;
    }

    /// <summary>Waits for the board to run, say ready, settle (past its boot grace) and read both servers healthy on the wires.</summary>
    public async Task WaitUntilSettledAndHealthyAsync(BoardProcess board, MqttProbe probe)
    {
        await board.WaitForLineAsync("running", Wait);
        await probe.WaitForAsync(Topics.BoardStatus(BoardName), p => p == "ready", Wait);
        await probe.WaitForBoardSettledAsync(Topics, BoardName, 0, Wait);
        await probe.WaitForReadingAsync(Topics, BoardName, "s1", 0, r => r.State == ChannelState.Healthy, Wait);
        await probe.WaitForReadingAsync(Topics, BoardName, "s2", 0, r => r.State == ChannelState.Healthy, Wait);
    }

    /// <summary>Plays a node's agent: a retained "ready" status and a retained healthy, feeding state in group g1.</summary>
    public async Task AnnounceHealthyAsync(MqttProbe probe, string node, NodeRole role = NodeRole.None, long epoch = 0)
    {
        await probe.PublishAsync(Topics.NodeStatus(node), "ready", retain: true);
        await probe.PublishAsync(Topics.NodeState(node), Text(MessageCodec.Encode(new NodeState
        {
            Node = node, Group = "g1", Role = role, Epoch = epoch, Health = Health.Healthy, Reason = "test", Feeding = true, Seq = 1, Timestamp = Now(),
        })), retain: true);
    }

    /// <summary>A command for n1, valid for a minute from now, signed with key id k1.</summary>
    public static SignedCommand SignedCommand(string id, CommandAction action, byte[] key)
    {
        long now = Now();
        var c = new SignedCommand { Id = id, Target = "n1", Action = action, Epoch = 0, IssuedAt = now, ExpiresAt = now + 60_000 };
        new CommandSigner(new PlatformHmacSha256()).Sign(c, "k1", key);
        return c;
    }

    /// <summary>Decodes a board message the test waited for; fails the test with the codec's reason if it does not decode.</summary>
    public static T Decode<T>(string payload) where T : class
    {
        byte[] bytes = Utf8.GetBytes(payload);
        CodecError? error = null;
        object? message = typeof(T) == typeof(Grant) ? (MessageCodec.TryDecode(bytes, out Grant? g, out error) ? g : null)
            : typeof(T) == typeof(BoardStatus) ? (MessageCodec.TryDecode(bytes, out BoardStatus? s, out error) ? s : null)
            : typeof(T) == typeof(GroupRoles) ? (MessageCodec.TryDecode(bytes, out GroupRoles? r, out error) ? r : null)
            : typeof(T) == typeof(CommandAck) ? (MessageCodec.TryDecode(bytes, out CommandAck? a, out error) ? a : null)
            : typeof(T) == typeof(EventMessage) ? (MessageCodec.TryDecode(bytes, out EventMessage? e, out error) ? e : null)
            : throw new ArgumentException("no decoder for " + typeof(T).Name);
        Assert.True(message is not null, error?.Text);
        return Assert.IsType<T>(message);
    }

    /// <summary>An encoded message as the text a probe publishes.</summary>
    public static string Text(byte[] encoded) => System.Text.Encoding.UTF8.GetString(encoded);

    public static long Now() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    /// <summary>Polls a condition on the wire file or the rack (they raise no event) every 2 ms until the bound.</summary>
    public static async Task WaitFor(Func<bool> condition, string what)
    {
        if (!await Poll.UntilAsync(condition, Wait, TimeSpan.FromMilliseconds(2)))
        {
            throw new TimeoutException("timed out waiting for " + what);
        }
    }

    public void Dispose()
    {
        Rack.Dispose();
        Broker.Dispose();
        Dir.Dispose();
    }
}
