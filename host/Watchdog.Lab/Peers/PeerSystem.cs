using Watchdog.Bench.Results;
using Watchdog.Lab.Faults;

namespace Watchdog.Lab.Peers;

/// <summary>
/// A failover system we measure side by side with ours (`watchdogctl bench --peer NAME`) on the
/// same faults. Adding a peer: a class here, a property on <see cref="Fault"/> for its
/// counterpart of each fault, filled in the catalogue's entries, and a line in <see cref="PeerSystems.All"/>.
/// </summary>
public interface IPeerSystem
{
    /// <summary>The name --peer takes.</summary>
    string Name { get; }

    /// <summary>
    /// Runs the peer's counterparts of <paramref name="faults"/> (those it has), <paramref name="runs"/>
    /// times each; <paramref name="probeIntervalMs"/> is the client probe's interval on our rack, for
    /// a peer whose service is probed the same way.
    /// </summary>
    IEnumerable<BenchResult> Run(IReadOnlyList<Fault> faults, int runs, double probeIntervalMs, string? outDir, TextWriter log);
}

public static class PeerSystems
{
    public static IReadOnlyList<IPeerSystem> All { get; } = [new KeepalivedPeer(), new PatroniPeer()];

    public static IPeerSystem Parse(string name) =>
        All.FirstOrDefault(p => p.Name == name)
        ?? throw new FormatException($"--peer {name}: the peers are {string.Join(", ", All.Select(p => p.Name))}");
}
