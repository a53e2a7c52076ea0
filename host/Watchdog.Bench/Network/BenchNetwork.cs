using System.Globalization;
using System.Net;
using System.Runtime.InteropServices;
using Watchdog.Platform.Posix;

namespace Watchdog.Bench.Network;

/// <summary>
/// The bench's own small network: one namespace per server, one for the independent client,
/// all plugged into a bridge that lives in a separate "switch" namespace, so nothing touches the
/// host's root namespace. Addresses are private test addresses (10.77.0.0/24) that exist only
/// inside these namespaces. Used by the keepalived peer; our own scenarios may use the virtual
/// rack's namespaces instead.
/// <code>
///   [tag-node-a] eth0 10.77.0.1 ──p-node-a┐
///   [tag-node-b] eth0 10.77.0.2 ──p-node-b┼─ br0 [tag-sw]
///   [tag-client] eth0 10.77.0.200 ─p-client┘      VIP 10.77.0.100 held by the active
/// </code>
/// Faults an operator would see are methods here: a link down on a node's NIC, a partition
/// between the servers (bridge port isolation: isolated ports cannot reach each other but still
/// reach the client), a power loss (every process killed, link down, addresses gone).
/// </summary>
public sealed class BenchNetwork : IDisposable
{
    public const string InterfaceName = "eth0";
    private const string BridgeName = "br0";
    private readonly List<string> createdNamespaces = [];
    private readonly Dictionary<string, IPAddress> nodeAddresses = new(StringComparer.Ordinal);
    private static readonly HashSet<BenchNetwork> Live = [];
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

    private BenchNetwork(string tag, IReadOnlyList<string> nodes)
    {
        Tag = tag;
        Nodes = nodes;
    }

    /// <summary>Prefix of every namespace this network created (unique per instance).</summary>
    public string Tag { get; }

    /// <summary>The server node names, in the order given.</summary>
    public IReadOnlyList<string> Nodes { get; }

    public static IPAddress Vip { get; } = IPAddress.Parse("10.77.0.100");

    public static IPAddress ClientAddress { get; } = IPAddress.Parse("10.77.0.200");

    public const int PrefixLength = 24;

    public string SwitchNamespace => Tag + "-sw";

    public string ClientNamespace => Tag + "-client";

    public string NamespaceOf(string node) =>
        nodeAddresses.ContainsKey(node) ? Tag + "-" + node : throw new ArgumentException($"unknown node '{node}' (nodes: {string.Join(", ", Nodes)})", nameof(node));

    public IPAddress AddressOf(string node) =>
        nodeAddresses.TryGetValue(node, out IPAddress? address) ? address : throw new ArgumentException($"unknown node '{node}'", nameof(node));

