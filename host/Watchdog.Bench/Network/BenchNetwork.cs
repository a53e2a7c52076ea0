using System.Globalization;
using System.Net;
using System.Runtime.InteropServices;
using Watchdog.Platform.Posix;
using Watchdog.Sim.Rack;

namespace Watchdog.Bench.Network;

/// <summary>
/// The keepalived pair's network, laid out on the simulator's <see cref="RackNetwork"/> (the one
/// namespace-and-bridge builder): one namespace per server and one for the independent client,
/// each with one link into the bridge of the rack namespace, on the rack's private subnet
/// 10.213.N.0/24 that exists only between them.
/// <code>
///   [wdXXXXXX-node-a] eth0 10.213.N.11 ──┐
///   [wdXXXXXX-node-b] eth0 10.213.N.12 ──┼─ br0 [wdXXXXXX-rack]
///   [wdXXXXXX-client] eth0 10.213.N.200 ─┘      VIP 10.213.N.100 held by the master
/// </code>
/// Faults an operator would see are methods here: a link down on a node's NIC, a partition
/// between the servers (bridge port isolation: isolated ports cannot reach each other but still
/// reach the client), a power loss (every process killed, link down, addresses gone).
/// What the bench adds to the rack's network: it never falls back to loopback (keepalived needs
/// its own interfaces), and a bench stopped with a signal tears its namespaces down at once.
/// </summary>
public sealed class BenchNetwork : IDisposable
{
    /// <summary>Each node's one interface (the rack names a node's links eth0, eth1, ...).</summary>
    public const string InterfaceName = "eth0";
    public const int PrefixLength = RackNetwork.PrefixLength;
    private const int FirstNodeHostPart = 11;
    private const int VipHostPart = 100;
    private const int ClientHostPart = 200;
    private static readonly HashSet<BenchNetwork> Live = [];
    private readonly RackNetwork rack;
    private readonly Dictionary<string, NodeNetwork> nodes = new(StringComparer.Ordinal);
    private NodeNetwork? client;
    private bool disposed;

    // Kept in a field: a collected registration would stop handling the signal.
    private static readonly PosixSignalRegistration[] SignalCleanups;

    static BenchNetwork()
    {
        // A bench stopped with Ctrl+C or SIGTERM must not leave namespaces, keepalived daemons
        // and VIPs behind. The handler tears down whatever is up, then lets the signal's
        // default action (termination) go ahead.
        SignalCleanups =
        [
            PosixSignalRegistration.Create(PosixSignal.SIGTERM, _ => DisposeLive()),
            PosixSignalRegistration.Create(PosixSignal.SIGINT, _ => DisposeLive()),
            PosixSignalRegistration.Create(PosixSignal.SIGHUP, _ => DisposeLive()),
        ];
        AppDomain.CurrentDomain.ProcessExit += (_, _) => DisposeLive();
    }

    private static void DisposeLive()
    {
        BenchNetwork[] live;
        lock (Live)
        {
            live = Live.ToArray();
        }

        foreach (BenchNetwork network in live)
        {
            network.Dispose();
        }
    }

    private BenchNetwork(RackNetwork rack, IReadOnlyList<string> nodes)
    {
        this.rack = rack;
        Nodes = nodes;
    }

    /// <summary>Prefix of every namespace this network created (unique per instance).</summary>
    public string Tag => rack.Prefix;

    /// <summary>The server node names, in the order given.</summary>
    public IReadOnlyList<string> Nodes { get; }

    /// <summary>The virtual IP the master holds.</summary>
    public IPAddress Vip => IPAddress.Parse(rack.AddressFor(VipHostPart));

    public IPAddress ClientAddress => IPAddress.Parse(client!.Address);

    /// <summary>The namespace holding the bridge.</summary>
    public string SwitchNamespace => rack.RackNamespace!;

    public string ClientNamespace => client!.Namespace!;

    public string NamespaceOf(string node) => Node(node).Namespace!;

    public IPAddress AddressOf(string node) => IPAddress.Parse(Node(node).Address);

