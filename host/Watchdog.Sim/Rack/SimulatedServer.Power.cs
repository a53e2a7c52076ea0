using Watchdog.Platform.Posix;
using Watchdog.VirtualWires;

namespace Watchdog.Sim.Rack;

/// <summary>Power, boot, processes and the input wires the server drives. Every method here runs under <c>gate</c>.</summary>
public sealed partial class SimulatedServer
{
    private readonly bool[] modelCarrier;

    // Serialises the bridge port changes, which run outside the gate (SetCables); taken before the gate, never inside it.
    private readonly Lock portsGate = new();

    // Volatile: IsRunning reads them without the gate.
    private volatile bool powered;
    private volatile bool booted;
    private volatile bool resetHeld;
    private bool fenced;
    private volatile bool frozen;
    private bool powerLost;
    private bool interfacesUp;
    private int bootGeneration;
    private LinkMonitor? linkMonitor;

    /// <summary>Mains present: no power-loss fault and no power fence.</summary>
    private bool HasMains => !powerLost && !(fenced && Options.FenceKind == FenceKind.PowerOff);

    /// <summary>Called once by the rack after the namespace exists: initial wires, link monitor, relay loop.</summary>
    internal void Start()
    {
        lock (gate)
        {
            if (Namespace is not null)
            {
                linkMonitor = LinkMonitor.Start(Namespace, Network.Interfaces, OnCarrier);
            }

            if (Options.PoweredOnAtStart)
            {
                // Already running when the rack comes up: no boot delay.
                powered = true;
                booted = true;
                SetServerInterfaces(up: true);
                timeline.Record(TimelineKind.Server, Name, "running", $"{Address} on channel {Wiring.Channel}");
            }
            else
            {
                SetServerInterfaces(up: false);
                timeline.Record(TimelineKind.Server, Name, "powered off", $"{Address} on channel {Wiring.Channel}");
            }

            DrivePowerGood();
            DriveModelLinks();
        }

        StartRelayLoop();
    }

    private void PowerOn(string why)
    {
        powered = true;
        booted = false;
        DrivePowerGood();
        timeline.Record(TimelineKind.Server, Name, "power on: booting", why);
        ScheduleBoot();
    }

    private void PowerOff(string why)
    {
        powered = false;
        booted = false;
        bootGeneration++;
        KillAll();
        // Power-good falls before the links, as on real hardware: a PSU drops PWR_OK at least a
        // millisecond before its rails leave regulation (ATX's power-down warning), and the NIC
        // loses link when its rail goes. Taking the interfaces down spawns `ip` and can take tens
        // of milliseconds on a loaded machine; the processes are already dead by then.
        DrivePowerGood();
        SetServerInterfaces(up: false);
        timeline.Record(TimelineKind.Server, Name, "powered off", why);
    }

    /// <summary>A reboot (reset released): everything dies now, services start after the boot delay.</summary>
    private void Reboot()
    {
        booted = false;
        bootGeneration++;
        KillAll();
        SetServerInterfaces(up: false);
        ScheduleBoot();
    }

    private void ScheduleBoot()
    {
        int generation = ++bootGeneration;
        _ = Task.Delay(Options.BootDelay).ContinueWith(_ => BootIfStill(generation), TaskScheduler.Default);
    }

    private void BootIfStill(int generation)
    {
        lock (gate)
        {
            if (generation != bootGeneration || !powered || resetHeld || disposed)
            {
                return; // powered off, reset again or disposed during the boot delay
            }

            // A fresh boot: runtime addresses (a virtual IP) are gone, links come up, services start.
            network.ConfigureBaseAddress(Network);
            // Recorded before the server counts as up: observers of the virtual IP key on it.
            timeline.Record(TimelineKind.Server, Name, "addresses reset", "runtime addresses flushed at boot");
            SetServerInterfaces(up: true);
            booted = true;
            frozen = false;
            foreach (ServiceSpec spec in services)
            {
                StartService(spec);
            }

            timeline.Record(TimelineKind.Server, Name, "booted", $"{services.Count} services started");
        }
    }

    private ServerProcess StartService(ServiceSpec spec)
    {
        string logPath = Path.Combine(logDirectory, $"{Name}.{spec.Name}.log");
        ServerProcess p = ServerProcess.Start(spec, Namespace, environment, logPath);
        string? netns = linkMonitor is null ? null : ServerProcess.NetworkNamespaceOf(linkMonitor.Pid);
        if (!p.WaitUntilSettled(netns, TimeSpan.FromSeconds(2)) && !p.HasExited)
        {
            timeline.Record(TimelineKind.Note, Name, "service did not settle in 2 s: " + spec.Name, "pid " + p.Pid);
        }

        running.Add(p);
        // Off the raising thread: Process raises Exited holding its own lock, and Dispose (called
        // under our gate when we kill services) takes that lock; handling it inline would deadlock.
        p.Exited += (_, _) => ThreadPool.QueueUserWorkItem(_ => OnServiceExited(p));
        timeline.Record(TimelineKind.Server, Name, "service started: " + spec.Name, "pid " + p.Pid);
        return p;
    }

