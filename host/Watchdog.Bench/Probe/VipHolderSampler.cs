using System.Net;
using Watchdog.Bench.Network;
using Watchdog.Bench.Timing;
using Watchdog.Failover.Kernel;

namespace Watchdog.Bench.Probe;

/// <summary>Whether <see cref="Node"/> had the VIP configured at <see cref="AtMs"/>.</summary>
public sealed record HolderSample(string Node, double AtMs, bool Holds);

/// <summary>
/// The second, independent sampler: every interval it asks each server namespace which IPv4
/// addresses its NIC carries (what `ip -n NS -o -4 addr show dev eth0` lists, read with one
/// rtnetlink dump, <see cref="InterfaceAddresses"/>) and records whether the VIP is among them.
/// Two holders at once is the split brain the bench looks for ("overlap"); a probe alone cannot
/// see it, because the client only ever reaches one of them at a time.
/// One thread per node, living in that node's namespace, so a slow read in one namespace does
/// not skew the other's timing. A sample's time is the midpoint of the read. It once ran `ip`
/// each time: about 90 forks a second, which with their wrappers kept a 2-core machine about
/// half busy, and the service on a new active waited 9-20 ms behind them to answer the probe.
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

    /// <summary>Starts one sampling thread per node; throws if a node's namespace cannot be entered.</summary>
    public void Start()
    {
        var entered = new List<Task>();
        foreach ((string node, string ns) in namespaceByNode)
        {
            var inside = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var thread = new Thread(() => SampleLoop(node, ns, inside)) { IsBackground = true, Name = "vip-holder-" + node };
            threads.Add(thread);
            thread.Start();
            entered.Add(inside.Task);
        }

        Task.WhenAll(entered).GetAwaiter().GetResult();
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

    private void SampleLoop(string node, string ns, TaskCompletionSource inside)
    {
        // The thread is ours and lives in the node's namespace until the sampler stops.
        if (ThreadNetworkNamespace.TryEnter(ns, out _) is { } problem)
        {
            inside.SetException(new BenchSetupException($"holder sampler for {node}: {problem}"));
            return;
        }

        inside.SetResult();
        var addresses = new List<IPAddress>();
        double next = clock.NowMs;
        while (!stopping)
        {
            clock.SleepUntil(next);
            double before = clock.NowMs;
            // No interface (a namespace being torn down) holds nothing.
            bool holds = InterfaceAddresses.TryRead(interfaceName, addresses) is null && addresses.Contains(vip);
            double after = clock.NowMs;
            lock (samples)
            {
                samples.Add(new HolderSample(node, (before + after) / 2, holds));
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
