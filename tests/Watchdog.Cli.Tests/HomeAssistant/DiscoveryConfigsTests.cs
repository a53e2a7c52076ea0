using System.Text;
using System.Text.Json.Nodes;
using JsonNode = System.Text.Json.Nodes.JsonNode;
using System.Text.RegularExpressions;
using Watchdog.Cli.Tests.Broker;
using Watchdog.Firmware.Core.Config;
using Watchdog.Operator.HomeAssistant;

namespace Watchdog.Cli.Tests.HomeAssistant;

/// <summary>Home Assistant's discovery configs, checked against the topics and messages Watchdog really publishes.</summary>
public sealed partial class DiscoveryConfigsTests
{
    private static BoardConfig Board(string cluster, string board, params string[] nodes)
    {
        Assert.True(BoardConfigReader.TryRead(Encoding.UTF8.GetBytes(BrokerTestSupport.BoardJson(cluster, board, "db", nodes)), out var config, out var error), error);
        return config!;
    }

    private static JsonObject Payload(DiscoveryConfig c) => JsonNode.Parse(c.Payload)!.AsObject();

    [Fact]
    public void Every_board_and_node_gets_its_entities_each_reading_a_topic_watchdog_publishes()
    {
        var configs = DiscoveryConfigs.For([Board("prod", "rack1", "db1", "db2")]);
        var tree = new TopicTree("prod");

        // A board: connectivity, problem, epoch, pair; a node: connectivity, problem, power, role, epoch, channel state, verdict.
        Assert.Equal(4 + (2 * 7), configs.Count);
        Assert.Equal(configs.Count, configs.Select(c => c.Topic).Distinct().Count());
        Assert.Equal(configs.Count, configs.Select(c => Payload(c)["unique_id"]!.GetValue<string>()).Distinct().Count());
        Assert.All(configs, c => Assert.Matches(@"^homeassistant/(binary_sensor|sensor)/watchdog_prod_(node|board)_[a-z0-9]+/[a-z_]+/config$", c.Topic));

        var expectedKinds = new Dictionary<string, TopicKind[]>
        {
            ["watchdog/prod/board/rack1"] = [TopicKind.BoardStatus, TopicKind.BoardState],
            ["watchdog/prod/node/db1"] = [TopicKind.NodeStatus, TopicKind.NodeState, TopicKind.BoardChannel],
        };
        foreach (var c in configs)
        {
            var p = Payload(c);
            Assert.True(tree.TryParse(p["state_topic"]!.GetValue<string>(), out var state), c.Topic);
            var device = p["device"]!["identifiers"]![0]!.GetValue<string>();
            if (expectedKinds.TryGetValue(device, out var kinds))
            {
                Assert.Contains(state!.Kind, kinds);
            }

            // Availability, where given, is a status word topic of the one that publishes the state.
            if (p["availability_topic"] is { } availability)
            {
                Assert.True(tree.TryParse(availability.GetValue<string>(), out var a));
                Assert.Contains(a!.Kind, new[] { TopicKind.NodeStatus, TopicKind.BoardStatus });
            }
        }

        var power = Payload(configs.Single(c => c.Topic == "homeassistant/binary_sensor/watchdog_prod_node_db2/power/config"));
        Assert.Equal(tree.BoardChannel("rack1", "s2"), power["state_topic"]!.GetValue<string>());
        Assert.Equal("power", power["device_class"]!.GetValue<string>());
        Assert.Equal(tree.BoardStatus("rack1"), power["availability_topic"]!.GetValue<string>());
    }

    [Fact]
    public void Every_field_a_template_reads_is_one_the_message_on_its_state_topic_carries()
    {
        var configs = DiscoveryConfigs.For([Board("prod", "rack1", "db1")]);
        var tree = new TopicTree("prod");
        // Each message as the board and agent encode it, with every field set away from its default.
        var encoded = new Dictionary<TopicKind, JsonObject>
        {
            [TopicKind.NodeState] = JsonNode.Parse(MessageCodec.Encode(new NodeState { Node = "db1", Group = "db", Role = NodeRole.Active, Epoch = 3, Health = Health.Degraded, Feeding = true, Timestamp = 1 }))!.AsObject(),
            [TopicKind.BoardState] = JsonNode.Parse(MessageCodec.Encode(new BoardStatus { Board = "rack1", Presence = Presence.Ready, Epoch = 3, Pair = PairState.Passive, Timestamp = 1 }))!.AsObject(),
            [TopicKind.BoardChannel] = JsonNode.Parse(MessageCodec.Encode(new ChannelReading { Board = "rack1", Channel = "s1", Node = "db1", State = ChannelState.Failed, Verdict = Verdict.PowerFailure, PowerGood = [false, true], Timestamp = 1 }))!.AsObject(),
        };
        int checkedFields = 0;
        foreach (var c in configs)
        {
            var p = Payload(c);
            Assert.True(tree.TryParse(p["state_topic"]!.GetValue<string>(), out var state));
            foreach (Match field in ValueJsonField().Matches(p["value_template"]!.GetValue<string>()))
            {
                Assert.True(encoded[state!.Kind].ContainsKey(field.Groups[1].Value), $"{c.Topic} reads value_json.{field.Groups[1].Value}, which {state.Kind} does not carry");
                checkedFields++;
            }
        }

        Assert.True(checkedFields >= 8, $"only {checkedFields} template fields checked");
    }

    [Fact]
    public void The_configs_of_a_node_that_left_are_stale_and_nothing_else_is()
    {
        var before = DiscoveryConfigs.For([Board("prod", "rack1", "db1", "db2")]);
        var after = DiscoveryConfigs.For([Board("prod", "rack1", "db1")]);
        var otherCluster = DiscoveryConfigs.For([Board("prod-x", "rack9", "db2")]);
        var found = before.Concat(otherCluster).Select(c => (c.Topic, c.Payload))
            .Append(("homeassistant/sensor/kitchen/temperature/config", """{"name":"kitchen","device":{"identifiers":["zigbee-1"]}}"""))
            .Append(("homeassistant/sensor/broken/x/config", "not json"))
            .ToList();

        var stale = DiscoveryConfigs.Stale(found, after, "prod");

        Assert.Equal(7, stale.Count);
        Assert.All(stale, t => Assert.Contains("watchdog_prod_node_db2/", t));
        Assert.Empty(DiscoveryConfigs.Stale(found, before.Concat(otherCluster).ToList(), "prod"));
    }

    [Fact]
    public void Boards_of_two_clusters_are_refused_and_names_are_made_fit_for_home_assistant()
    {
        var e = Assert.Throws<ArgumentException>(() => DiscoveryConfigs.For([Board("prod", "rack1", "db1"), Board("lab", "rack2", "db2")]));
        Assert.Contains("board rack2 is in cluster 'lab', board rack1 in 'prod'", e.Message);

        var configs = DiscoveryConfigs.For([Board("prod", "rack1", "db.1")]);
        Assert.Contains(configs, c => c.Topic == "homeassistant/sensor/watchdog_prod_node_db_1/role/config");
        // The state topic keeps the real name.
        Assert.Contains(configs, c => Payload(c)["state_topic"]!.GetValue<string>() == new TopicTree("prod").NodeState("db.1"));
    }

    [GeneratedRegex(@"value_json\.([a-z_]+)")]
    private static partial Regex ValueJsonField();
}
