using System.Text;
using System.Text.Json.Nodes;
using JsonNode = System.Text.Json.Nodes.JsonNode;
using Watchdog.Cli.Tests.Broker;
using Watchdog.Firmware.Core.Config;
using Watchdog.Operator.HomeAssistant;

namespace Watchdog.Cli.Tests.HomeAssistant;

/// <summary>The Home Assistant control bridge's file and decisions: only what is listed is signed, and not too often.</summary>
public sealed class ControlBridgeTests
{
    private static readonly BoardConfig[] Boards = [Board()];

    private static BoardConfig Board()
    {
        Assert.True(BoardConfigReader.TryRead(Encoding.UTF8.GetBytes(BrokerTestSupport.BoardJson("prod", "rack1", "db", "db1", "db2")), out var config, out var error), error);
        return config!;
    }

    private static ControlsConfig Config(string json)
    {
        var config = ControlsConfig.Read(json, Boards, out var errors);
        Assert.True(config is not null, string.Join("; ", errors));
        return config!;
    }

    private static List<string> Errors(string json)
    {
        Assert.Null(ControlsConfig.Read(json, Boards, out var errors));
        Assert.NotEmpty(errors);
        return errors;
    }

    [Fact]
    public void A_controls_file_names_actions_on_groups_and_nodes_of_the_cluster()
    {
        var config = Config("""{ "controls": [ { "action": "switchover", "target": "db" }, { "action": "maintenance-on", "target": "db2" } ], "min_interval_s": 60 }""");

        Assert.Equal(["switchover db", "maintenance-on db2"], config.Controls.Select(c => $"{c.Word} {c.Target}"));
        Assert.Equal(60, config.MinIntervalSeconds);
        Assert.Equal(ControlsConfig.DefaultMinIntervalSeconds, Config("""{ "controls": [ { "action": "failback", "target": "db" } ] }""").MinIntervalSeconds);
    }

