using Watchdog.Lab.Bench;

namespace Watchdog.Lab.Tests.Bench;

/// <summary>The "what" of the docs/results name the bench suggests (no rack: pure naming).</summary>
public class BenchResultsNameTests
{
    [Fact]
    public void Soak_and_chaos_are_named_by_their_mode() =>
        Assert.Equal(
            ["soak", "chaos"],
            [BenchRun.ResultsWhat(new BenchSettings { Soak = TimeSpan.FromMinutes(10) }, null), BenchRun.ResultsWhat(new BenchSettings { Chaos = true }, null)]);

    [Fact]
    public void Scenarios_are_named_by_catalogue_name_and_peer() =>
        Assert.Equal(
            ["failover", "failover-vs-keepalived", "failover-agent-crash-power-loss-vs-keepalived"],
            [
                BenchRun.ResultsWhat(new BenchSettings(), null),
                BenchRun.ResultsWhat(new BenchSettings(), "keepalived"),
                BenchRun.ResultsWhat(new BenchSettings { Scenario = "kill-9,power" }, "keepalived"),
            ]);
}
