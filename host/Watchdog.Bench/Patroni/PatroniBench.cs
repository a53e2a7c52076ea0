using System.Globalization;
using Watchdog.Bench.Results;

namespace Watchdog.Bench.Patroni;

/// <summary>
/// The Patroni side of `--peer patroni`: every (tuning, fault) pair for N runs, one after
/// another (runs never overlap: they would share CPU and skew each other). Each run builds a
/// fresh cluster, so one run's leftovers (a rewound old primary, a diverged timeline) never
/// leak into the next.
/// </summary>
public static class PatroniBench
{
    /// <summary>
    /// Runs the matrix from run number <paramref name="firstRunIndex"/> on; a run whose setup
    /// fails is reported on <paramref name="log"/> and skipped, not retried.
    /// </summary>
    public static IReadOnlyList<BenchResult> RunMatrix(
        IReadOnlyList<PatroniTuning> tunings,
        IReadOnlyList<PatroniFault> faults,
        int runs,
        int firstRunIndex = 0,
        Func<PatroniTuning, PatroniFault, PatroniRunOptions>? options = null,
        Action<PatroniRun>? onRun = null,
        TextWriter? log = null)
    {
        // Refused before anything starts: a bad tuning is the caller's error, not a setup failure to skip.
        foreach (PatroniTuning tuning in tunings)
        {
            tuning.Validate();
        }

        options ??= (tuning, fault) => new PatroniRunOptions { Tuning = tuning, Fault = fault };
        return BenchMatrix.Run(
            tunings, faults, runs, firstRunIndex,
            (tuning, fault, run) => PatroniScenario.Run(options(tuning, fault), run, log),
            finished => finished.Result, Describe, (tuning, fault) => $"{tuning.Name} {fault.Name}", onRun, log);
    }

    /// <summary>One line per run: the figures and what was unexpected.</summary>
    public static string Describe(PatroniRun run)
    {
        BenchResult r = run.Result;
        return string.Create(CultureInfo.InvariantCulture,
            $"{r.Peer} {r.Scenario} run {r.RunIndex}: {run.PrimaryBefore} -> {run.PrimaryAfter ?? "none"}, takeover {Show(r.TakeoverMs)}, RTO {Show(r.RtoMs)}, rpo_rows {r.RpoRows?.ToString(CultureInfo.InvariantCulture) ?? "-"} (span {Show(r.RpoSpanMs)}), two primaries {Show(r.TwoPrimariesMs)}, acked {run.Writes.Acked.Count}, client errors {run.Writes.Errors.Count}")
            + (r.Notes is null ? string.Empty : " (" + r.Notes + ")");
    }

    private static string Show(double? ms) => ms is double v ? v.ToString("0", CultureInfo.InvariantCulture) + " ms" : "-";
}
