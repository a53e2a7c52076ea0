using System.Diagnostics;
using Watchdog.Platform.Posix;
using Watchdog.VirtualWires;

namespace Watchdog.Sim.Rack;

/// <summary>
/// The server's side of the board's relays: a thread samples the channel's outputs every ~1 ms,
/// carries out what they say, and puts every output change and heartbeat start/stop on the timeline.
/// A relay whose last writer process is dead counts as released (a crashed board's relays drop out).
/// </summary>
public sealed partial class SimulatedServer
{
    private static readonly long LivenessRecheckTicks = Stopwatch.Frequency / 20; // 50 ms
    private static readonly TimeSpan FreezeCheckInterval = TimeSpan.FromMilliseconds(20);
    private long lastFreezeCheck;
    private long freezeChecks;
    private readonly Dictionary<int, (long CheckedAt, bool Alive)> writerLiveness = [];
    private readonly Dictionary<int, uint> outputEdges = [];
    private Thread? relayThread;
    private volatile bool disposed;
    private bool lastReset;
    private bool lastPower;
    private bool lastFence;
    private bool portsToFollow;
    private uint resetEdges;
    private uint powerEdges;
    private uint fenceEdges;
    private long powerPressedAt;
    private bool powerPressedWhileOn;
    private bool forcedOffThisPress;
    private uint heartbeatEdges;
    private long heartbeatLastEdge;
    private bool heartbeatSilent = true;

    /// <summary>
    /// How many times the relay loop has checked, while reset or a freeze fault held, that nothing
    /// on the server runs: a test waits for more of them instead of sleeping.
    /// </summary>
    public long FreezeChecks => Interlocked.Read(ref freezeChecks);

    private void StartRelayLoop()
    {
        heartbeatEdges = wires.ReadEdgeCount(Wiring.HeartbeatPin);
        resetEdges = wires.ReadEdgeCount(Wiring.ResetPin);
        powerEdges = wires.ReadEdgeCount(Wiring.PowerPin);
        fenceEdges = Wiring.FencePin is int fencePin ? wires.ReadEdgeCount(fencePin) : 0;
        foreach (int pin in OutputPins())
        {
            outputEdges[pin] = wires.ReadEdgeCount(pin);
        }

        relayThread = new Thread(RelayLoop) { IsBackground = true, Name = "relays " + Name };
        relayThread.Start();
    }

    private void StopRelayLoop()
    {
        disposed = true;
        if (relayThread is not null && relayThread != Thread.CurrentThread)
        {
            relayThread.Join();
        }
    }

    private void RelayLoop()
    {
        if (!PosixSignals.TryMakeCurrentThreadRealTime())
        {
            timeline.Record(TimelineKind.Note, Name, "relay thread runs at normal priority", "no real-time scheduling: relay reactions may lag on a loaded machine");
        }

        while (!disposed)
        {
            try
            {
                // Recorded before they are carried out: a fence's power-off takes the loop away
                // for tens of ms or more, and a takeover hold released meanwhile would otherwise
                // leave only its release on the timeline ("2 edges since last sample").
                RecordOutputChanges();
                SampleRelays();
                WatchHeartbeat();
                KeepFrozen();
            }
            catch (Exception e) when (!disposed)
            {
                // An ip command failing must not silently stop the server obeying its relays.
                timeline.Record(TimelineKind.Note, Name, "relay loop error", e.Message);
            }

            Thread.Sleep(Options.RelayPollInterval);
        }
    }

    private void SampleRelays()
    {
        // Edge counts catch a release and a new press that both fall between two samples (or
        // happen while the server was busy powering off): the press must not be lost.
        (bool reset, bool resetBounced) = SampleRelay(Wiring.ResetPin, lastReset, ref resetEdges);
        (bool power, bool powerBounced) = SampleRelay(Wiring.PowerPin, lastPower, ref powerEdges);
        bool fence = false;
        bool fenceBounced = false;
        if (Wiring.FencePin is int f)
        {
            (fence, fenceBounced) = SampleRelay(f, lastFence, ref fenceEdges);
        }

        lock (gate)
        {
            if (disposed)
            {
                return;
            }

            if (resetBounced)
            {
                OnReset(!reset);
            }

            if (reset != lastReset || resetBounced)
            {
                lastReset = reset;
                OnReset(reset);
            }

            if (powerBounced)
            {
                OnPowerButton(!power);
            }

            if (power != lastPower || powerBounced)
            {
                lastPower = power;
                OnPowerButton(power);
            }
            else if (power && powerPressedWhileOn && !forcedOffThisPress && powered
                && Stopwatch.GetElapsedTime(powerPressedAt) >= Options.ForcedOffHold)
            {
                forcedOffThisPress = true;
                PowerOff($"power button held {Options.ForcedOffHold.TotalSeconds:0.###} s");
                timeline.Record(TimelineKind.Relay, Name, "forced off by power button hold");
            }

            if (fenceBounced)
            {
                OnFence(!fence);
            }

            if (fence != lastFence || fenceBounced)
            {
                lastFence = fence;
                OnFence(fence);
                portsToFollow = Options.FenceKind == FenceKind.NetworkIsolation;
            }
        }

        if (portsToFollow)
        {
            // The network fence's bridge ports, outside the gate as every port change (FollowSwitchPorts).
            portsToFollow = false;
            FollowSwitchPorts();
        }
    }

