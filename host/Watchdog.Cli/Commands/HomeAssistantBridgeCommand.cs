using System.CommandLine;
using System.Text;
using Watchdog.Cli.Mqtt;
using Watchdog.Firmware.Core.Config;
using Watchdog.Operator;
using Watchdog.Operator.Commands;
using Watchdog.Operator.HomeAssistant;
using Watchdog.Operator.Keys;
using Watchdog.Operator.Status;
using Watchdog.Protocol.Json;
using Watchdog.Protocol.Messages;
using Watchdog.Protocol.Topics;
using Watchdog.Protocol.Wire;

namespace Watchdog.Cli.Commands;

/// <summary>
/// `watchdogctl homeassistant bridge`: Home Assistant's buttons for a configured, limited set of
/// commands, signed here with an operator key (Home Assistant cannot sign). It runs until stopped
/// (a systemd service beside the broker, say) and is off unless started: without it Home
/// Assistant only reads. Its buttons are unavailable while it is not running (its will), its
/// outcome sensor says what the board answered. The decisions are <see cref="ControlBridge"/>'s;
/// this is the broker loop. It does not reconnect: when the broker goes away it exits 1 and its
/// service manager starts it again.
/// </summary>
public static class HomeAssistantBridgeCommand
{
    private static readonly TimeSpan AnswerTimeout = TimeSpan.FromSeconds(10);

