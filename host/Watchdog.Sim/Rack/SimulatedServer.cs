using System.Diagnostics;
using System.Globalization;
using Watchdog.Platform.Posix;
using Watchdog.VirtualWires;

namespace Watchdog.Sim.Rack;

/// <summary>
/// A simulated server: a network namespace (or, without root, a group of plain processes) running
/// its services, wired to one board channel. It drives its power-good and link input wires from its
/// own state, and obeys the relay outputs the board drives: reset held freezes it and its release
/// reboots it; the power button boots it, or forces it off when held; the fence cuts power or
/// network. Faults are injected the way an operator meets them (kill -9, kill -STOP, a pulled cable,
/// a power cut). Everything lands on the rack's timeline.
/// This file: identity, services and faults. Relays: SimulatedServer.Relays.cs. Power and
/// processes: SimulatedServer.Power.cs.
/// </summary>
public sealed partial class SimulatedServer : IDisposable
{
    private readonly RackNetwork network;
    private readonly WireFile wires;
    private readonly RackPinMap pins;
    private readonly RackTimeline timeline;
    private readonly string logDirectory;
    private readonly Lock gate = new();
    private readonly List<ServiceSpec> services = [];
    private readonly List<ServerProcess> running = [];
    private readonly Dictionary<string, string> environment;
    private readonly bool[] supplyFailed;
    private readonly bool[] cablePulled;

    internal SimulatedServer(
        string name, ChannelWiring wiring, NodeNetwork node, ServerOptions options, RackNetwork network,
        WireFile wires, RackPinMap pins, RackTimeline timeline, string logDirectory, string brokerAddress)
    {
        Name = name;
        Wiring = wiring;
        Network = node;
        Options = options;
        this.network = network;
        this.wires = wires;
        this.pins = pins;
        this.timeline = timeline;
        this.logDirectory = logDirectory;
        supplyFailed = new bool[wiring.PowerGoodPins.Count];
        cablePulled = new bool[node.Interfaces.Count];
        modelCarrier = new bool[node.Interfaces.Count];
        environment = new Dictionary<string, string>
        {
            ["WATCHDOG_SIM_SERVER"] = name,
            ["WATCHDOG_SIM_CHANNEL"] = wiring.Channel,
            ["WATCHDOG_SIM_ADDRESS"] = node.Address,
            ["WATCHDOG_SIM_BROKER_HOST"] = brokerAddress,
            ["WATCHDOG_WIRE_FILE"] = wires.Path,
            ["WATCHDOG_SIM_HEARTBEAT_PIN"] = wiring.HeartbeatPin.ToString(CultureInfo.InvariantCulture),
            ["WATCHDOG_SIM_ROLE_PIN"] = wiring.RolePin?.ToString(CultureInfo.InvariantCulture) ?? "",
            ["WATCHDOG_SIM_NAMESPACE"] = node.Namespace ?? "",
        };
    }

    public string Name { get; }

    public ChannelWiring Wiring { get; }

    public NodeNetwork Network { get; }

    public ServerOptions Options { get; }

    /// <summary>The server's address on the rack network.</summary>
    public string Address => Network.Address;

    /// <summary>Its network namespace, or null in loopback mode.</summary>
    public string? Namespace => Network.Namespace;

    /// <summary>The WATCHDOG_SIM_* variables every service gets (server, channel, address, broker host, wire file, pins).</summary>
    public IReadOnlyDictionary<string, string> Environment => environment;

    public bool IsPoweredOn { get { lock (gate) { return powered; } } }

    /// <summary>Powered, booted and not held in reset: its services are (supposed to be) running.</summary>
    public bool IsUp { get { lock (gate) { return powered && booted && !resetHeld; } } }

    public bool IsResetHeld { get { lock (gate) { return resetHeld; } } }

    public bool IsFenced { get { lock (gate) { return fenced; } } }

    public bool IsFrozen { get { lock (gate) { return frozen || resetHeld; } } }

