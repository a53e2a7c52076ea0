namespace Watchdog.Cli.Tests.Broker;

/// <summary>Who may write what, checked against the topic tree itself, and the plans the generator refuses.</summary>
public sealed class BrokerAclTests
{
    private static readonly BrokerPlan TwoBoards = BrokerTestSupport.Plan(
        "prod",
        [("rack1", "db", ["db1", "db2"]), ("rack2", "web", ["web1"])],
        "alice", "bob");

    private static readonly Dictionary<PrincipalKind, TopicKind[]> Publishes = new()
    {
        [PrincipalKind.Board] = [TopicKind.BoardStatus, TopicKind.BoardState, TopicKind.BoardMetrics, TopicKind.BoardChannel, TopicKind.NodeGrant, TopicKind.NodeRequest, TopicKind.GroupRoles, TopicKind.Event, TopicKind.CommandAck],
        [PrincipalKind.Agent] = [TopicKind.NodeStatus, TopicKind.NodeState, TopicKind.NodeMetrics, TopicKind.NodeGrantAck, TopicKind.Event, TopicKind.CommandAck],
    };

    [Fact]
    public void Every_topic_kind_is_writable_by_its_publisher_and_only_by_it()
    {
        var tree = TwoBoards.Topics;
        var writers = new Dictionary<TopicKind, HashSet<PrincipalKind>>();
        foreach (var (user, writes) in BrokerAcl.Writes(TwoBoards))
        {
            if (user.Kind == PrincipalKind.Operator)
            {
                // command/+ : every command, and no ack (+ is one level); and Home Assistant's
                // discovery configs, outside the cluster's tree.
                Assert.Equal([tree.AllCommands(), BrokerAcl.HomeAssistantDiscoveryTopics], writes);
                Assert.False(tree.TryParse(BrokerAcl.HomeAssistantDiscoveryTopics, out _));
                writers.TryAdd(TopicKind.Command, []);
                writers[TopicKind.Command].Add(PrincipalKind.Operator);
                continue;
            }

            foreach (string topic in writes)
            {
                Assert.True(tree.TryParse(topic, out ParsedTopic? parsed), topic);
                Assert.Contains(parsed!.Kind, Publishes[user.Kind]);
                writers.TryAdd(parsed.Kind, []);
                writers[parsed.Kind].Add(user.Kind);
            }
        }

        // A topic kind added to the tree without an owner here fails this test.
        foreach (TopicKind kind in Enum.GetValues<TopicKind>().Where(k => k != TopicKind.Unknown))
        {
            Assert.True(writers.ContainsKey(kind), $"nobody may write {kind}");
        }

        Assert.Equal([PrincipalKind.Board], writers[TopicKind.NodeGrant]);
        Assert.Equal([PrincipalKind.Board], writers[TopicKind.GroupRoles]);
        Assert.Equal([PrincipalKind.Operator], writers[TopicKind.Command]);
        Assert.Equal([PrincipalKind.Agent], writers[TopicKind.NodeState]);
    }

    [Fact]
    public void A_board_writes_for_its_own_nodes_and_groups_and_an_agent_for_its_own_node()
    {
        var tree = TwoBoards.Topics;
        var writes = BrokerAcl.Writes(TwoBoards).ToDictionary(w => w.User.User, w => w.Writes);

        Assert.Contains(tree.NodeGrant("db1"), writes["board-rack1"]);
        Assert.Contains(tree.GroupRoles("db"), writes["board-rack1"]);
        Assert.Contains(tree.CommandAck("db"), writes["board-rack1"]);
        Assert.DoesNotContain(tree.NodeGrant("web1"), writes["board-rack1"]);
        Assert.DoesNotContain(tree.GroupRoles("web"), writes["board-rack1"]);
        Assert.DoesNotContain(tree.Event("rack2"), writes["board-rack1"]);
        Assert.Contains(tree.NodeGrant("web1"), writes["board-rack2"]);
        Assert.Contains(tree.BoardMetrics("rack1"), writes["board-rack1"]);
        Assert.DoesNotContain(tree.BoardMetrics("rack2"), writes["board-rack1"]);

        Assert.Equal(
            [tree.NodeStatus("db1"), tree.NodeState("db1"), tree.NodeMetrics("db1"), tree.NodeGrantAck("db1"), tree.Event("db1"), tree.CommandAck("db1")],
            writes["agent-db1"]);
    }

    [Fact]
    public void The_file_gives_every_user_read_on_the_cluster_and_uses_no_pattern()
    {
        string acl = BrokerAcl.Render(TwoBoards);
        var lines = acl.Split('\n').Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();
        Assert.DoesNotContain(lines, l => l.StartsWith("pattern", StringComparison.Ordinal));
        Assert.StartsWith("user ", lines[0], StringComparison.Ordinal);
        var users = lines.Where(l => l.StartsWith("user ", StringComparison.Ordinal)).Select(l => l[5..]).ToList();
        Assert.Equal(["board-rack1", "board-rack2", "agent-db1", "agent-db2", "agent-web1", "operator-alice", "operator-bob"], users);
        Assert.Equal(users.Count, lines.Count(l => l == "topic read watchdog/v1/prod/#"));
        Assert.Contains("topic write watchdog/v1/prod/command/+", lines);
    }

