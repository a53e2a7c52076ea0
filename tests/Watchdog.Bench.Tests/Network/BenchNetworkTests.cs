using System.Net;
using Watchdog.Bench.Network;
using Watchdog.Bench.Probe;
using Watchdog.Bench.Tests.Keepalived;
using Watchdog.Bench.Timing;

namespace Watchdog.Bench.Tests.Network;

/// <summary>The bench's own namespaces, for real: reachability, the partition, the link, cleanup.</summary>
public class BenchNetworkTests
{
    private static IReadOnlyList<ProbeSample> Poll(string fromNamespace, IPAddress target, BenchClock clock, int ms = 300)
    {
        using var probe = new VipProbe(new VipProbeOptions
        {
            Target = new IPEndPoint(target, NodeNameService.DefaultPort),
            ClientNamespace = fromNamespace,
            TimeoutMs = 150,
        }, clock);
        probe.Start();
        Thread.Sleep(ms);
        return probe.Stop();
    }

    [KeepalivedFact]
    public void Partition_cuts_the_servers_apart_but_not_from_the_client()
    {
        var clock = new BenchClock();
        using BenchNetwork network = BenchNetwork.Create(["node-a", "node-b"]);
        using NodeNameService service = NodeNameService.Start(network.NamespaceOf("node-b"), "node-b", NodeNameService.DefaultPort, clock);
        IPAddress nodeB = network.AddressOf("node-b");

        Assert.Contains(Poll(network.NamespaceOf("node-a"), nodeB, clock), s => s.Node == "node-b");

        network.SetServerPartition(partitioned: true);
        IReadOnlyList<ProbeSample> fromPeer = Poll(network.NamespaceOf("node-a"), nodeB, clock);
        IReadOnlyList<ProbeSample> fromClient = Poll(network.ClientNamespace, nodeB, clock);

        Assert.DoesNotContain(fromPeer, s => s.Answered);
        Assert.Contains(fromClient, s => s.Node == "node-b");

        network.SetServerPartition(partitioned: false);
        Assert.Contains(Poll(network.NamespaceOf("node-a"), nodeB, clock), s => s.Node == "node-b");
    }

    [KeepalivedFact]
    public void Link_down_makes_a_node_unreachable_and_dispose_removes_every_namespace()
    {
        var clock = new BenchClock();
        BenchNetwork network = BenchNetwork.Create(["node-a", "node-b"]);
        string[] namespaces = [network.NamespaceOf("node-a"), network.NamespaceOf("node-b"), network.ClientNamespace, network.SwitchNamespace];
        using (NodeNameService.Start(network.NamespaceOf("node-a"), "node-a", NodeNameService.DefaultPort, clock))
        {
            Assert.Contains(Poll(network.ClientNamespace, network.AddressOf("node-a"), clock), s => s.Node == "node-a");
            network.SetLink("node-a", up: false);
            Assert.DoesNotContain(Poll(network.ClientNamespace, network.AddressOf("node-a"), clock), s => s.Answered);
        }

        network.Dispose();

        Assert.All(namespaces, ns => Assert.False(File.Exists(Path.Combine("/var/run/netns", ns)), $"{ns} is still there"));
    }

    [Fact]
    public void Bad_node_names_are_refused_before_anything_is_created()
    {
        Assert.Contains("1-13", Assert.Throws<ArgumentException>(() => BenchNetwork.Create(["a-name-that-is-too-long"])).Message);
        Assert.Contains("'client'", Assert.Throws<ArgumentException>(() => BenchNetwork.Create(["client"])).Message);
    }
}