    /// <summary>
    /// The relay's effective state, and whether it went away and came back since the last sample
    /// (two or more edges but the same level: a release and a press both unseen).
    /// </summary>
    private (bool Asserted, bool Bounced) SampleRelay(int pin, bool last, ref uint seenEdges)
    {
        // One atomic sample: level and count from the same state word, so a release and a press
        // racing this read cannot be half seen.
        WireSample sample = wires.Sample(pin);
        bool asserted = RelayAsserted(pin, sample.Value);
        uint between = unchecked(sample.EdgeCount - seenEdges);
        seenEdges = sample.EdgeCount;
        return (asserted, between >= 2 && asserted == last && asserted);
    }

    private void OnReset(bool asserted)
    {
        if (asserted)
        {
            if (!powered)
            {
                timeline.Record(TimelineKind.Relay, Name, "reset asserted (server off: nothing to freeze)");
                resetHeld = true;
                return;
            }

            // Freeze first (signals are immediate), then silence the NICs: a CPU held in reset runs
            // nothing, so its kernel answers no ARP, ping or TCP handshake either.
            resetHeld = true;
            bootGeneration++;
            SignalServices(PosixSignals.SigStop);
            timeline.Record(TimelineKind.Relay, Name, "reset held: frozen");
            SignalNamespace(PosixSignals.SigStop);
            SetServerInterfaces(up: false);
            return;
        }

        if (powered)
        {
            // Not booted before reset lets go: a lock-free reader (IsRunning) never sees the
            // released server as running on its old boot, address and all.
            booted = false;
        }

        resetHeld = false;
        if (powered)
        {
            timeline.Record(TimelineKind.Relay, Name, "reset released: rebooting");
            Reboot();
        }
        else
        {
            timeline.Record(TimelineKind.Relay, Name, "reset released (server off)");
        }
    }

    private void OnPowerButton(bool pressed)
    {
        if (!pressed)
        {
            timeline.Record(TimelineKind.Relay, Name, "power button released",
                $"held {Stopwatch.GetElapsedTime(powerPressedAt).TotalMilliseconds:0} ms");
            return;
        }

        powerPressedAt = Stopwatch.GetTimestamp();
        powerPressedWhileOn = powered;
        forcedOffThisPress = false;
        if (powered)
        {
            // A short press asks the OS for an orderly shutdown; servers in the rack ignore it (as
            // a server with the power key disabled does). Only a long hold forces them off.
            timeline.Record(TimelineKind.Relay, Name, "power button pressed (server on)");
        }
        else if (HasMains)
        {
            timeline.Record(TimelineKind.Relay, Name, "power button pressed: power on");
            PowerOn("power button");
        }
        else
        {
            timeline.Record(TimelineKind.Relay, Name, "power button pressed: no mains, nothing happens");
        }
    }

    private void OnFence(bool asserted)
    {
        fenced = asserted;
        if (Options.FenceKind == FenceKind.NetworkIsolation)
        {
            // The ports follow once the relay loop has left the gate (SampleRelays).
            timeline.Record(TimelineKind.Relay, Name, asserted ? "fence: network isolated" : "fence released: network restored");
            return;
        }

        if (asserted)
        {
            timeline.Record(TimelineKind.Relay, Name, "fence: power cut");
            if (powered)
            {
                PowerOff("fence");
            }
        }
        else
        {
            timeline.Record(TimelineKind.Relay, Name, "fence released: power back");
            if (HasMains && !powered && Options.BootOnPowerRestore)
            {
                PowerOn("power restored after fence");
            }
        }
    }