    [Theory]
    [InlineData("""{ "controls": [] }""", "$.controls: expected a non-empty list")]
    [InlineData("""{ }""", "$.controls: expected a non-empty list")]
    [InlineData("""{ "controls": [ { "action": "reboot", "target": "db1" } ] }""", "$.controls[0].action: 'reboot' is not a command")]
    [InlineData("""{ "controls": [ { "action": "switchover", "target": "db1" } ] }""", "$.controls[0].target: switchover is for a group; 'db1' is not a group")]
    [InlineData("""{ "controls": [ { "action": "fence", "target": "db" } ] }""", "$.controls[0].target: fence is for a node; 'db' is not a node")]
    [InlineData("""{ "controls": [ { "action": "fence", "target": "db9" } ] }""", "'db9' is not a node of the board configuration (nodes: db1, db2)")]
    [InlineData("""{ "controls": [ { "action": "fence" } ] }""", "$.controls[0]: expected { \"action\": \"...\", \"target\": \"...\" }")]
    [InlineData("""{ "controls": [ { "action": "fence", "target": "db1", "ttl": 5 } ] }""", "$.controls[0].ttl: unknown key")]
    [InlineData("""{ "controls": [ { "action": "fence", "target": "db1" }, { "action": "fence", "target": "db1" } ] }""", "$.controls[1]: fence db1 is listed twice")]
    [InlineData("""{ "controls": [ { "action": "fence", "target": "db1" } ], "min_interval_s": 0 }""", "$.min_interval_s: 0 is not a whole number of seconds")]
    [InlineData("""{ "controls": [ { "action": "fence", "target": "db1" } ], "everything": true }""", "$.everything: unknown key")]
    [InlineData("""{ "controls": """, "not JSON")]
    public void A_bad_controls_file_is_refused_naming_the_field(string json, string expected)
    {
        Assert.Contains(Errors(json), e => e.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void Only_a_live_press_of_a_configured_control_is_signed_and_one_at_a_time()
    {
        var bridge = new ControlBridge("prod", Config("""{ "controls": [ { "action": "switchover", "target": "db" }, { "action": "maintenance-on", "target": "db2" } ], "min_interval_s": 30 }"""));
        var switchover = bridge.PressTopic(new HomeAssistantControl(CommandAction.Switchover, "db"));
        var maintenance = bridge.PressTopic(new HomeAssistantControl(CommandAction.MaintenanceOn, "db2"));
        Assert.Equal("homeassistant/watchdog/prod/control/switchover/db", switchover);

        // Whoever can write the press topics can press: anything else under them is refused.
        Assert.Contains("not a configured control", bridge.Decide("homeassistant/watchdog/prod/control/fence/db1", "PRESS", retained: false, 0).Refusal);
        Assert.Contains("not a configured control", bridge.Decide("homeassistant/watchdog/prod/control/switchover/db2", "PRESS", retained: false, 0).Refusal);
        Assert.Contains("press from the past", bridge.Decide(switchover, "PRESS", retained: true, 0).Refusal);
        Assert.Contains("is not PRESS", bridge.Decide(switchover, "{\"action\":\"fence\"}", retained: false, 0).Refusal);

        var first = bridge.Decide(switchover, "PRESS", retained: false, 1_000);
        Assert.True(first.Sign);
        Assert.Equal("db", first.Control!.Target);

        // While the board has not answered, nothing else is signed.
        Assert.Contains("still waiting for the board's answer", bridge.Decide(maintenance, "PRESS", retained: false, 1_100).Refusal);
        bridge.Answered();
        Assert.True(bridge.Decide(maintenance, "PRESS", retained: false, 1_200).Sign);
        bridge.Answered();

        // One command per control per interval; the interval is the control's own.
        Assert.Contains("at most one per 30 s", bridge.Decide(switchover, "PRESS", retained: false, 30_999).Refusal);
        Assert.True(bridge.Decide(switchover, "PRESS", retained: false, 31_000).Sign);
    }

    [Fact]
    public void Each_control_is_a_button_unavailable_without_the_bridge_and_the_outcome_a_sensor()
    {
        var bridge = new ControlBridge("prod", Config("""{ "controls": [ { "action": "switchover", "target": "db" }, { "action": "fence", "target": "db1" } ] }"""));
        var configs = bridge.Discovery();

        Assert.Equal(3, configs.Count);
        var buttons = configs.Where(c => c.Topic.StartsWith("homeassistant/button/", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, buttons.Count);
        foreach (var c in buttons)
        {
            var p = JsonNode.Parse(c.Payload)!.AsObject();
            Assert.Matches(@"^homeassistant/button/watchdog_prod_controls/[a-z0-9_-]+/config$", c.Topic);
            Assert.StartsWith(bridge.Root + "/", p["command_topic"]!.GetValue<string>(), StringComparison.Ordinal);
            Assert.Equal(ControlBridge.PressPayload, p["payload_press"]!.GetValue<string>());
            Assert.Equal(bridge.AvailabilityTopic, p["availability_topic"]!.GetValue<string>());
            Assert.False(p["retain"]!.GetValue<bool>());
            Assert.Equal(bridge.DeviceId, p["device"]!["identifiers"]![0]!.GetValue<string>());
        }

        var fence = JsonNode.Parse(buttons.Single(b => b.Topic.Contains("/fence_db1/", StringComparison.Ordinal)).Payload)!;
        Assert.Equal("homeassistant/watchdog/prod/control/fence/db1", fence["command_topic"]!.GetValue<string>());

        var last = JsonNode.Parse(configs.Single(c => c.Topic == "homeassistant/sensor/watchdog_prod_controls/last/config").Payload)!;
        Assert.Equal(bridge.ResultTopic, last["state_topic"]!.GetValue<string>());
        var result = JsonNode.Parse(ControlBridge.Result("fence db1", "accepted", "epoch 5", 7))!;
        Assert.Equal("fence db1: accepted", result["summary"]!.GetValue<string>());

        // The sensors' command (`watchdogctl homeassistant`) leaves the bridge's configs alone, and the bridge the sensors'.
        var found = configs.Select(c => (c.Topic, c.Payload)).ToList();
        Assert.Empty(DiscoveryConfigs.Stale(found, [], "prod"));
        var members = DiscoveryConfigs.For(Boards);
        Assert.Empty(DiscoveryConfigs.Stale(members.Select(c => (c.Topic, c.Payload)), [], id => id == bridge.DeviceId));
        Assert.Equal(3, DiscoveryConfigs.Stale(found, [], id => id == bridge.DeviceId).Count);
    }
}
