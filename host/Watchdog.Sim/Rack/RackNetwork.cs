using System.Globalization;
using System.Text.RegularExpressions;
using Watchdog.Platform.Posix;

namespace Watchdog.Sim.Rack;

/// <summary>
/// The rack's network: namespaces, a bridge and veth pairs made with iproute2, on a private
/// 10.213.N.0/24 subnet that exists only between them. The bridge lives in the rack's own namespace
/// (so the host's firewall and bridge-netfilter never see the traffic); one veth "uplink" gives the
/// host namespace the address 10.213.N.1, where a broker, the board and tests run. Nothing is routed
/// anywhere: the servers have no default route, the host only its connected /24.
/// The one namespace-and-bridge builder: the virtual rack's servers and the bench's keepalived
/// pair (host/Watchdog.Bench/Network/BenchNetwork.cs lays its nodes out on it) both live on one.
/// </summary>
public sealed partial class RackNetwork : IDisposable
{
    public const int PrefixLength = 24;
    private const string MarkerDirectory = "/run/watchdog-sim";

    /// <summary>
    /// Shared by every rack on the machine, so it has a fixed name: in root's own directory, never in
    /// the shared temp folder, where another user could create it first or plant a link there.
    /// </summary>
    private const string SubnetLockPath = MarkerDirectory + "/subnets.lock";
    private readonly List<NodeNetwork> nodes = [];
    private readonly Lock gate = new();
    private bool disposed;

    private RackNetwork(string prefix, IsolationMode mode, int subnet, string? fallbackReason)
    {
        Prefix = prefix;
        Mode = mode;
        SubnetIndex = subnet;
        FallbackReason = fallbackReason;
    }

    public string Prefix { get; }

    public IsolationMode Mode { get; }

    /// <summary>Why the rack fell back to loopback, or null.</summary>
    public string? FallbackReason { get; }

    /// <summary>N in 10.213.N.0/24 (or 127.213.N.0/24 on loopback).</summary>
    public int SubnetIndex { get; }

    /// <summary>The rack namespace holding the bridge, or null on loopback.</summary>
    public string? RackNamespace => Mode == IsolationMode.NetworkNamespaces ? Prefix + "-rack" : null;

    /// <summary>The host namespace's address on the rack network (broker, board, tests).</summary>
    public string HostAddress => Mode == IsolationMode.NetworkNamespaces ? AddressFor(1) : "127.0.0.1";

    /// <summary>The uplink interface in the host namespace, or null on loopback.</summary>
    public string? UplinkInterface => Mode == IsolationMode.NetworkNamespaces ? Prefix + "up" : null;

    public string Subnet => Mode == IsolationMode.NetworkNamespaces ? $"10.213.{SubnetIndex}.0/{PrefixLength}" : $"127.213.{SubnetIndex}.0/{PrefixLength}";

    public string AddressFor(int hostPart) =>
        Mode == IsolationMode.NetworkNamespaces ? $"10.213.{SubnetIndex}.{hostPart}" : $"127.213.{SubnetIndex}.{hostPart}";

    /// <summary>Builds the network, or falls back to loopback when namespaces cannot be made.</summary>
    public static RackNetwork Create(string prefix, bool allowNamespaces)
    {
        RemoveStaleRacks();
        if (!allowNamespaces)
        {
            return new RackNetwork(prefix, IsolationMode.Loopback, Random.Shared.Next(1, 255), "namespaces disabled by the caller");
        }

        if (!PosixSignals.IsRoot)
        {
            return new RackNetwork(prefix, IsolationMode.Loopback, Random.Shared.Next(1, 255), "not root: network namespaces need CAP_SYS_ADMIN");
        }

        using FileStream subnetLock = AcquireSubnetLock();
        int subnet = PickFreeSubnet();
        var network = new RackNetwork(prefix, IsolationMode.NetworkNamespaces, subnet, null);
        try
        {
            network.BuildRack();
            return network;
        }
        catch (InvalidOperationException e)
        {
            network.Dispose();
            return new RackNetwork(prefix, IsolationMode.Loopback, Random.Shared.Next(1, 255), "ip netns failed: " + e.Message);
        }
    }

    /// <summary>
    /// Gives the host namespace a further address on the rack network (on the uplink, as a /32),
    /// for a service that must be reached at an address of its own; it goes with the rack.
    /// </summary>
    public string AddHostAddress(int hostPart)
    {
        if (Mode != IsolationMode.NetworkNamespaces)
        {
            throw new InvalidOperationException($"rack {Prefix} runs on loopback: the host has no rack network to add {AddressFor(hostPart)} to");
        }

        string address = AddressFor(hostPart);
        HostCommand.Ip("address", "add", address + "/32", "dev", UplinkInterface!);
        return address;
    }