    /// <summary>True when the output is at its asserted level and the process that drove it still lives.</summary>
    private bool RelayAsserted(int pin) => RelayAsserted(pin, wires.Read(pin));

    private bool RelayAsserted(int pin, bool level)
    {
        if (!pins.OutputAsserted(level))
        {
            return false;
        }

        long now = Stopwatch.GetTimestamp();
        lock (writerLiveness)
        {
            if (!writerLiveness.TryGetValue(pin, out var known) || now - known.CheckedAt > LivenessRecheckTicks)
            {
                bool alive = wires.IsWriterAlive(pin);
                if (writerLiveness.TryGetValue(pin, out var before) && before.Alive && !alive)
                {
                    timeline.Record(TimelineKind.Relay, Name, $"gpio {pin} released: its writer (pid {wires.Sample(pin).WriterPid}) is gone");
                }

                known = (now, alive);
                writerLiveness[pin] = known;
            }

            return known.Alive;
        }
    }

    private IEnumerable<(int Pin, string Label)> LabelledOutputs()
    {
        yield return (Wiring.ResetPin, "reset");
        yield return (Wiring.PowerPin, "power");
        if (Wiring.FencePin is int fence)
        {
            yield return (fence, "fence");
        }

        if (Wiring.RolePin is int role)
        {
            yield return (role, "role");
        }
    }

    private IEnumerable<int> OutputPins() => LabelledOutputs().Select(o => o.Pin);

    private void RecordOutputChanges()
    {
        foreach ((int pin, string label) in LabelledOutputs())
        {
            WireSample s = wires.Sample(pin);
            if (s.EdgeCount == outputEdges[pin])
            {
                continue;
            }

            uint edges = EdgeReplayCount(outputEdges[pin], s.EdgeCount);
            outputEdges[pin] = s.EdgeCount;
            bool asserted = pins.OutputAsserted(s.Value);
            string detail = $"gpio {pin} by {s.DrivenBy.ToString().ToLowerInvariant()} pid {s.WriterPid}" + (edges > 1 ? $", {edges} edges since last sample" : "");
            timeline.Record(s.LastChangeTimestamp, TimelineKind.Wire, Name, $"{label} {(asserted ? "asserted" : "released")}", detail);
        }
    }

    /// <summary>
    /// While reset is held (or a freeze fault holds), nothing on the server may run: re-stop any
    /// process found running (one that was between fork and exec when the first SIGSTOP went out).
    /// </summary>
    private void KeepFrozen()
    {
        if (Stopwatch.GetElapsedTime(lastFreezeCheck) < FreezeCheckInterval)
        {
            return;
        }

        lastFreezeCheck = Stopwatch.GetTimestamp();
        lock (gate)
        {
            if (!(powered && (resetHeld || frozen)) || disposed)
            {
                return;
            }

            foreach (ServerProcess p in running)
            {
                if (!p.HasExited && ProcessStateOf(p.Pid) is char state && state != 'T' && state != 't' && state != 'Z')
                {
                    timeline.Record(TimelineKind.Note, Name, "re-stopped a running process while frozen", $"{p.Name} pid {p.Pid} was '{state}'");
                    p.Signal(PosixSignals.SigStop);
                }
            }

            Interlocked.Increment(ref freezeChecks);
        }
    }

    private static char? ProcessStateOf(int pid)
    {
        try
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[stat.LastIndexOf(')') + 2];
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static uint EdgeReplayCount(uint before, uint after) => unchecked(after - before);

    private void WatchHeartbeat()
    {
        WireSample s = wires.Sample(Wiring.HeartbeatPin);
        if (s.EdgeCount != heartbeatEdges)
        {
            heartbeatEdges = s.EdgeCount;
            heartbeatLastEdge = s.LastChangeTimestamp;
            if (heartbeatSilent)
            {
                heartbeatSilent = false;
                timeline.Record(s.LastChangeTimestamp, TimelineKind.Wire, Name, "heartbeat started", "gpio " + Wiring.HeartbeatPin);
            }

            return;
        }

        if (!heartbeatSilent && Stopwatch.GetElapsedTime(heartbeatLastEdge) >= Options.HeartbeatSilence)
        {
            heartbeatSilent = true;
            timeline.Record(heartbeatLastEdge, TimelineKind.Wire, Name, "heartbeat stopped",
                $"last edge; silent for {Options.HeartbeatSilence.TotalMilliseconds:0} ms");
        }
    }
}