    /// <summary>
    /// Builds the namespaces, the bridge and the links. Node names must be short and plain (they
    /// name namespaces and show in every report).
    /// </summary>
    public static BenchNetwork Create(IReadOnlyList<string> nodes)
    {
        if (nodes.Count is < 1 or > 99)
        {
            throw new ArgumentException($"need between 1 and 99 server nodes, got {nodes.Count}", nameof(nodes));
        }

        foreach (string node in nodes)
        {
            if (node.Length is 0 or > 13 || node == "rack" || node == "client" || !node.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'))
            {
                throw new ArgumentException($"node name '{node}' must be 1-13 ASCII letters, digits or '-', and not 'rack' or 'client'", nameof(nodes));
            }
        }

        if (!PosixSignals.IsRoot)
        {
            throw new BenchSetupException("the bench network needs root (it creates network namespaces and veth pairs)");
        }

        // The rack's own prefix form, so the rack's cleanup of namespaces left by a dead process covers these too.
        string prefix = "wd" + Random.Shared.Next(0x1000000).ToString("x6", CultureInfo.InvariantCulture);
        RackNetwork rack = RackNetwork.Create(prefix, allowNamespaces: true);
        if (rack.Mode != IsolationMode.NetworkNamespaces)
        {
            rack.Dispose();
            throw new BenchSetupException($"the bench network needs network namespaces: {rack.FallbackReason}");
        }

        var network = new BenchNetwork(rack, nodes);
        lock (Live)
        {
            Live.Add(network);
        }

        try
        {
            for (int i = 0; i < nodes.Count; i++)
            {
                network.nodes[nodes[i]] = rack.AddNode(nodes[i], FirstNodeHostPart + i, linkCount: 1);
            }

            network.client = rack.AddNode("client", ClientHostPart, linkCount: 1);
            return network;
        }
        catch (InvalidOperationException e)
        {
            network.Dispose();
            throw new BenchSetupException("could not build the bench network: " + e.Message, e);
        }
    }

    /// <summary>Takes a node's NIC down or up (inside the node, as a pulled cable or a dead switch port looks to it).</summary>
    public void SetLink(string node, bool up) => Tool(() => rack.SetInterfaces(Node(node), up));

    /// <summary>
    /// Partitions the servers from each other (or heals it) while each still reaches the client:
    /// the servers' switch ports are marked isolated, and the bridge forwards nothing between two
    /// isolated ports (so VRRP adverts stop crossing) but still forwards to the client's port.
    /// </summary>
    public void SetServerPartition(bool partitioned)
    {
        foreach (NodeNetwork node in nodes.Values)
        {
            Tool(() => rack.SetPortsIsolated(node, partitioned));
        }
    }

    /// <summary>Removes every address from a node's NIC (a powered-off machine holds none).</summary>
    public void FlushAddresses(string node) => Tool(() => rack.FlushAddresses(Node(node)));

    /// <summary>Sends a signal to every process inside a namespace; returns how many got it.</summary>
    public int SignalAll(string ns, int signal) => RackNetwork.SignalAll(ns, signal);

    /// <summary>Kills everything left in the namespaces and deletes them.</summary>
    public void Dispose()
    {
        lock (Live)
        {
            if (disposed)
            {
                return;
            }

            disposed = true;
            Live.Remove(this);
        }

        // Continue stopped processes too (a hang fault stops them), so none lingers into the deletion.
        foreach (NodeNetwork node in nodes.Values.Append(client).OfType<NodeNetwork>())
        {
            RackNetwork.SignalAll(node.Namespace!, PosixSignals.SigKill);
            RackNetwork.SignalAll(node.Namespace!, PosixSignals.SigCont);
        }

        rack.Dispose();
    }

    /// <summary>The bench's failure for a host tool that failed (a run is skipped on it, not the whole matrix).</summary>
    private static void Tool(Action run)
    {
        try
        {
            run();
        }
        catch (InvalidOperationException e)
        {
            throw new BenchSetupException(e.Message, e);
        }
    }

    private NodeNetwork Node(string node) =>
        nodes.TryGetValue(node, out NodeNetwork? found) ? found : throw new ArgumentException($"unknown node '{node}' (nodes: {string.Join(", ", Nodes)})", nameof(node));
}
