using Watchdog.Bench.Analysis;
using Watchdog.Bench.Network;
using Watchdog.Bench.Probe;
using Watchdog.Bench.Timing;

namespace Watchdog.Bench.Keepalived;

/// <summary>
/// What a keepalived pair did in a soak with no fault: every state change after both had settled
/// (node-a MASTER, node-b BACKUP) is a false transition; advert timeouts are counted apart (a
/// backup that heard no master in time, the first half of a false takeover); overlap is the time
/// both nodes held the address. <see cref="Lines"/> holds each event as keepalived logged it.
/// </summary>
/// <param name="Failure">Why the pair never got to soak (its setup failed), or null when it did; the counts are then 0 and mean nothing.</param>
public sealed record KeepalivedSoakResult(string Tuning, double AdvertIntervalSeconds, double DurationMs, int FalseTransitions, int AdvertTimeouts, double OverlapMs, IReadOnlyList<string> Lines, string? Failure = null)
{
    public static KeepalivedSoakResult NotRun(KeepalivedTuning tuning, string why) => new(tuning.Name, tuning.AdvertIntervalSeconds, 0, 0, 0, 0, [], why);
}

/// <summary>
/// keepalived's side of a soak: the pair of <see cref="KeepalivedScenario"/> (two server
/// namespaces, the node-name service, a VIP) left alone for the soak's length while the caller
/// loads the machine, counting what VRRP did without a fault. Holders are sampled every 100 ms,
/// not 20: over ten minutes the sampler's `ip` calls would be a load of their own, and a false
/// transition is in keepalived's log whatever the sampler sees.
/// </summary>
public static class KeepalivedSoak
{
    public const double HolderIntervalMs = 100;

    public static KeepalivedSoakResult Run(KeepalivedTuning tuning, TimeSpan duration, CancellationToken ct, TextWriter? log = null)
    {
        var clock = new BenchClock();
        using BenchNetwork network = BenchNetwork.Create([KeepalivedScenario.NodeA, KeepalivedScenario.NodeB]);
        string work = Watchdog.Platform.Posix.PrivatePath.CreateTempDirectory("watchdog-soak-" + network.Tag + "-");
        var disposables = new List<IDisposable>();
        try
        {
            string a = KeepalivedScenario.NodeA;
            string b = KeepalivedScenario.NodeB;
            disposables.Add(NodeNameService.Start(network.NamespaceOf(a), a, NodeNameService.DefaultPort, clock));
            disposables.Add(NodeNameService.Start(network.NamespaceOf(b), b, NodeNameService.DefaultPort, clock));
            var keepalivedA = KeepalivedInstance.Start(a, network.NamespaceOf(a), tuning.Render(a, true, BenchNetwork.InterfaceName, network.Vip, BenchNetwork.PrefixLength), work, clock);
            disposables.Add(keepalivedA);
            var keepalivedB = KeepalivedInstance.Start(b, network.NamespaceOf(b), tuning.Render(b, false, BenchNetwork.InterfaceName, network.Vip, BenchNetwork.PrefixLength), work, clock);
            disposables.Add(keepalivedB);
            keepalivedA.WaitFor(VrrpEventKind.EnteredMaster, TimeSpan.FromSeconds(10));
            keepalivedB.WaitFor(VrrpEventKind.EnteredBackup, TimeSpan.FromSeconds(10));
            var holders = new VipHolderSampler(
                new Dictionary<string, string> { [a] = network.NamespaceOf(a), [b] = network.NamespaceOf(b) },
                BenchNetwork.InterfaceName, network.Vip, clock, HolderIntervalMs);
            disposables.Add(holders);
            holders.Start();

            // Settled: from here on, nothing should change. The soak's length is the measurement.
            double start = clock.NowMs;
            log?.WriteLine($"  {tuning.Name} soak: node-a MASTER, node-b BACKUP; {duration} with no fault");
            ct.WaitHandle.WaitOne(duration);
            double end = clock.NowMs;
            var samples = holders.Stop();
            var events = keepalivedA.Events().Concat(keepalivedB.Events()).Where(e => e.AtMs >= start && e.AtMs <= end).OrderBy(e => e.AtMs).ToList();
            int transitions = events.Count(e => e.Kind != VrrpEventKind.AdvertTimeout);
            int timeouts = events.Count(e => e.Kind == VrrpEventKind.AdvertTimeout);
            double overlap = Intervals.OverlapMs(samples, start, end);
            var lines = events.Select(e => $"+{(e.AtMs - start) / 1000.0:F1} s {e.Node}: {e.Line.Trim()}").ToList();
            return new KeepalivedSoakResult(tuning.Name, tuning.AdvertIntervalSeconds, Math.Round(end - start), transitions, timeouts, Math.Round(overlap, 1), lines);
        }
        finally
        {
            foreach (IDisposable disposable in Enumerable.Reverse(disposables))
            {
                disposable.Dispose();
            }

            try
            {
                Directory.Delete(work, recursive: true);
            }
            catch (IOException)
            {
                // A leftover temp directory is harmless.
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }
}
