using System.Text.RegularExpressions;
using Watchdog.Platform.Posix;
using Watchdog.Sim.Broker;
using Watchdog.VirtualWires;

namespace Watchdog.Sim.Rack;

/// <summary>
/// The virtual rack: a wire file every process maps, simulated servers wired to the channels of
/// hardware/boards/virtual-rack.json, a private network, and one monotonic timeline. Boards and
/// agents run as real processes (the caller starts the board; agents are services of servers).
/// Dispose removes namespaces and processes even after a failure.
/// </summary>
public sealed partial class VirtualRack : IDisposable
{
    // A test host that dies with racks still up must not leave namespaces and processes behind.
    private static readonly ExitCleanup<VirtualRack> Live = new();
    private readonly RackNetwork network;
    private readonly List<SimulatedServer> servers = [];
    private readonly List<NodeNetwork> extraNodes = [];
    private readonly bool ownsDirectory;
    private readonly bool keepDirectory;
    private readonly Lock gate = new();
    private bool disposed;

    private VirtualRack(RackOptions options, RackPinMap pinMap, RackNetwork network, string directory, bool ownsDirectory)
    {
        PinMap = pinMap;
        this.network = network;
        Directory = directory;
        this.ownsDirectory = ownsDirectory;
        keepDirectory = options.KeepDirectory;
        Timeline = new RackTimeline();
        WireFilePath = Path.Combine(directory, "rack.wires");
        Wires = WireFile.Create(WireFilePath, Math.Max(WireFile.DefaultPinCount, pinMap.HighestPin + 1));
        // No server is installed yet: every input reads "absent" (inputs are active low, so an
        // all-zero file would claim power-good and link on every empty channel).
        foreach (ChannelWiring c in pinMap.Channels)
        {
            foreach (int pin in c.PowerGoodPins.Concat(c.LinkPins))
            {
                Wires.Write(pin, pinMap.InputLevel(present: false), WireWriter.Server);
            }
        }
    }

    /// <summary>Short unique name; namespaces are "{Prefix}-rack" and "{Prefix}-{server}".</summary>
    public string Prefix => network.Prefix;

    public IsolationMode IsolationMode => network.Mode;

    /// <summary>Why the rack runs in loopback mode, or null when it has namespaces.</summary>
    public string? IsolationNote => network.FallbackReason;

    public RackPinMap PinMap { get; }

    public WireFile Wires { get; }

    /// <summary>The wire file to give boards and agents (VirtualWireDriver(path)).</summary>
    public string WireFilePath { get; }

    /// <summary>Holds the wire file and one log per service.</summary>
    public string Directory { get; }

    public RackTimeline Timeline { get; }

    /// <summary>The host namespace's address on the rack network: run the broker and the board here (10.213.N.1, or 127.0.0.1 on loopback).</summary>
    public string HostAddress => network.HostAddress;

    public string Subnet => network.Subnet;

    /// <summary>The namespace holding the bridge, or null on loopback.</summary>
    public string? RackNamespace => network.RackNamespace;

    /// <summary>The host side of the rack's uplink (the interface holding <see cref="HostAddress"/>), or null on loopback.</summary>
    public string? UplinkInterface => network.UplinkInterface;

    public IReadOnlyList<SimulatedServer> Servers { get { lock (gate) { return [.. servers]; } } }

    /// <summary>Builds a rack and prints one line saying how it is isolated.</summary>
    public static VirtualRack Create(RackOptions? options = null)
    {
        options ??= new RackOptions();
        RackPinMap pinMap = options.PinMap ?? RackPinMap.LoadVirtualRack();
        string prefix = "wd" + Convert.ToHexStringLower(BitConverter.GetBytes(Random.Shared.Next()))[..6];
        bool ownsDirectory = options.Directory is null;
        string directory = options.Directory ?? PrivatePath.CreateTempDirectory("watchdog-rack-");
        System.IO.Directory.CreateDirectory(directory);
        RackNetwork network = RackNetwork.Create(prefix, options.UseNamespaces);
        var rack = new VirtualRack(options, pinMap, network, directory, ownsDirectory);
        Live.Add(rack);

        (options.Log ?? Console.Error).WriteLine(rack.DescribeIsolation());
        return rack;
    }

    /// <summary>The line the rack prints at start.</summary>
    public string DescribeIsolation() => IsolationMode == IsolationMode.NetworkNamespaces
        ? $"virtual rack {Prefix}: isolation = network namespaces, subnet {Subnet}, bridge in netns {RackNamespace}, host side {HostAddress}"
        : $"virtual rack {Prefix}: isolation = LOOPBACK ONLY ({IsolationNote}): servers are plain processes on {Subnet}; "
          + "link faults and network fencing flip the wires but cut no traffic";

    /// <summary>An address on the rack subnet (host part 2-254; servers use 10+, a virtual IP e.g. 100).</summary>
    public string AddressFor(int hostPart) => network.AddressFor(hostPart);