    /// <summary>Adds a machine: a namespace with <paramref name="linkCount"/> links to the bridge.</summary>
    public NodeNetwork AddNode(string name, int hostPart, int linkCount)
    {
        string address = AddressFor(hostPart);
        string[] interfaces = [.. Enumerable.Range(0, linkCount).Select(i => "eth" + i)];
        if (Mode == IsolationMode.Loopback)
        {
            var loopback = new NodeNetwork(name, null, address, PrefixLength, interfaces, []);
            lock (gate)
            {
                nodes.Add(loopback);
            }

            return loopback;
        }

        string ns = Prefix + "-" + name;
        string[] ports = [.. Enumerable.Range(0, linkCount).Select(i => $"h{hostPart}l{i}")];
        var node = new NodeNetwork(name, ns, address, PrefixLength, interfaces, ports);
        lock (gate)
        {
            nodes.Add(node); // before creating, so Dispose removes a half-built one
        }

        HostCommand.Ip("netns", "add", ns);
        HostCommand.Ip("-n", ns, "link", "set", "lo", "up");
        for (int i = 0; i < linkCount; i++)
        {
            HostCommand.Ip("link", "add", interfaces[i], "netns", ns, "type", "veth", "peer", "name", ports[i], "netns", RackNamespace!);
            HostCommand.Ip("-n", RackNamespace!, "link", "set", ports[i], "master", "br0", "up");
        }

        ConfigureBaseAddress(node);
        foreach (string iface in interfaces)
        {
            HostCommand.Ip("-n", ns, "link", "set", iface, "up");
        }

        return node;
    }

    /// <summary>
    /// Sets the admin state of the machine's own interfaces (what its kernel does at power off or
    /// reset), all in one <c>ip -batch</c> so a power-off costs one process spawn, not one per link.
    /// </summary>
    public void SetInterfaces(NodeNetwork node, bool up)
    {
        if (node.Namespace is not null)
        {
            Batch(node.Namespace, node.Interfaces.Select(i => $"link set {i} {(up ? "up" : "down")}"));
        }
    }

    /// <summary>Sets the bridge ports the links plug into (a pulled cable, a network fence): one state per link.</summary>
    public void SetSwitchPorts(NodeNetwork node, IReadOnlyList<bool> up)
    {
        if (node.Namespace is not null)
        {
            Batch(RackNamespace!, node.SwitchPorts.Select((port, i) => $"link set {port} {(up[i] ? "up" : "down")}"));
        }
    }

    private static void Batch(string networkNamespace, IEnumerable<string> commands)
    {
        CommandResult result = HostCommand.Run("ip", ["-n", networkNamespace, "-batch", "-"], string.Join('\n', commands) + "\n");
        if (!result.Succeeded)
        {
            throw new InvalidOperationException($"ip -n {networkNamespace} -batch failed: {result.StandardError.Trim()}");
        }
    }

    /// <summary>
    /// Marks the bridge ports a machine's links plug into isolated (or not): the bridge forwards
    /// nothing between two isolated ports but still forwards between them and every other port,
    /// so isolated machines cannot reach each other while the rest of the network reaches both.
    /// </summary>
    public void SetPortsIsolated(NodeNetwork node, bool isolated)
    {
        foreach (string port in node.SwitchPorts)
        {
            HostCommand.RunChecked("bridge", "-n", RackNamespace!, "link", "set", "dev", port, "isolated", isolated ? "on" : "off");
        }
    }

    /// <summary>Removes every address from the machine's interfaces (a powered-off machine holds none).</summary>
    public void FlushAddresses(NodeNetwork node)
    {
        if (node.Namespace is not null)
        {
            Batch(node.Namespace, node.Interfaces.Select(i => $"address flush dev {i}"));
        }
    }

    /// <summary>Sends a signal to every process inside a namespace; returns how many got it.</summary>
    public static int SignalAll(string networkNamespace, int signal)
    {
        CommandResult pids = HostCommand.Run("ip", ["netns", "pids", networkNamespace]);
        int count = 0;
        foreach (string pid in pids.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (PosixSignals.Send(int.Parse(pid, CultureInfo.InvariantCulture), signal))
            {
                count++;
            }
        }

        return count;
    }

