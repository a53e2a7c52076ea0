using System.Globalization;
using Watchdog.Bench.Network;
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
        if (runs is < 1 or > 10_000)
        {
            throw new ArgumentOutOfRangeException(nameof(runs), runs, "runs must be between 1 and 10000");
        }

        if (firstRunIndex < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(firstRunIndex), firstRunIndex, "the first run index cannot be negative");
        }

        // Refused before anything starts: a bad tuning is the caller's error, not a setup failure to skip.
        foreach (PatroniTuning tuning in tunings)
        {
            tuning.Validate();
        }

        options ??= (tuning, fault) => new PatroniRunOptions { Tuning = tuning, Fault = fault };
        var results = new List<BenchResult>();
        foreach (PatroniTuning tuning in tunings)
        {
            foreach (PatroniFault fault in faults)
            {
                for (int run = firstRunIndex; run < firstRunIndex + runs; run++)
                {
                    try
                    {
                        PatroniRun finished = PatroniScenario.Run(options(tuning, fault), run, log);
                        results.Add(finished.Result);
                        onRun?.Invoke(finished);
                        log?.WriteLine("    " + Describe(finished));
                    }
                    catch (BenchSetupException e)
                    {
                        log?.WriteLine($"  {tuning.Name} {fault.Name} run {run}: setup failed, run skipped: {e.Message}");
                    }
                }
            }
        }

        return results;
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
