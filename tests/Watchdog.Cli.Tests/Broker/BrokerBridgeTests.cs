using Watchdog.Firmware.Core.Config;

namespace Watchdog.Cli.Tests.Broker;

/// <summary>
/// A site's broker bridged with another site's: what the bridge shares (status and events, never
/// what one site's board or operator seals), what the other site's bridge user may write here, and
/// the bridge section of mosquitto.conf.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class BrokerBridgeTests : ScratchDirectoryTests
{
    private static readonly TopicKind[] Shared =
        [TopicKind.NodeStatus, TopicKind.NodeState, TopicKind.BoardStatus, TopicKind.BoardState, TopicKind.BoardChannel, TopicKind.GroupRoles, TopicKind.Event];

    private static BrokerPlan Plan(params string[] peers)
    {
        var configs = new[] { BrokerTestSupport.BoardJson("east", "rack1", "web", "east-web1", "east-web2") }.Select(json =>
        {
            Assert.True(BoardConfigReader.TryRead(System.Text.Encoding.UTF8.GetBytes(json), out BoardConfig? c, out string error), error);
            return ("rack1.json", c!);
        }).ToList();
        return BrokerPlan.From(configs, ["alice"], peers);
    }

    /// <summary>The kind of a filter of <paramref name="tree"/> (its wildcards taken as names), or Unknown.</summary>
    private static TopicKind KindOf(TopicTree tree, string filter) =>
        tree.TryParse(filter.Replace("+", "x", StringComparison.Ordinal), out ParsedTopic? parsed) ? parsed!.Kind : TopicKind.Unknown;

    [Fact]
    public void A_bridge_shares_status_and_events_and_nothing_sealed_for_one_site()
    {
        var tree = new TopicTree("east");
        var kinds = BrokerBridge.Topics(tree).Select(f => KindOf(tree, f)).ToList();
        Assert.Equal(Shared, kinds);
    }

    [Fact]
    public void The_other_sites_bridge_user_writes_its_own_sites_status_alone_and_reads_nothing()
    {
        BrokerPlan plan = Plan("west");
        var west = new TopicTree("west");
        var (user, writes) = BrokerAcl.Writes(plan).Single(w => w.User.Kind == PrincipalKind.Bridge);
        Assert.Equal("bridge-west", user.User);
        Assert.Equal(BrokerBridge.StateTopic("west"), writes[^1]);
        Assert.Equal(Shared, writes.SkipLast(1).Select(f => KindOf(west, f)));
        Assert.All(writes, f => Assert.Equal(TopicKind.Unknown, KindOf(plan.Topics, f)));

        string acl = BrokerAcl.Render(plan);
        string section = acl[acl.IndexOf("user bridge-west\n", StringComparison.Ordinal)..];
        Assert.DoesNotContain("topic read", section, StringComparison.Ordinal);

        // Operators read the other site's tree and the bridges' state; boards and agents do not.
        string operatorSection = acl[acl.IndexOf("user operator-alice\n", StringComparison.Ordinal)..acl.IndexOf("user bridge-west\n", StringComparison.Ordinal)];
        Assert.Contains("topic read " + west.Everything() + "\n", operatorSection, StringComparison.Ordinal);
        Assert.Contains("topic read " + BrokerBridge.AllStateTopics + "\n", operatorSection, StringComparison.Ordinal);
        Assert.Single(acl.Split('\n'), l => l == "topic read " + west.Everything());
    }

    [Theory]
    [InlineData("east", "own cluster")]
    [InlineData("we st", "must be 1-64 characters")]
    public void A_peer_of_the_own_cluster_or_a_bad_name_is_refused(string peer, string expected)
    {
        var e = Assert.Throws<BrokerConfigException>(() => Plan(peer));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_peer_given_twice_is_refused() =>
        Assert.Contains("bridge peer 'west' is given twice", Assert.Throws<BrokerConfigException>(() => Plan("west", "west")).Message, StringComparison.Ordinal);

    [Fact]
    public void The_bridge_section_pushes_the_own_status_out_and_keeps_the_file_private()
    {
        string password = Path.Combine(Dir, "peer.password");
        File.WriteAllText(password, "s3cret-from-west\n");
        var request = new BrokerConfigRequest
        {
            Plan = Plan("west"),
            OutDirectory = Path.Combine(Dir, "out"),
            Plain = [new ListenAddress("127.0.0.1", 1883)],
            Bridges = [new BridgeTarget { PeerCluster = "west", Peer = new ListenAddress("10.0.0.5", 1884), PasswordFile = password }],
        };
        Assert.True(BrokerConfigWriter.Write(request).Ok);

        string conf = Path.Combine(Dir, "out", "mosquitto.conf");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(conf));
        string[] lines = File.ReadAllLines(conf);
        string[] expected =
        [
            "connection east-to-west", "address 10.0.0.5:1884", "remote_clientid bridge-east", "remote_username bridge-east",
            "remote_password s3cret-from-west", "cleansession false", "keepalive_interval 30", "restart_timeout 5 30", "notifications true",
        ];
        Assert.All(expected, l => Assert.Contains(l, lines));
        var topics = lines.Where(l => l.StartsWith("topic ", StringComparison.Ordinal)).ToList();
        Assert.Equal(BrokerBridge.Topics(new TopicTree("east")).Select(t => $"topic {t} out 1"), topics);
    }

    [Fact]
    public void A_bridge_to_a_site_that_cannot_bridge_back_or_without_its_password_is_refused()
    {
        BridgeTarget Target(string peer, string file) => new() { PeerCluster = peer, Peer = new ListenAddress("10.0.0.5", 1884), PasswordFile = file };
        BrokerConfigRequest Request(BrokerPlan plan, BridgeTarget target) => new()
        {
            Plan = plan,
            OutDirectory = Path.Combine(Dir, "out"),
            Plain = [new ListenAddress("127.0.0.1", 1883)],
            Bridges = [target],
        };

        string missing = Path.Combine(Dir, "missing.password");
        Assert.Contains("no user bridge-north", Assert.Throws<BrokerConfigException>(() => BrokerConfigWriter.Write(Request(Plan("west"), Target("north", missing)))).Message, StringComparison.Ordinal);
        Assert.Contains("does not exist", Assert.Throws<BrokerConfigException>(() => BrokerConfigWriter.Write(Request(Plan("west"), Target("west", missing)))).Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(Dir, "out", "mosquitto.conf")));
    }
}
