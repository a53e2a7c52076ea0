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
        options ??= (tuning, fault) => new KeepalivedRunOptions { Tuning = tuning, Fault = fault };
        return BenchMatrix.Run(
            tunings, faults, runs, firstRunIndex,
            (tuning, fault, run) => KeepalivedScenario.Run(options(tuning, fault), run, log),
            finished => finished.Result, Describe, (tuning, fault) => $"{tuning.Name} {fault.Name}", onRun, log);
    }

    private static string Describe(KeepalivedRun run)
    {
        BenchResult r = run.Result;
        return $"detection {Show(r.DetectionMs)}, takeover {Show(r.TakeoverMs)}, RTO {Show(r.RtoMs)}, outage {Show(r.OutageMs)}, overlap {Show(r.OverlapMs)}, flaps {r.Flaps}, changes {r.AnswerChanges}{(r.Notes is null ? string.Empty : " (" + r.Notes + ")")}";
    }

    private static string Show(double? ms) => ms is double v ? v.ToString("0", System.Globalization.CultureInfo.InvariantCulture) + " ms" : "-";
}
