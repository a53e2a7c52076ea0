using Watchdog.Bench.Network;
using Watchdog.Bench.Probe;
using Watchdog.Bench.Tests.Keepalived;
using Watchdog.Bench.Timing;

namespace Watchdog.Bench.Tests.Probe;

/// <summary>The holder sampler reads each namespace's addresses for real, as the address moves.</summary>
public class VipHolderSamplerTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    [KeepalivedFact]
    public void It_sees_the_address_move_from_one_namespace_to_the_other()
    {
        var clock = new BenchClock();
        using BenchNetwork network = BenchNetwork.Create(["node-a", "node-b"]);
        string vip = network.Vip + "/32";
        HostCommand.Run("ip", "-n", network.NamespaceOf("node-a"), "addr", "add", vip, "dev", BenchNetwork.InterfaceName);
        using var sampler = new VipHolderSampler(
            network.Nodes.ToDictionary(n => n, network.NamespaceOf), BenchNetwork.InterfaceName, network.Vip, clock, intervalMs: 2);
        sampler.Start();

        Assert.True(WaitFor(sampler, holdsA: true, holdsB: false), "never saw node-a alone holding the address");

        HostCommand.Run("ip", "-n", network.NamespaceOf("node-a"), "addr", "del", vip, "dev", BenchNetwork.InterfaceName);
        HostCommand.Run("ip", "-n", network.NamespaceOf("node-b"), "addr", "add", vip, "dev", BenchNetwork.InterfaceName);

        Assert.True(WaitFor(sampler, holdsA: false, holdsB: true), "never saw the address on node-b alone after the move");
        var samples = sampler.Stop();
        Assert.All(samples.GroupBy(s => s.Node), g => Assert.True(g.Count() >= 2, $"{g.Key}: {g.Count()} samples"));
    }

    [KeepalivedFact]
    public void A_namespace_that_does_not_exist_is_named_at_start()
    {
        var clock = new BenchClock();
        using var sampler = new VipHolderSampler(
            new Dictionary<string, string> { ["ghost"] = "wd-no-such-namespace" }, "eth0", System.Net.IPAddress.Parse("192.0.2.1"), clock);

        var ex = Assert.Throws<BenchSetupException>(sampler.Start);

        Assert.Contains("wd-no-such-namespace", ex.Message, StringComparison.Ordinal);
    }

    // Waits for the sampler's own readings (each sample is an event of the sampler), not a time.
    private static bool WaitFor(VipHolderSampler sampler, bool holdsA, bool holdsB)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (DateTime.UtcNow < deadline)
        {
            if (sampler.LatestHolds("node-a") == holdsA && sampler.LatestHolds("node-b") == holdsB)
            {
                return true;
            }

            Thread.Sleep(5);
        }

        return false;
    }
}
