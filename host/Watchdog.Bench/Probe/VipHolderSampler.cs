using System.Net;
using Watchdog.Bench.Network;
using Watchdog.Bench.Timing;

namespace Watchdog.Bench.Probe;

/// <summary>Whether <see cref="Node"/> had the VIP configured at <see cref="AtMs"/>.</summary>
public sealed record HolderSample(string Node, double AtMs, bool Holds);

/// <summary>
/// The second, independent sampler: every interval it asks each server namespace which IPv4
/// addresses its NIC carries (`ip -n NS -o -4 addr show dev eth0`) and records whether the VIP is
/// among them. Two holders at once is the split brain the bench looks for ("overlap"); a probe
/// alone cannot see it, because the client only ever reaches one of them at a time.
/// One thread per node, so a slow `ip` in one namespace does not skew the other's timing. A
/// sample's time is the midpoint of the `ip` call (it reads kernel state somewhere inside it).
/// </summary>
public sealed class VipHolderSampler : IDisposable
{
    private readonly IReadOnlyDictionary<string, string> namespaceByNode;
    private readonly string interfaceName;
    private readonly IPAddress vip;
    private readonly BenchClock clock;
    private readonly double intervalMs;
    private readonly List<HolderSample> samples = [];
    private readonly List<Thread> threads = [];
    private volatile bool stopping;

    /// <param name="namespaceByNode">Node name to the network namespace it lives in.</param>
    public VipHolderSampler(IReadOnlyDictionary<string, string> namespaceByNode, string interfaceName, IPAddress vip, BenchClock clock, double intervalMs = 20)
    {
        if (intervalMs is < 1 or > 10_000)
        {
            throw new ArgumentOutOfRangeException(nameof(intervalMs), intervalMs, "holder sampling interval must be between 1 and 10000 ms");
        }

        this.namespaceByNode = namespaceByNode;
        this.interfaceName = interfaceName;
        this.vip = vip;
        this.clock = clock;
        this.intervalMs = intervalMs;
    }

    public void Start()
    {
        foreach ((string node, string ns) in namespaceByNode)
        {
            var thread = new Thread(() => SampleLoop(node, ns)) { IsBackground = true, Name = "vip-holder-" + node };
            threads.Add(thread);
            thread.Start();
        }
    }

    /// <summary>Stops sampling and returns every sample, ordered by time.</summary>
    public IReadOnlyList<HolderSample> Stop()
    {
        stopping = true;
        foreach (Thread thread in threads)
        {
            thread.Join();
        }

        return Snapshot();
    }

    public IReadOnlyList<HolderSample> Snapshot()
    {
        lock (samples)
        {
            return samples.OrderBy(s => s.AtMs).ToList();
        }
    }

    /// <summary>True when the latest sample of <paramref name="node"/> shows it holding the VIP.</summary>
    public bool LatestHolds(string node)
    {
        lock (samples)
        {
            return samples.LastOrDefault(s => s.Node == node)?.Holds ?? false;
        }
    }

    private void SampleLoop(string node, string ns)
    {
        string needle = " " + vip + "/";
        double next = clock.NowMs;
        while (!stopping)
        {
            clock.SleepUntil(next);
            double before = clock.NowMs;
            string output;
            try
            {
                output = HostCommand.Run(TimeSpan.FromSeconds(1), "ip", "-n", ns, "-o", "-4", "addr", "show", "dev", interfaceName);
            }
            catch (BenchSetupException)
            {
                // Namespace being torn down, or `ip` stopped with a server held in reset: the node
                // holds nothing we can see (and a server held in reset answers nobody).
                output = string.Empty;
            }

            double after = clock.NowMs;
            lock (samples)
            {
                samples.Add(new HolderSample(node, (before + after) / 2, output.Contains(needle, StringComparison.Ordinal)));
            }

            next = Math.Max(next + intervalMs, clock.NowMs);
        }
    }

    public void Dispose()
    {
        if (!stopping)
        {
            Stop();
        }
    }
}
