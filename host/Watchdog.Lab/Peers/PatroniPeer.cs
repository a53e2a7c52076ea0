using Watchdog.Bench.Patroni;
using Watchdog.Bench.Results;
using Watchdog.Lab.Faults;

namespace Watchdog.Lab.Peers;

/// <summary>
/// Patroni 3.0.2 with etcd and PostgreSQL 15, defaults and tuned, each asynchronous and
/// synchronous, on each fault's <see cref="Fault.Patroni"/> counterpart. A fresh cluster per run.
/// </summary>
public sealed class PatroniPeer : IPeerSystem
{
    public string Name => "patroni";

    /// <remarks>
    /// Patroni's primary is found by a SQL probe of every node (PatroniRunOptions.ProbeIntervalMs,
    /// 50 ms), not by a connection to one address, so the rack's probe interval does not apply.
    /// </remarks>
    public IEnumerable<BenchResult> Run(IReadOnlyList<Fault> faults, int runs, double probeIntervalMs, string? outDir, TextWriter log)
    {
        var counterparts = faults.Select(f => f.Patroni).OfType<PatroniFault>().Distinct().ToList();
        PatroniTuning[] tunings =
        [
            PatroniTuning.Defaults,
            PatroniTuning.Tuned,
            PatroniTuning.Defaults.WithSynchronousMode(true),
            PatroniTuning.Tuned.WithSynchronousMode(true),
        ];
        return PatroniBench.RunMatrix(tunings, counterparts, runs, log: log);
    }
}