    /// <summary>A further address of the host side on the rack network (host part 2-9: servers use 10 and up), e.g. for a broker's second listener; namespaces only.</summary>
    public string AddHostAddress(int hostPart) => hostPart is >= 2 and <= 9
        ? network.AddHostAddress(hostPart)
        : throw new ArgumentException($"host part {hostPart}: the host side may add 2-9 (servers use 10 and up)", nameof(hostPart));

    /// <summary>Adds a server wired to a channel (s1..s8) and starts simulating it.</summary>
    public SimulatedServer AddServer(string name, string channel, ServerOptions? options = null)
    {
        if (!ServerName().IsMatch(name))
        {
            throw new ArgumentException($"server name '{name}' must be 1-20 characters of a-z, 0-9 and '-', starting with a letter (it names a namespace)", nameof(name));
        }

        options ??= new ServerOptions();
        options.Validate(name);
        ChannelWiring wiring = PinMap.Channel(channel);
        SimulatedServer server;
        lock (gate)
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            if (servers.Any(s => s.Name == name || s.Wiring.Channel == channel) || name == "rack")
            {
                throw new ArgumentException($"rack {Prefix} already has a server named '{name}' or on channel {channel}", nameof(name));
            }

            int hostPart = 10 + PinMap.Channels.ToList().IndexOf(wiring);
            NodeNetwork node = network.AddNode(name, hostPart, Math.Max(1, wiring.LinkPins.Count));
            server = new SimulatedServer(name, wiring, node, options, network, Wires, PinMap, Timeline, Directory, HostAddress);
            servers.Add(server);
        }

        server.Start();
        return server;
    }

    public SimulatedServer Server(string name) =>
        Servers.FirstOrDefault(s => s.Name == name) ?? throw new ArgumentException($"rack {Prefix} has no server '{name}'", nameof(name));

    /// <summary>
    /// Adds a plain machine on the rack network with no wires (a client polling the virtual IP, a
    /// second broker); returns its namespace (null on loopback) and address.
    /// </summary>
    public NodeNetwork AddNetworkNode(string name, int hostPart)
    {
        if (!ServerName().IsMatch(name) || hostPart is < 2 or > 254)
        {
            throw new ArgumentException($"node '{name}' at host part {hostPart}: name as for servers, host part 2-254");
        }

        lock (gate)
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            NodeNetwork node = network.AddNode(name, hostPart, 1);
            extraNodes.Add(node);
            return node;
        }
    }

    /// <summary>Fault: a partition between two servers (blackhole routes both ways); every wire stays up.</summary>
    public void Partition(SimulatedServer a, SimulatedServer b)
    {
        a.BlockTraffic(b.Address);
        b.BlockTraffic(a.Address);
    }

    public void Heal(SimulatedServer a, SimulatedServer b)
    {
        a.UnblockTraffic(b.Address);
        b.UnblockTraffic(a.Address);
    }

    /// <summary>Starts a mosquitto on the host side of the rack network, reachable from every server.</summary>
    public MosquittoProcess StartBroker(int port = 0, string? passwordFile = null) =>
        MosquittoProcess.Start(port, HostAddress, passwordFile);

    /// <summary>Fault: a graceful broker stop (wills published), on the timeline.</summary>
    public void StopBroker(MosquittoProcess broker)
    {
        Timeline.Record(TimelineKind.Fault, "broker", "broker stop (SIGTERM)", broker.ToString());
        broker.Stop();
    }

    /// <summary>Fault: a broker crash (SIGKILL: no wills, stale retained state), on the timeline.</summary>
    public void KillBroker(MosquittoProcess broker)
    {
        Timeline.Record(TimelineKind.Fault, "broker", "broker kill (SIGKILL)", broker.ToString());
        broker.Kill();
    }

    public void StartBrokerAgain(MosquittoProcess broker)
    {
        broker.Start();
        Timeline.Record(TimelineKind.Fault, "broker", "broker started", broker.ToString());
    }

    public void Dispose()
    {
        SimulatedServer[] all;
        lock (gate)
        {
            if (disposed)
            {
                return;
            }

            disposed = true;
            all = [.. servers];
        }

        foreach (SimulatedServer server in all)
        {
            try
            {
                server.Dispose();
            }
            catch (Exception e)
            {
                Console.Error.WriteLine($"virtual rack {Prefix}: cleaning up {server.Name} failed: {e.Message}");
            }
        }

        network.Dispose();
        try
        {
            File.WriteAllLines(Path.Combine(Directory, "timeline.txt"), Timeline.Snapshot().Select(e => e.ToString()));
        }
        catch (IOException)
        {
            // Best effort, only useful when the directory is kept.
        }

        Wires.Dispose();
        Live.Remove(this);

        if (ownsDirectory && !keepDirectory)
        {
            try
            {
                System.IO.Directory.Delete(Directory, recursive: true);
            }
            catch (IOException)
            {
                // A service still writing its log: the temp dir is harmless.
            }
        }
    }

    [GeneratedRegex("^[a-z][a-z0-9-]{0,19}$")]
    private static partial Regex ServerName();
}
