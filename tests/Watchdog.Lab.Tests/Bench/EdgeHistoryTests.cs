using Watchdog.Agent.Heartbeat;
using Watchdog.Lab.Bench;
using Watchdog.Testing;

namespace Watchdog.Lab.Tests.Bench;

/// <summary>What the soak says about a fenced node's heartbeat: its recorder's edges before the verdict, across the agent's restart.</summary>
public sealed class EdgeHistoryTests
{
    [Fact]
    public void The_edges_before_a_verdict_come_from_the_run_before_the_restart_and_the_one_after()
    {
        using var dir = new TempDirectory();
        string path = dir.File("web1.edges");
        using (var before = EdgeRecorder.Create(path))
        {
            before.Add(1_000, 0, 0, 0);
            before.Add(1_010, 1, 1, 0);
            before.Add(1_057, 37, 35, 0);
        }

        using (var after = EdgeRecorder.Create(path))
        {
            after.Add(5_000, 0, 0, 0);
        }

        var edges = EdgeHistory.Before(path, verdictWallMs: 1_100);
        Assert.Equal([1_000L, 1_010L, 1_057L], edges.Select(e => e.WallMs));
        Assert.Equal(4, EdgeHistory.Before(path, verdictWallMs: 6_000).Count);
        Assert.Equal(
            "line silent 43 ms before the verdict; last edges: -90 ms late 1 (woke 1, work 0, gc 0), -43 ms late 37 (woke 35, work 2, gc 0)",
            EdgeHistory.Describe(edges, 1_100, count: 2));
    }

    [Fact]
    public void A_node_without_a_recorder_says_so()
    {
        using var dir = new TempDirectory();
        var edges = EdgeHistory.Before(dir.File("web1.edges"), verdictWallMs: 1_000);
        Assert.Empty(edges);
        Assert.Equal("no edge recorded before the verdict", EdgeHistory.Describe(edges, 1_000));
    }
}