    /// <summary>Back to the addresses a freshly booted machine has: runtime ones (a virtual IP) are gone.</summary>
    public void ConfigureBaseAddress(NodeNetwork node)
    {
        if (node.Namespace is null)
        {
            return;
        }

        HostCommand.Ip("-n", node.Namespace, "address", "flush", "dev", node.Interfaces[0]);
        HostCommand.Ip("-n", node.Namespace, "address", "add", node.AddressWithPrefix, "dev", node.Interfaces[0]);
    }

    /// <summary>Drops (or restores) traffic from a machine to an address with a blackhole route: a partition that leaves every wire up.</summary>
    public void SetBlackhole(NodeNetwork node, string address, bool blocked)
    {
        if (node.Namespace is null)
        {
            return;
        }

        CommandResult result = HostCommand.Run("ip", ["-n", node.Namespace, "route", blocked ? "replace" : "del", "blackhole", address + "/32"]);
        if (!result.Succeeded && blocked)
        {
            throw new InvalidOperationException($"could not blackhole {address} in {node.Namespace}: {result.StandardError.Trim()}");
        }
    }

    public void Dispose()
    {
        NodeNetwork[] all;
        lock (gate)
        {
            if (disposed)
            {
                return;
            }

            disposed = true;
            all = [.. nodes];
        }

        if (Mode != IsolationMode.NetworkNamespaces)
        {
            return;
        }

        foreach (string ns in all.Select(n => n.Namespace!).Append(RackNamespace!))
        {
            DeleteNamespace(ns);
        }

        File.Delete(MarkerPath(Prefix));
    }

    private static void DeleteNamespace(string ns)
    {
        // Processes left in a namespace keep it (and its veths) alive: kill them first.
        SignalAll(ns, PosixSignals.SigKill);

        HostCommand.Run("ip", ["netns", "del", ns]);
    }

    private void BuildRack()
    {
        Directory.CreateDirectory(MarkerDirectory);
        File.WriteAllText(MarkerPath(Prefix), Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        string rack = RackNamespace!;
        HostCommand.Ip("netns", "add", rack);
        HostCommand.Ip("-n", rack, "link", "set", "lo", "up");
        HostCommand.Ip("-n", rack, "link", "add", "br0", "type", "bridge");
        HostCommand.Ip("-n", rack, "link", "set", "br0", "up");
        HostCommand.Ip("link", "add", UplinkInterface!, "type", "veth", "peer", "name", "up0", "netns", rack);
        HostCommand.Ip("-n", rack, "link", "set", "up0", "master", "br0", "up");
        HostCommand.Ip("address", "add", $"{HostAddress}/{PrefixLength}", "dev", UplinkInterface!);
        HostCommand.Ip("link", "set", UplinkInterface!, "up");
    }

    // Parallel racks (tests in several processes) must not pick the same subnet.
    private static FileStream AcquireSubnetLock() => PrivatePath.AcquireLock(SubnetLockPath, TimeSpan.FromSeconds(5));

    private static int PickFreeSubnet()
    {
        string addresses = HostCommand.Ip("-4", "-o", "address", "show");
        var used = SubnetInUse().Matches(addresses).Select(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).ToHashSet();
        int start = Random.Shared.Next(1, 255);
        for (int i = 0; i < 254; i++)
        {
            int candidate = ((start - 1 + i) % 254) + 1;
            if (!used.Contains(candidate))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException("all 254 subnets 10.213.N.0/24 are in use by other racks");
    }

    /// <summary>Deletes namespaces of racks whose owning process died without cleaning up.</summary>
    private static void RemoveStaleRacks()
    {
        if (!PosixSignals.IsRoot)
        {
            return;
        }

        CommandResult list = HostCommand.Run("ip", ["netns", "list"]);
        if (!list.Succeeded)
        {
            return;
        }

        foreach (Match m in RackNamespaceName().Matches(list.StandardOutput))
        {
            string prefix = m.Groups[1].Value;
            string marker = MarkerPath(prefix);
            bool ownerAlive = File.Exists(marker)
                && int.TryParse(File.ReadAllText(marker).Trim(), CultureInfo.InvariantCulture, out int owner)
                && Directory.Exists("/proc/" + owner);
            if (!ownerAlive)
            {
                DeleteNamespace(m.Value);
                if (m.Groups[2].Value == "rack")
                {
                    File.Delete(marker);
                }
            }
        }
    }

    private static string MarkerPath(string prefix) => Path.Combine(MarkerDirectory, prefix + ".owner");

    [GeneratedRegex(@"10\.213\.(\d+)\.")]
    private static partial Regex SubnetInUse();

    [GeneratedRegex(@"^(wd[0-9a-f]{6})-([a-z0-9-]+)", RegexOptions.Multiline)]
    private static partial Regex RackNamespaceName();
}
