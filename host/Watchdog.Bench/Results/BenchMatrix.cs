namespace Watchdog.Bench.Results;

/// <summary>
/// The run loop a peer system's bench shares: every (tuning, fault) pair for N runs, one after
/// another (runs never overlap: they would share CPU and skew each other); a run whose setup
/// fails is reported and skipped, not retried.
/// </summary>
public static class BenchMatrix
{
    /// <param name="firstRunIndex">The first run number (each run index has its own fault phase, so a later batch adds new samples, not repeats).</param>
    /// <param name="runOne">One run of a (tuning, fault) pair with its run number; throws <see cref="Network.BenchSetupException"/> when it cannot be set up.</param>
    /// <param name="describe">The log line of a finished run.</param>
    /// <param name="caseName">The (tuning, fault) pair as a setup failure names it.</param>
    public static IReadOnlyList<BenchResult> Run<TTuning, TFault, TRun>(
        IReadOnlyList<TTuning> tunings,
        IReadOnlyList<TFault> faults,
        int runs,
        int firstRunIndex,
        Func<TTuning, TFault, int, TRun> runOne,
        Func<TRun, BenchResult> resultOf,
        Func<TRun, string> describe,
        Func<TTuning, TFault, string> caseName,
        Action<TRun>? onRun,
        TextWriter? log)
    {
        if (runs is < 1 or > 10_000)
        {
            throw new ArgumentOutOfRangeException(nameof(runs), runs, "runs must be between 1 and 10000");
        }

        if (firstRunIndex < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(firstRunIndex), firstRunIndex, "the first run index cannot be negative");
        }

        var results = new List<BenchResult>();
        foreach (TTuning tuning in tunings)
        {
            foreach (TFault fault in faults)
            {
                for (int run = firstRunIndex; run < firstRunIndex + runs; run++)
                {
                    try
                    {
                        TRun finished = runOne(tuning, fault, run);
                        results.Add(resultOf(finished));
                        onRun?.Invoke(finished);
                        log?.WriteLine("    " + describe(finished));
                    }
                    catch (Network.BenchSetupException e)
                    {
                        log?.WriteLine($"  {caseName(tuning, fault)} run {run}: setup failed, run skipped: {e.Message}");
                    }
                }
            }
        }

        return results;
    }
}
