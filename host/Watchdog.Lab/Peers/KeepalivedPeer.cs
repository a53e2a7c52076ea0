using Watchdog.Bench.Keepalived;
using Watchdog.Bench.Results;
using Watchdog.Bench.Timeline;
using Watchdog.Lab.Faults;

namespace Watchdog.Lab.Peers;

/// <summary>keepalived (VRRP), defaults and tuned, on each fault's <see cref="Fault.Keepalived"/> counterpart.</summary>
public sealed class KeepalivedPeer : IPeerSystem
{
    public string Name => "keepalived";

    public IEnumerable<BenchResult> Run(IReadOnlyList<Fault> faults, int runs, double probeIntervalMs, string? outDir, TextWriter log)
    {
        // keepalived has no broker or board, so those faults have no counterpart; a partition is
        // always run, since it is where VRRP and a board part ways (two masters).
        var counterparts = faults.Select(f => f.Keepalived).OfType<KeepalivedFault>().Append(KeepalivedFaults.Partition).Distinct().ToList();
        return KeepalivedBench.RunMatrix([KeepalivedTuning.Defaults, KeepalivedTuning.Tuned], counterparts, runs, log: log,
            options: (tuning, fault) => new KeepalivedRunOptions { Tuning = tuning, Fault = fault, ProbeIntervalMs = probeIntervalMs },
            onRun: run =>
        {
            // The first run of each cell as a picture, like ours.
            if (outDir is not null && run.Result.RunIndex == 0)
            {
                File.WriteAllText(Path.Combine(outDir, $"timeline-{run.Result.Peer}-{run.Result.Scenario}.svg"), TimelineSvg.Draw(run.Timeline));
            }
        });
    }
}
