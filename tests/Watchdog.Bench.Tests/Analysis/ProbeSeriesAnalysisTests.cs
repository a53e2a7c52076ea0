using Watchdog.Bench.Analysis;
using Watchdog.Bench.Probe;

namespace Watchdog.Bench.Tests.Analysis;

public class ProbeSeriesAnalysisTests
{
    /// <summary>A probe every 20 ms from <paramref name="fromMs"/>, each taking 2 ms, answered per <paramref name="who"/>.</summary>
    private static List<ProbeSample> Series(double fromMs, double toMs, Func<double, string?> who)
    {
        var samples = new List<ProbeSample>();
        for (double t = fromMs; t < toMs; t += 20)
        {
            string? node = who(t);
            samples.Add(node is null ? ProbeSample.Failed(t, t + 250, ProbeFailure.Timeout) : ProbeSample.Answer(t, t + 2, node));
        }

        return samples;
    }

    [Fact]
    public void Clean_failover_gives_rto_outage_and_no_flaps()
    {
        // A until the fault at 1000; nothing from 1000 to 1300; B from 1300 on.
        List<ProbeSample> series = Series(0, 3000, t => t < 1000 ? "a" : t < 1300 ? null : "b");

        ProbeAnalysis result = ProbeSeriesAnalysis.Analyze(series, faultMs: 1000, windowEndMs: 3000);

        Assert.Equal("a", result.HolderBeforeFault);
        Assert.Equal(302, result.RtoMs); // the first B probe starts at 1300 and ends 2 ms later
        Outage outage = Assert.Single(result.Outages);
        Assert.Equal(1000, outage.StartMs);
        Assert.Equal(1302, outage.EndMs);
        Assert.Equal(302, result.OutageMs);
        Assert.Equal(1, result.AnswerChanges);
        Assert.Equal(0, result.Flaps);
        Assert.Equal(["a", "b"], result.AnswerSequence);
    }

    [Fact]
    public void Answers_bouncing_between_nodes_count_as_flaps()
    {
        // a | fault at 1000 | b 1000-1500 | a 1500-2000 | b after 2000: three changes, two flaps.
        List<ProbeSample> series = Series(0, 3000, t => t < 1000 ? "a" : t < 1500 ? "b" : t < 2000 ? "a" : "b");

        ProbeAnalysis result = ProbeSeriesAnalysis.Analyze(series, 1000, 3000);

        Assert.Equal(3, result.AnswerChanges);
        Assert.Equal(2, result.Flaps);
        Assert.Equal(2, result.RtoMs);
        Assert.Empty(result.Outages);
        Assert.Equal(0, result.OutageMs);
    }

    [Fact]
    public void No_answer_from_another_node_leaves_rto_null_and_the_outage_open_until_the_window_ends()
    {
        List<ProbeSample> series = Series(0, 2000, t => t < 1000 ? "a" : null);

        ProbeAnalysis result = ProbeSeriesAnalysis.Analyze(series, 1000, 2500);

        Assert.Null(result.RtoMs);
        Assert.Null(result.FirstNewAnswerMs);
        Outage outage = Assert.Single(result.Outages);
        Assert.Null(outage.EndMs);
        Assert.Equal(1500, result.OutageMs);
        Assert.Equal(0, result.AnswerChanges);
    }

    [Fact]
    public void The_old_node_coming_back_is_not_a_takeover()
    {
        // a, outage, a again (the old master resumed): no new holder, so no RTO, and no change.
        List<ProbeSample> series = Series(0, 3000, t => t is >= 1000 and < 1400 ? null : "a");

        ProbeAnalysis result = ProbeSeriesAnalysis.Analyze(series, 1000, 3000);

        Assert.Null(result.RtoMs);
        Assert.Equal(0, result.AnswerChanges);
        Assert.Equal(402, result.OutageMs);
    }

    [Fact]
    public void A_failure_run_that_began_before_the_fault_is_clipped_to_the_fault()
    {
        List<ProbeSample> series = Series(0, 2000, t => t is >= 900 and < 1200 ? null : t < 1000 ? "a" : "b");

        ProbeAnalysis result = ProbeSeriesAnalysis.Analyze(series, 1000, 2000);

        Outage outage = Assert.Single(result.Outages);
        Assert.Equal(1000, outage.StartMs);
        Assert.Equal(1202, outage.EndMs);
    }

    [Fact]
    public void A_window_ending_before_the_fault_is_refused()
    {
        var e = Assert.Throws<ArgumentException>(() => ProbeSeriesAnalysis.Analyze([], 1000, 500));
        Assert.Contains("before the fault", e.Message);
    }
}