    /// <summary>
    /// Powered, booted, not held in reset and not frozen, read without waiting for the server's
    /// gate. For observers that stamp what they see with the time they see it (the overlap
    /// meter): the relay loop holds the gate through a whole reset or power-off (an `ip` spawn,
    /// waiting for killed processes), and a reader blocked behind it would stamp the end of that
    /// work as the moment the server stopped, inventing overlap. The flags are written under the
    /// gate, and a change towards stopped writes its flag first (reset held, powered off, not
    /// booted), so a reader sees the server stopped from the start of that change.
    /// </summary>
    public bool IsRunning => powered && booted && !resetHeld && !frozen;

    /// <summary>The ROLE output the board drives for this server (false when not wired or its writer is gone).</summary>
    public bool RoleAsserted => Wiring.RolePin is int pin && RelayAsserted(pin);

    /// <summary>The services running now (a copy).</summary>
    public IReadOnlyList<ServerProcess> Processes { get { lock (gate) { return [.. running]; } } }

    /// <summary>The running instance of a service, or null when it is not running.</summary>
    public ServerProcess? Process(string service)
    {
        lock (gate)
        {
            return running.FirstOrDefault(p => p.Name == service && !p.HasExited);
        }
    }

    /// <summary>Adds a service started at every boot; starts it now when the server is up.</summary>
    public ServerProcess? AddService(ServiceSpec spec)
    {
        lock (gate)
        {
            if (services.Any(s => s.Name == spec.Name))
            {
                throw new ArgumentException($"server {Name} already has a service named '{spec.Name}'", nameof(spec));
            }

            services.Add(spec);
            return powered && booted && !resetHeld ? StartService(spec) : null;
        }
    }

    /// <summary>Runs a command on the server (in its namespace) and waits for it.</summary>
    public CommandResult Exec(string fileName, params string[] arguments) =>
        Namespace is null
            ? HostCommand.Run(fileName, arguments)
            : HostCommand.Run("ip", new[] { "netns", "exec", Namespace, fileName }.Concat(arguments));

    /// <summary>Fault: <c>kill -9</c> of a service (and its children), as when it crashes.</summary>
    public void KillProcess(string service)
    {
        lock (gate)
        {
            ServerProcess p = running.FirstOrDefault(r => r.Name == service && !r.HasExited)
                ?? throw new InvalidOperationException($"server {Name} has no running service '{service}' (running: {string.Join(", ", running.Select(r => r.Name))})");
            timeline.Record(TimelineKind.Fault, Name, $"kill -9 {service}", "pid " + p.Pid);
            p.Signal(PosixSignals.SigKill);
        }
    }

    /// <summary>Fault: <c>kill -STOP</c> of every process on the server, a hang with the kernel still alive.</summary>
    public void Freeze()
    {
        lock (gate)
        {
            timeline.Record(TimelineKind.Fault, Name, "kill -STOP all processes");
            frozen = true;
            SignalAll(PosixSignals.SigStop);
        }
    }

    /// <summary>Ends <see cref="Freeze"/>: <c>kill -CONT</c> (unless the board holds reset).</summary>
    public void Thaw()
    {
        lock (gate)
        {
            timeline.Record(TimelineKind.Fault, Name, "kill -CONT all processes");
            frozen = false;
            if (!resetHeld)
            {
                SignalAll(PosixSignals.SigCont);
            }
        }
    }

    /// <summary>Fault: a pulled cable, <c>ip link set PORT down</c> at the bridge; all links when <paramref name="link"/> is null.</summary>
    public void LinkDown(int? link = null) => SetCables(link, pulled: true);

    /// <summary>Plugs the cable back in.</summary>
    public void LinkUp(int? link = null) => SetCables(link, pulled: false);

    /// <summary>Fault: mains power lost (both supplies): processes die at once, power-good drops.</summary>
    public void PowerLoss()
    {
        lock (gate)
        {
            timeline.Record(TimelineKind.Fault, Name, "power loss");
            powerLost = true;
            if (powered)
            {
                PowerOff("power loss");
            }
        }
    }