    private void OnServiceExited(ServerProcess p)
    {
        lock (gate)
        {
            if (!running.Remove(p))
            {
                return; // we killed it (power off, reboot): already accounted for
            }

            int generation = bootGeneration;
            timeline.Record(TimelineKind.Server, Name, "service exited: " + p.Name, "exit code " + p.ExitCode);
            if (p.Spec.RestartAfterExit is TimeSpan delay && !disposed)
            {
                _ = Task.Delay(delay).ContinueWith(_ => RestartIfStill(p.Spec, generation), TaskScheduler.Default);
            }
        }

        p.Dispose();
    }

    private void RestartIfStill(ServiceSpec spec, int generation)
    {
        lock (gate)
        {
            if (generation == bootGeneration && powered && booted && !resetHeld && !disposed && !running.Any(r => r.Name == spec.Name))
            {
                StartService(spec);
            }
        }
    }

    /// <summary>Kills every process of the server: its services' process groups and anything else in its namespace.</summary>
    private void KillAll()
    {
        ServerProcess[] victims = [.. running];
        running.Clear();
        foreach (ServerProcess p in victims)
        {
            p.Signal(PosixSignals.SigKill);
        }

        SignalNamespace(PosixSignals.SigKill);
        foreach (ServerProcess p in victims)
        {
            p.WaitForExit(TimeSpan.FromSeconds(2));
            p.Dispose();
        }
    }

    /// <summary>Signals every process of the server (STOP/CONT for freezes).</summary>
    private void SignalAll(int signal)
    {
        SignalServices(signal);
        SignalNamespace(signal);
    }

    /// <summary>Signals the services' process groups: a few syscalls, the fast part of a freeze.</summary>
    private void SignalServices(int signal)
    {
        foreach (ServerProcess p in running)
        {
            p.Signal(signal);
        }
    }

    /// <summary>
    /// Signals every other process in the server's namespace (children a service left behind in
    /// another session, commands run by Exec). Found by scanning /proc for the namespace's identity,
    /// which the link monitor (living in it) provides: no process spawn on the fencing path.
    /// </summary>
    private void SignalNamespace(int signal)
    {
        if (linkMonitor is null)
        {
            return;
        }

        string? identity = ServerProcess.NetworkNamespaceOf(linkMonitor.Pid);
        if (identity is null)
        {
            return;
        }

        int self = System.Environment.ProcessId;
        foreach (string dir in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), out int pid) && pid != linkMonitor.Pid && pid != self
                && ServerProcess.NetworkNamespaceOf(pid) == identity)
            {
                PosixSignals.Send(pid, signal);
            }
        }
    }

    /// <summary>The server's own NICs (admin state): down while off or held in reset, up once booted.</summary>
    private void SetServerInterfaces(bool up)
    {
        if (interfacesUp == up && Namespace is null)
        {
            return;
        }

        interfacesUp = up;
        network.SetInterfaces(Network, up);

        DriveModelLinks();
    }

    /// <summary>
    /// The bridge ports follow the latest cable and fence state: down where a cable is pulled or
    /// the network fence holds. Called without the gate (the `ip` runs outside it); each caller
    /// reads the state afresh under portsGate, so the last one to run applies the newest state
    /// whatever order two callers race in.
    /// </summary>
    private void FollowSwitchPorts()
    {
        lock (portsGate)
        {
            bool[] up;
            lock (gate)
            {
                if (disposed)
                {
                    return;
                }

                bool isolated = fenced && Options.FenceKind == FenceKind.NetworkIsolation;
                up = [.. cablePulled.Select(pulled => !pulled && !isolated)];
                DriveModelLinks();
            }

            network.SetSwitchPorts(Network, up);
        }
    }

    private void DrivePowerGood()
    {
        for (int i = 0; i < Wiring.PowerGoodPins.Count; i++)
        {
            bool present = powered && !supplyFailed[Math.Min(i, supplyFailed.Length - 1)];
            DriveInput(Wiring.PowerGoodPins[i], present, $"power-good {i}");
        }
    }

    /// <summary>Loopback mode has no kernel link state: the wire follows the model instead.</summary>
    private void DriveModelLinks()
    {
        if (Namespace is not null)
        {
            return;
        }

        bool isolated = fenced && Options.FenceKind == FenceKind.NetworkIsolation;
        for (int i = 0; i < modelCarrier.Length; i++)
        {
            modelCarrier[i] = interfacesUp && !cablePulled[i] && !isolated;
            DriveLink(i, modelCarrier[i]);
        }
    }

    /// <summary>The kernel reported a carrier change on one of the server's interfaces.</summary>
    private void OnCarrier(int link, bool up) => DriveLink(link, up);

    private void DriveLink(int link, bool up)
    {
        if (link < Wiring.LinkPins.Count)
        {
            DriveInput(Wiring.LinkPins[link], up, $"link {link}");
        }
    }

    private void DriveInput(int pin, bool present, string label)
    {
        if (wires.Write(pin, pins.InputLevel(present), WireWriter.Server))
        {
            timeline.Record(wires.Sample(pin).LastChangeTimestamp, TimelineKind.Wire, Name, $"{label} {(present ? "present" : "absent")}", "gpio " + pin);
        }
    }
}
