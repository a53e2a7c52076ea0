using System.Text;
using Watchdog.Firmware.Core.Config;
using Watchdog.Lab.Bench;

namespace Watchdog.Lab.Tests.Failover;

/// <summary>
/// A rack of several groups (RackClusterOptions.GroupCount): the board configuration it writes,
/// read by the board's own reader, and (as root) four groups on one board where two groups fail
/// at the same instant and each fails over on its own address with no overlap.
/// </summary>
[Collection("rack")]
public sealed class GroupsRackTests(ITestOutputHelper output)
{
    [Fact]
    public void One_group_is_the_rack_as_before()
    {
        var o = new RackClusterOptions();
        var only = Assert.Single(o.RackGroups);
        Assert.Equal("web", only.Name);
        Assert.Equal(["web1", "web2"], only.Nodes);
        Assert.Equal(o.Nodes, o.AllNodes);
    }

    [Fact]
    public void Four_groups_make_a_board_configuration_the_board_reads_with_eight_channels_and_four_groups()
    {
        var o = new RackClusterOptions { GroupCount = 4 };
        var members = o.AllNodes.Select((n, i) => ($"s{i + 1}", n)).ToList();
        var json = ClusterConfigs.Board(o, members);

        Assert.True(BoardConfigReader.TryRead(Encoding.UTF8.GetBytes(json), out var config, out var error), error);
        Assert.Equal("", BoardConfigValidator.Validate(config!));
        Assert.Equal(8, config!.Channels.Length);
        Assert.Equal(["web", "g2", "g3", "g4"], config.Groups.Select(g => g.Name));
        Assert.Equal(["g3a", "g3b"], config.Groups[2].Members);
        Assert.Equal("g4", o.GroupOf("g4b").Name);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(5)]
    public void A_group_count_the_pin_map_cannot_wire_is_refused_by_name(int groups)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new RackClusterOptions { GroupCount = groups }.RackGroups);
        Assert.Contains("s1..s8", e.Message, StringComparison.Ordinal);
        Assert.Contains("--groups", Assert.Throws<FormatException>(() => ScaleBench.Steps(groups)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_scale_bench_steps_double_up_to_the_groups_asked_for()
    {
        Assert.Equal([1, 2, 4], ScaleBench.Steps(4));
        Assert.Equal([1, 2, 3], ScaleBench.Steps(3));
        Assert.Equal([1], ScaleBench.Steps(1));
    }

    [RackFact]
    public async Task Four_groups_settle_and_two_groups_hung_at_once_both_fail_over_with_no_overlap()
    {
        var options = new RackClusterOptions { Broker = BrokerKind.Mosquitto, GroupCount = 4, Log = new RackClusterFixture.OutputWriter(output) };
        await using var cluster = await RackCluster.StartAsync(options, CancellationToken.None);
        Assert.True(await cluster.WaitUntilAllGroupsSettledAsync(TimeSpan.FromSeconds(90), CancellationToken.None),
            "the four groups did not settle: " + string.Join("; ", options.RackGroups.Select(g => GroupFailover.Describe(cluster, g.Name, g.Nodes[0]))) +
            "\n" + RackClusterFixture.Diagnose(cluster, options.AllNodes, lines: 60));
        Assert.Equal(4, cluster.Groups.Select(g => g.Vip).Distinct().Count());

        // The groups not failed keep their active and epoch: a failover is its own group's only.
        var untouched = new[] { "web", "g4" }.ToDictionary(g => g, g => cluster.Observer.LatestRoles(g)!);
        var results = await GroupFailover.RunAsync(cluster, ["g2", "g3"], FaultCatalogue.Hang, output.WriteLine, CancellationToken.None);

        Assert.Equal(2, results.Count);
        foreach (var r in results)
        {
            output.WriteLine($"{r.Group}: {r.Victim} -> {r.NewActive}, detection {r.DetectionMs} ms, rto {r.RtoMs} ms, overlap {r.OverlapMs} ms, injected {r.InjectSpreadMs} ms after the first");
            Assert.Empty(r.Problems);
            Assert.Equal(r.Successor, r.NewActive);
            Assert.NotNull(r.RtoMs);
            Assert.True(r.EpochAfter > r.EpochBefore, $"{r.Group}: epoch {r.EpochBefore} -> {r.EpochAfter}");
            Assert.Equal(0, r.OverlapMs);
        }

        // A group that moved without a fault is a false failover: say which member fell and why.
        var moved = untouched.Where(u => cluster.Observer.LatestRoles(u.Key) is var now && (!u.Value.Active.SequenceEqual(now!.Active) || u.Value.Epoch != now.Epoch))
            .Select(u => $"{u.Key}: active {string.Join(",", u.Value.Active)} at epoch {u.Value.Epoch} -> {string.Join(",", cluster.Observer.LatestRoles(u.Key)!.Active)} at epoch {cluster.Observer.LatestRoles(u.Key)!.Epoch}")
            .ToList();
        Assert.True(moved.Count == 0, "a group with no fault changed its active: " + string.Join("; ", moved) + "\n" + RackClusterFixture.Diagnose(cluster, options.AllNodes, lines: 60));
    }
}
