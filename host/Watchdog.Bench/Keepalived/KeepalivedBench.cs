using Watchdog.Bench.Results;

namespace Watchdog.Bench.Keepalived;

/// <summary>
/// The keepalived side of `watchdogctl bench --peer keepalived`: every (tuning, fault) pair for N
/// runs, one after another (runs never overlap: they would share CPU and skew each other).
/// </summary>
public static class KeepalivedBench
{
    /// <summary>
    /// Runs the matrix: runs number <paramref name="firstRunIndex"/> onwards (each run index has its
    /// own fault phase, so a second batch with a later first index adds new samples, not repeats).
    /// <paramref name="onRun"/> sees every finished run (to keep a timeline);
    /// a run whose setup fails is reported on <paramref name="log"/> and skipped, not retried.
    /// </summary>
    public static IReadOnlyList<BenchResult> RunMatrix(
        IReadOnlyList<KeepalivedTuning> tunings,
        IReadOnlyList<KeepalivedFault> faults,
        int runs,
        int firstRunIndex = 0,
        Func<KeepalivedTuning, KeepalivedFault, KeepalivedRunOptions>? options = null,
        Action<KeepalivedRun>? onRun = null,
        TextWriter? log = null)
    {
        if (runs is < 1 or > 10_000)
        {
            throw new ArgumentOutOfRangeException(nameof(runs), runs, "runs must be between 1 and 10000");
        }

        if (firstRunIndex < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(firstRunIndex), firstRunIndex, "the first run index cannot be negative");
        }

        options ??= (tuning, fault) => new KeepalivedRunOptions { Tuning = tuning, Fault = fault };
        var results = new List<BenchResult>();
        foreach (KeepalivedTuning tuning in tunings)
        {
            foreach (KeepalivedFault fault in faults)
            {
                for (int run = firstRunIndex; run < firstRunIndex + runs; run++)
                {
                    try
                    {
                        KeepalivedRun finished = KeepalivedScenario.Run(options(tuning, fault), run, log);
                        results.Add(finished.Result);
                        onRun?.Invoke(finished);
                        BenchResult r = finished.Result;
                        log?.WriteLine($"    detection {Show(r.DetectionMs)}, takeover {Show(r.TakeoverMs)}, RTO {Show(r.RtoMs)}, outage {Show(r.OutageMs)}, overlap {Show(r.OverlapMs)}, flaps {r.Flaps}, changes {r.AnswerChanges}{(r.Notes is null ? string.Empty : " (" + r.Notes + ")")}");
                    }
                    catch (Network.BenchSetupException e)
                    {
                        log?.WriteLine($"  {tuning.Name} {fault.Name} run {run}: setup failed, run skipped: {e.Message}");
                    }
                }
            }
        }

        return results;
    }

    private static string Show(double? ms) => ms is double v ? v.ToString("0", System.Globalization.CultureInfo.InvariantCulture) + " ms" : "-";
}