    /// <summary>Mains back; with <paramref name="pressPowerButton"/> the operator also switches it on.</summary>
    public void PowerRestore(bool pressPowerButton = true)
    {
        lock (gate)
        {
            timeline.Record(TimelineKind.Fault, Name, "power restored");
            powerLost = false;
            if (HasMains && !powered && (pressPowerButton || Options.BootOnPowerRestore))
            {
                PowerOn("power restored");
            }
        }
    }

    /// <summary>Fault: one power supply fails (redundancy lost: its power-good wire drops, the server runs on).</summary>
    public void PowerSupplyLoss(int supply) => SetSupply(supply, failed: true);

    public void PowerSupplyRestore(int supply) => SetSupply(supply, failed: false);

    /// <summary>Fault: drop this server's traffic to an address (a partition that leaves every wire up).</summary>
    public void BlockTraffic(string address)
    {
        timeline.Record(TimelineKind.Fault, Name, "partition from " + address, Namespace is null ? "loopback mode: not enforced" : "blackhole route");
        network.SetBlackhole(Network, address, blocked: true);
    }

    public void UnblockTraffic(string address)
    {
        timeline.Record(TimelineKind.Fault, Name, "partition from " + address + " healed");
        network.SetBlackhole(Network, address, blocked: false);
    }

    public override string ToString() => $"server {Name} on {Wiring.Channel} at {Address}";

    public void Dispose()
    {
        if (disposed)
        {
            return;
        }

        StopRelayLoop();
        lock (gate)
        {
            bootGeneration++;
            KillAll();
        }

        linkMonitor?.Dispose();
    }

    /// <summary>
    /// Waits until a condition on this server holds; false on timeout. Polled every 2 ms: the
    /// server's state (processes, power, relays) raises no event to wait on.
    /// </summary>
    public bool WaitUntil(Func<SimulatedServer, bool> condition, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (!condition(this))
        {
            if (clock.Elapsed >= timeout)
            {
                return false;
            }

            Thread.Sleep(2);
        }

        return true;
    }

    /// <summary>
    /// A cable pulled or plugged in: the state changes under the gate, the bridge follows outside
    /// it. The `ip` that moves the bridge port can take tens of ms on a loaded machine, and the
    /// relay loop needs the gate to obey a reset: a real reset line does not wait for a cable, so
    /// a reset the board asserts during a link flap must freeze the server at once (holding the
    /// gate here once delayed that freeze by 65-146 ms, past the board's fence_confirm_ms).
    /// </summary>
    private void SetCables(int? link, bool pulled)
    {
        int[] links = [.. LinksOf(link)];
        lock (gate)
        {
            foreach (int i in links)
            {
                cablePulled[i] = pulled;
            }
        }

        foreach (int i in links)
        {
            timeline.Record(TimelineKind.Fault, Name, $"link {i} {(pulled ? "down" : "up")}",
                Namespace is null ? "loopback mode: wire only, no traffic cut" : $"ip link set {Network.SwitchPorts[i]} {(pulled ? "down" : "up")}");
        }

        FollowSwitchPorts();
    }

    private void SetSupply(int supply, bool failed)
    {
        if ((uint)supply >= (uint)supplyFailed.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(supply), supply, $"server {Name} has {supplyFailed.Length} power supplies (0-{supplyFailed.Length - 1})");
        }

        lock (gate)
        {
            timeline.Record(TimelineKind.Fault, Name, $"power supply {supply} {(failed ? "failed" : "restored")}");
            supplyFailed[supply] = failed;
            DrivePowerGood();
        }
    }

    private IEnumerable<int> LinksOf(int? link)
    {
        if (link is int one)
        {
            if ((uint)one >= (uint)cablePulled.Length)
            {
                throw new ArgumentOutOfRangeException(nameof(link), one, $"server {Name} has {cablePulled.Length} links (0-{cablePulled.Length - 1})");
            }

            return [one];
        }

        return Enumerable.Range(0, cablePulled.Length);
    }
}
