using Watchdog.Bench.Patroni;

namespace Watchdog.Bench.Tests.Patroni;

/// <summary>One whole fault run against a real Patroni pair, with the client writing through it.</summary>
[Collection("patroni")]
public class PatroniRunTests
{
    [PatroniFact]
    public void A_primary_crash_run_fails_over_and_reports_its_numbers()
    {
        var options = new PatroniRunOptions
        {
            Tuning = PatroniTuning.Tuned,
            Fault = PatroniFaults.PrimaryCrash,
            BaselineMs = 1000,
            FaultPhaseJitterMs = 500,
        };

        PatroniRun run = PatroniScenario.Run(options, runIndex: 0);

        Assert.NotNull(run.PrimaryAfter);
        Assert.NotEqual(run.PrimaryBefore, run.PrimaryAfter);
        Assert.NotNull(run.Result.TakeoverMs);
        Assert.NotNull(run.Result.RtoMs);
        // Nothing promotes before the leader key's ttl ends; generous upper bound for a loaded machine.
        Assert.InRange(run.Result.RtoMs!.Value, 1, 120_000);
        Assert.NotNull(run.Result.RpoRows);
        Assert.True(run.Writes.Acked.Count > 10);
        // The killed primary cannot accept anything: no two primaries.
        Assert.Equal(0, run.Result.TwoPrimariesMs);
        Assert.Contains(run.DirectWrites, w => w.Node == run.PrimaryAfter && w.Accepted && w.SentMs > run.FaultMs);
        Assert.Empty(PatroniClusterTests.LeftoverProcesses());
    }
}