    /// <summary>
    /// Builds the namespaces, the bridge and the links. Node names must be short (the switch-side
    /// port is "p-" + name and Linux caps interface names at 15 characters).
    /// </summary>
    public static BenchNetwork Create(IReadOnlyList<string> nodes, string? tag = null)
    {
        if (nodes.Count is < 1 or > 99)
        {
            throw new ArgumentException($"need between 1 and 99 server nodes, got {nodes.Count}", nameof(nodes));
        }

        foreach (string node in nodes)
        {
            if (node.Length is 0 or > 13 || node == "sw" || node == "client" || !node.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'))
            {
                throw new ArgumentException($"node name '{node}' must be 1-13 ASCII letters, digits or '-', and not 'sw' or 'client'", nameof(nodes));
            }
        }

        if (!PosixSignals.IsRoot)
        {
            throw new BenchSetupException("the bench network needs root (it creates network namespaces and veth pairs)");
        }

        tag ??= "wdb-" + Random.Shared.Next(0x10000).ToString("x4", CultureInfo.InvariantCulture);
        var network = new BenchNetwork(tag, nodes);
        lock (Live)
        {
            Live.Add(network);
        }

        try
        {
            network.Build();
            return network;
        }
        catch
        {
            network.Dispose();
            throw;
        }
    }

    private void Build()
    {
        AddNamespace(SwitchNamespace);
        HostCommand.Run("ip", "-n", SwitchNamespace, "link", "add", BridgeName, "type", "bridge");
        HostCommand.Run("ip", "-n", SwitchNamespace, "link", "set", BridgeName, "up");

        for (int i = 0; i < Nodes.Count; i++)
        {
            nodeAddresses[Nodes[i]] = IPAddress.Parse("10.77.0." + (i + 1).ToString(CultureInfo.InvariantCulture));
            Plug(Tag + "-" + Nodes[i], "p-" + Nodes[i], nodeAddresses[Nodes[i]]);
        }

        Plug(ClientNamespace, "p-client", ClientAddress);
    }

    private void Plug(string ns, string switchPort, IPAddress address)
    {
        AddNamespace(ns);
        HostCommand.Run("ip", "-n", SwitchNamespace, "link", "add", switchPort, "type", "veth", "peer", "name", InterfaceName, "netns", ns);
        HostCommand.Run("ip", "-n", SwitchNamespace, "link", "set", switchPort, "master", BridgeName);
        HostCommand.Run("ip", "-n", SwitchNamespace, "link", "set", switchPort, "up");
        HostCommand.Run("ip", "-n", ns, "addr", "add", address + "/" + PrefixLength.ToString(CultureInfo.InvariantCulture), "dev", InterfaceName);
        HostCommand.Run("ip", "-n", ns, "link", "set", InterfaceName, "up");
    }

    private void AddNamespace(string ns)
    {
        HostCommand.Run("ip", "netns", "add", ns);
        createdNamespaces.Add(ns);
        HostCommand.Run("ip", "-n", ns, "link", "set", "lo", "up");
    }

    /// <summary>Takes a node's NIC down or up (inside the node, as a pulled cable or a dead switch port looks to it).</summary>
    public void SetLink(string node, bool up) =>
        HostCommand.Run("ip", "-n", NamespaceOf(node), "link", "set", InterfaceName, up ? "up" : "down");

    /// <summary>
    /// Partitions the servers from each other (or heals it) while each still reaches the client:
    /// the servers' switch ports are marked isolated, and the bridge forwards nothing between two
    /// isolated ports (so VRRP adverts stop crossing) but still forwards to the client's port.
    /// </summary>
    public void SetServerPartition(bool partitioned)
    {
        foreach (string node in Nodes)
        {
            HostCommand.Run("bridge", "-n", SwitchNamespace, "link", "set", "dev", "p-" + node, "isolated", partitioned ? "on" : "off");
        }
    }

    /// <summary>Removes every address from a node's NIC (a powered-off machine holds none).</summary>
    public void FlushAddresses(string node) =>
        HostCommand.Run("ip", "-n", NamespaceOf(node), "addr", "flush", "dev", InterfaceName);

    /// <summary>Process ids of everything running inside a node's namespace.</summary>
    public IReadOnlyList<int> ProcessesIn(string ns)
    {
        string output = HostCommand.Run("ip", "netns", "pids", ns);
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(p => int.Parse(p, CultureInfo.InvariantCulture)).ToList();
    }

    /// <summary>Sends a signal to every process inside a namespace; returns how many got it.</summary>
    public int SignalAll(string ns, int signal)
    {
        int count = 0;
        foreach (int pid in ProcessesIn(ns))
        {
            if (PosixSignals.Send(pid, signal))
            {
                count++;
            }
        }

        return count;
    }

    /// <summary>Kills everything left in the namespaces and deletes them.</summary>
    public void Dispose()
    {
        if (disposed)
        {
            return;
        }

        disposed = true;
        lock (Live)
        {
            Live.Remove(this);
        }

        foreach (string ns in createdNamespaces)
        {
            try
            {
                // Continue stopped processes too, or a SIGKILL'd-while-stopped process lingers.
                SignalAll(ns, PosixSignals.SigKill);
                SignalAll(ns, PosixSignals.SigCont);
            }
            catch (BenchSetupException)
            {
                // The namespace may already be half gone; deleting it below is what matters.
            }
        }

        foreach (string ns in Enumerable.Reverse(createdNamespaces))
        {
            HostCommand.TryRun("ip", "netns", "del", ns);
        }
    }
}