    public static Command Create()
    {
        var cluster = new ClusterOptions();
        var boards = new Option<string[]>("--board-config")
        {
            Description = "A board's configuration (repeat for a pair): the cluster and the groups and nodes controls may name",
            Required = true,
            AllowMultipleArgumentsPerToken = true,
        };
        var controls = new Option<string>("--controls") { Description = "The controls file: the only commands the bridge signs (docs/operations.md)", Required = true };
        var keyFile = new Option<string>("--key-file", "-k")
        {
            Description = "Operator key file, mode 0600 (env WATCHDOG_KEY_FILE)",
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable("WATCHDOG_KEY_FILE") ?? "/etc/watchdog/operator.keys",
        };
        var prefix = new Option<string>("--prefix") { Description = "Home Assistant's discovery prefix", DefaultValueFactory = _ => DiscoveryConfigs.DefaultPrefix };
        var command = new Command("bridge", "Sign a configured, limited set of commands for Home Assistant's buttons; runs until stopped")
        {
            boards, controls, keyFile, prefix,
        };
        cluster.AddTo(command);
        command.SetAction(async (result, ct) =>
        {
            if (Load(result.GetValue(boards) ?? [], result.GetValue(controls)!) is not { } loaded)
            {
                return HomeAssistantCommand.ExitBadInput;
            }

            var (configs, controlsConfig) = loaded;
            var key = KeyFileReader.Read(result.GetValue(keyFile)!)[0];
            var bridge = new ControlBridge(configs[0].Cluster, controlsConfig, result.GetValue(prefix)!);
            var offline = (bridge.AvailabilityTopic, Encoding.UTF8.GetBytes("offline"));
            await using var connection = await cluster.ConnectAsync(result, ct, bridge.Cluster, offline).ConfigureAwait(false);
            await AnnounceAsync(connection, bridge, ct).ConfigureAwait(false);

            var snapshot = new ClusterSnapshot(connection.Topics);
            await connection.SubscribeAsync(connection.Topics.Everything(), ct).ConfigureAwait(false);
            await connection.SubscribeAsync(bridge.PressFilter, ct).ConfigureAwait(false);
            await connection.PublishAsync(bridge.AvailabilityTopic, Encoding.UTF8.GetBytes("online"), retain: true, ct).ConfigureAwait(false);
            Console.WriteLine($"bridge for cluster {bridge.Cluster}: {controlsConfig.Controls.Count} control(s) " +
                              $"({string.Join(", ", controlsConfig.Controls.Select(c => $"{c.Word} {c.Target}"))}), at most one per {controlsConfig.MinIntervalSeconds} s each; " +
                              $"presses on {bridge.PressFilter}");
            try
            {
                await RunAsync(connection, snapshot, bridge, key, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                // Stopped: say so, rather than leave the will to a broker that may keep the session a while.
                await connection.PublishAsync(bridge.AvailabilityTopic, Encoding.UTF8.GetBytes("offline"), retain: true, CancellationToken.None).ConfigureAwait(false);
                return 0;
            }

            Console.Error.WriteLine("watchdogctl: the broker connection was lost; the bridge stops (its will marks the buttons unavailable)");
            return 1;
        });
        return command;
    }

    private static (List<BoardConfig>, ControlsConfig)? Load(string[] boardPaths, string controlsPath)
    {
        var configs = new List<BoardConfig>();
        var errors = new List<string>();
        foreach (var path in boardPaths)
        {
            if (BoardConfigFile.TryRead(path, out BoardConfig? config, out string error))
            {
                configs.Add(config!);
            }
            else
            {
                errors.Add(error);
            }
        }

        ControlsConfig? controls = null;
        if (errors.Count == 0)
        {
            try
            {
                controls = ControlsConfig.Read(File.ReadAllText(controlsPath), configs, out var problems);
                errors.AddRange(problems.Select(p => $"--controls '{controlsPath}': {p}"));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                errors.Add($"--controls '{controlsPath}': {e.Message}");
            }
        }

        if (errors.Count > 0 || controls is null)
        {
            errors.ForEach(e => Console.Error.WriteLine($"watchdogctl: {e}"));
            return null;
        }

        return (configs, controls);
    }

    /// <summary>Publishes the bridge's discovery configs and removes those of controls no longer in the file.</summary>
    private static async Task AnnounceAsync(ClusterConnection connection, ControlBridge bridge, CancellationToken ct)
    {
        var wanted = bridge.Discovery();
        var found = await HomeAssistantCommand.RetainedConfigsAsync(connection, bridge.Prefix, ct).ConfigureAwait(false);
        foreach (var c in wanted)
        {
            await connection.PublishAsync(c.Topic, Encoding.UTF8.GetBytes(c.Payload), retain: true, ct).ConfigureAwait(false);
        }

        foreach (var topic in DiscoveryConfigs.Stale(found, wanted, id => id == bridge.DeviceId))
        {
            await connection.PublishAsync(topic, [], retain: true, ct).ConfigureAwait(false);
            Console.WriteLine($"removed the button of a control no longer configured: {topic}");
        }
    }

    /// <summary>One message at a time: the cluster's state into the snapshot, presses decided, the board's answer reported.</summary>
    private static async Task RunAsync(ClusterConnection connection, ClusterSnapshot snapshot, ControlBridge bridge, ClusterKey key, CancellationToken ct)
    {
        (SignedCommand Command, string Control, DateTime Deadline)? waiting = null;
        while (connection.IsConnected)
        {
            if (waiting is { } w && DateTime.UtcNow > w.Deadline)
            {
                await ReportAsync(connection, bridge, w.Control, "no answer", $"command {w.Command.Id}: no answer from the board in {AnswerTimeout.TotalSeconds:0} s", ct).ConfigureAwait(false);
                waiting = null;
            }

            if (!connection.Received.TryTake(out var message, 200, ct))
            {
                continue;
            }

            snapshot.Apply(message.Topic, message.Payload);
            if (waiting is { } pending && connection.Topics.TryParse(message.Topic, out var parsed) && parsed?.Kind == TopicKind.CommandAck &&
                MessageCodec.TryDecode(message.Payload, out CommandAck? ack, out _) && ack?.Id == pending.Command.Id)
            {
                var outcome = ack.Verdict == CommandVerdict.Accepted ? "accepted" : "refused: " + WireWords.Of(ack.Verdict);
                await ReportAsync(connection, bridge, pending.Control, outcome, $"command {ack.Id}, epoch {ack.Epoch}: {ack.Detail}", ct).ConfigureAwait(false);
                waiting = null;
                continue;
            }

            if (!message.Topic.StartsWith(bridge.Root + "/", StringComparison.Ordinal) || message.Topic == bridge.AvailabilityTopic || message.Topic == bridge.ResultTopic ||
                message.Payload.Length == 0)
            {
                continue;
            }

            var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            var decision = bridge.Decide(message.Topic, Encoding.UTF8.GetString(message.Payload), message.Retained, now);
            if (decision.Control is not { } control)
            {
                Console.Error.WriteLine($"watchdogctl: press on {message.Topic} not signed: {decision.Refusal}");
                continue;
            }

            var signed = SignedCommands.Build(control.Action, control.Target, null, snapshot.EpochFor(control.Target), now, ttlSeconds: 30, key);
            await connection.PublishAsync(connection.Topics.Command(control.Target), MessageCodec.Encode(signed), retain: false, ct).ConfigureAwait(false);
            Console.WriteLine($"signed {control.Word} {control.Target} at epoch {signed.Epoch} (command {signed.Id})");
            waiting = (signed, $"{control.Word} {control.Target}", DateTime.UtcNow + AnswerTimeout);
        }
    }

    private static async Task ReportAsync(ClusterConnection connection, ControlBridge bridge, string control, string outcome, string detail, CancellationToken ct)
    {
        bridge.Answered();
        Console.WriteLine($"{control}: {outcome} ({detail})");
        var payload = ControlBridge.Result(control, outcome, detail, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        await connection.PublishAsync(bridge.ResultTopic, Encoding.UTF8.GetBytes(payload), retain: true, ct).ConfigureAwait(false);
    }
}