    [Theory]
    [InlineData("rack1", "db1", "rack2", "db1", "'db1' is both node db1 (channel s1 of board rack1) and node db1 (channel s1 of board rack2)")]
    [InlineData("rack1", "db1", "rack1", "db2", "'rack1' is both board rack1")]
    [InlineData("rack1", "db1", "db1", "web1", "'db1' is both node db1")]
    public void A_name_that_two_users_would_share_is_refused(string board1, string node1, string board2, string node2, string message)
    {
        var e = Assert.Throws<BrokerConfigException>(() => BrokerTestSupport.Plan("prod", [(board1, "g1", [node1]), (board2, "g2", [node2])], "alice"));
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_two_boards_of_a_pair_share_their_nodes_and_group_and_each_may_write_their_grants_and_roles()
    {
        var configs = new[] { ("a.json", PairConfig("rack1", "rack1-b", preferred: true)), ("b.json", PairConfig("rack1-b", "rack1")) };

        var plan = BrokerPlan.From(configs, ["alice"]);

        Assert.Equal(["board-rack1", "board-rack1-b", "agent-web1", "agent-web2", "operator-alice"], plan.Users.Select(u => u.User));
        var writes = BrokerAcl.Writes(plan).ToDictionary(w => w.User.User, w => w.Writes);
        foreach (string board in new[] { "board-rack1", "board-rack1-b" })
        {
            Assert.Contains(plan.Topics.NodeGrant("web1"), writes[board]);
            Assert.Contains(plan.Topics.GroupRoles("web"), writes[board]);
        }

        // Without the pair, or with a one-sided claim, the shared node is refused as before.
        Assert.Throws<BrokerConfigException>(() => BrokerPlan.From([("a.json", PairConfig("rack1", null)), ("b.json", PairConfig("rack1-b", null))], ["alice"]));
        Assert.Throws<BrokerConfigException>(() => BrokerPlan.From([("a.json", PairConfig("rack1", null)), ("b.json", PairConfig("rack1-b", "rack1"))], ["alice"]));
    }

    [Fact]
    public void A_pair_with_two_preferred_boards_none_or_different_timings_is_refused_naming_both_files()
    {
        string both = Assert.Throws<BrokerConfigException>(() => BrokerPlan.From([("a.json", PairConfig("rack1", "rack1-b", preferred: true)), ("b.json", PairConfig("rack1-b", "rack1", preferred: true))], ["alice"])).Message;
        Assert.Contains("'a.json' and 'b.json' are a pair, and both say", both, StringComparison.Ordinal);
        string neither = Assert.Throws<BrokerConfigException>(() => BrokerPlan.From([("a.json", PairConfig("rack1", "rack1-b")), ("b.json", PairConfig("rack1-b", "rack1"))], ["alice"])).Message;
        Assert.Contains("neither say", neither, StringComparison.Ordinal);

        var slow = PairConfig("rack1-b", "rack1");
        slow.Pair!.ConfirmMs = 400;
        string timings = Assert.Throws<BrokerConfigException>(() => BrokerPlan.From([("a.json", PairConfig("rack1", "rack1-b", preferred: true)), ("b.json", slow)], ["alice"])).Message;
        Assert.Contains("pair.confirm_ms (100 and 400)", timings, StringComparison.Ordinal);
    }

    private static Watchdog.Firmware.Core.Config.BoardConfig PairConfig(string board, string? peer, bool preferred = false)
    {
        Assert.True(Watchdog.Firmware.Core.Config.BoardConfigReader.TryRead(
            System.Text.Encoding.UTF8.GetBytes(BrokerTestSupport.BoardJson("prod", board, "web", "web1", "web2")), out var c, out string error), error);
        c!.Pair = peer is null ? null : new Watchdog.Firmware.Core.Config.PairConfig { Peer = peer, Preferred = preferred };
        return c;
    }

    [Fact]
    public void Boards_of_two_clusters_and_bad_operator_names_are_refused()
    {
        var configs = new[] { ("a.json", Config("prod", "rack1", "db1")), ("b.json", Config("lab", "rack9", "n9")) };
        Assert.Contains("one broker configuration serves one cluster", Assert.Throws<BrokerConfigException>(() => BrokerPlan.From(configs, ["alice"])).Message, StringComparison.Ordinal);
        Assert.Contains("':'", Assert.Throws<BrokerConfigException>(() => BrokerPlan.From([configs[0]], ["al:ice"])).Message, StringComparison.Ordinal);
        Assert.Throws<BrokerConfigException>(() => BrokerPlan.From([configs[0]], ["al#ice"]));
        Assert.Throws<BrokerConfigException>(() => BrokerPlan.From([configs[0]], ["alice", "alice"]));
        Assert.Throws<BrokerConfigException>(() => BrokerPlan.From([configs[0]], []));
    }

    private static Watchdog.Firmware.Core.Config.BoardConfig Config(string cluster, string board, string node)
    {
        Assert.True(Watchdog.Firmware.Core.Config.BoardConfigReader.TryRead(
            System.Text.Encoding.UTF8.GetBytes(BrokerTestSupport.BoardJson(cluster, board, "g-" + board, node)), out var c, out string error), error);
        return c!;
    }
}
