using System.Collections.Concurrent;
using Watchdog.Cli.Tests.Broker;
using Watchdog.Cli.Tests.Support;

namespace Watchdog.Cli.Tests.HomeAssistant;

/// <summary>
/// `watchdogctl homeassistant bridge` as it runs: the real process on a real mosquitto, presses
/// published as Home Assistant (or anyone who can write the topic) would, and a stand-in board
/// that verifies every command with the cluster key and records what reached it.
/// </summary>
public sealed class HomeAssistantBridgeCommandTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private const string Root = "homeassistant/watchdog/t1/control";
    private readonly ConcurrentQueue<string> _reached = new();
    private readonly string _dir = BrokerTestSupport.NewDirectory();
    private StandInBoard _board = null!;

    public async Task InitializeAsync()
    {
        _board = await StandInBoard.StartAsync("t1", "wd-ha", () => 5, (command, verdict) =>
        {
            _reached.Enqueue($"{command.Action} {command.Target} {verdict}");
            return new CommandAck { Id = command.Id, Target = command.Target, Verdict = verdict, Epoch = 5, Detail = "stand-in board", Timestamp = StandInBoard.Now() };
        });
        var now = StandInBoard.Now();
        await _board.Retain(_board.Topics.GroupRoles("db"), MessageCodec.Encode(new GroupRoles { Group = "db", Epoch = 5, Active = ["db1"], Standby = ["db2"], Timestamp = now }));
    }

    public async Task DisposeAsync()
    {
        await _board.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task Only_configured_live_presses_are_signed_and_the_buttons_go_unavailable_with_the_bridge()
    {
        var boardConfig = Path.Combine(_dir, "rack1.json");
        File.WriteAllText(boardConfig, BrokerTestSupport.BoardJson("t1", "rack1", "db", "db1", "db2"));
        var controls = Path.Combine(_dir, "controls.json");
        File.WriteAllText(controls, """{ "controls": [ { "action": "switchover", "target": "db" }, { "action": "maintenance-on", "target": "db2" } ], "min_interval_s": 60 }""");

        await using var homeAssistant = await BrokerClient.ConnectAsync(_board.Broker.Host, _board.Broker.Port, null, null);
        // Left retained on the broker before the bridge starts: it must not fire when the bridge subscribes.
        await homeAssistant.PublishAsync($"{Root}/maintenance-on/db2", "PRESS", retain: true);
        await homeAssistant.SubscribeAsync("homeassistant/#");

        using var bridge = CliProcess.Start("homeassistant", "bridge", "--board-config", boardConfig, "--controls", controls, "-k", _board.KeyFile,
            "-b", _board.BrokerAddress, "-c", "t1");
        await bridge.WaitForLineAsync("bridge for cluster t1: 2 control(s)", Timeout);
        await bridge.WaitForLineAsync("a retained press of maintenance-on db2 is a press from the past", Timeout);
        await homeAssistant.WaitForAsync($"{Root}/bridge", "online", Timeout);
        await homeAssistant.WaitForAsync("homeassistant/button/watchdog_t1_controls/switchover_db/config", p => p.Contains($"\"command_topic\":\"{Root}/switchover/db\"", StringComparison.Ordinal), "the switchover button", Timeout);

        // A control that is not in the file: nothing signed, nothing reaches the board.
        await homeAssistant.PublishAsync($"{Root}/fence/db1", "PRESS");
        await bridge.WaitForLineAsync($"press on {Root}/fence/db1 not signed", Timeout);

        // A configured one: signed with the operator key, verified by the board, the outcome retained for Home Assistant.
        await homeAssistant.PublishAsync($"{Root}/switchover/db", "PRESS");
        await bridge.WaitForLineAsync("switchover db: accepted", Timeout);
        await homeAssistant.WaitForAsync($"{Root}/last", p => p.Contains("\"summary\":\"switchover db: accepted\"", StringComparison.Ordinal), "the outcome", Timeout);

        // Pressed again at once: refused by the bridge's interval.
        await homeAssistant.PublishAsync($"{Root}/switchover/db", "PRESS");
        await bridge.WaitForLineAsync("at most one per 60 s", Timeout);
        Assert.Equal(["Switchover db Accepted"], _reached.ToArray());

        // The bridge dies: its will makes the buttons unavailable.
        bridge.Dispose();
        await homeAssistant.WaitForAsync($"{Root}/bridge", "offline", Timeout);
        Assert.Equal(["Switchover db Accepted"], _reached.ToArray());
    }

    [Fact]
    public async Task A_bad_controls_file_is_named_and_the_bridge_does_not_start()
    {
        var boardConfig = Path.Combine(_dir, "rack1.json");
        File.WriteAllText(boardConfig, BrokerTestSupport.BoardJson("t1", "rack1", "db", "db1", "db2"));
        var controls = Path.Combine(_dir, "controls.json");
        File.WriteAllText(controls, """{ "controls": [ { "action": "fence", "target": "db7" } ] }""");

        var (exit, _, stderr) = await CliProcess.RunAsync(Timeout, "homeassistant", "bridge", "--board-config", boardConfig, "--controls", controls, "-k", _board.KeyFile, "-b", _board.BrokerAddress);

        Assert.Equal(2, exit);
        Assert.Contains($"--controls '{controls}': $.controls[0].target: fence is for a node; 'db7' is not a node", stderr, StringComparison.Ordinal);
        Assert.Empty(_reached);
    }
}
