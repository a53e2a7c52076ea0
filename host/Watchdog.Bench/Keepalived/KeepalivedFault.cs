using Watchdog.Bench.Network;
using Watchdog.Platform.Posix;

namespace Watchdog.Bench.Keepalived;

/// <summary>The master's side of a keepalived run, handed to a fault: its network, its keepalived and its service.</summary>
public sealed record KeepalivedTarget(BenchNetwork Network, string Node, KeepalivedInstance Keepalived, NodeNameService Service);

/// <summary>
/// keepalived's side of one fault of the lab's catalogue (host/Watchdog.Lab/Faults/FaultCatalogue.cs),
/// always injected into the current master by the means an operator would see. The name is the
/// catalogue's, so our runs and keepalived's land in the same row of a report.
/// </summary>
/// <param name="Name">The catalogue's name of the fault.</param>
/// <param name="PhaseSeed">Mixed into the run's fault-phase seed; fixed per fault so a rerun of a matrix injects at the same phases.</param>
/// <param name="Inject">Injects the fault into the master; returns the timeline's label.</param>
public sealed record KeepalivedFault(string Name, int PhaseSeed, Func<KeepalivedTarget, string> Inject)
{
    /// <summary>Ends the fault after the hold time (a hang that ends, a healed partition); null: it lasts the whole window.</summary>
    public Func<KeepalivedTarget, string>? Heal { get; init; }

    /// <summary>The master's keepalived is dead: it has no role, whatever it last logged.</summary>
    public bool KillsDaemon { get; init; }

    /// <summary>What the timeline shows on the master's lane while the fault holds.</summary>
    public required string Condition { get; init; }

    /// <summary>The fault is between the servers (a partition): the timeline shows it on both lanes.</summary>
    public bool OnBothNodes { get; init; }

    public override string ToString() => Name;
}

/// <summary>The faults keepalived has a counterpart for. Names and accepted aliases are the catalogue's.</summary>
public static class KeepalivedFaults
{
    /// <summary>SIGKILL to the master's keepalived (VRRP child, then parent). Its service keeps running.</summary>
    public static KeepalivedFault DaemonCrash { get; } = new("agent-crash", 0, t =>
    {
        // Stopped first, parent before child, then killed: a parent that saw its child die before
        // its own SIGKILL arrived could fork a new child, whose start removes the VIP (no crash
        // leaves that clean a state, and the test of the overlap once read 0 for it).
        t.Keepalived.StopAllParentFirst();
        t.Keepalived.SignalAll(PosixSignals.SigKill);
        return $"kill -9 of {t.Node}'s keepalived";
    }) { KillsDaemon = true, Condition = "keepalived killed" };

    /// <summary>SIGSTOP to the master's keepalived and service; SIGCONT after the hold time (a hang that ends).</summary>
    public static KeepalivedFault Hang { get; } = new("hang", 1, t =>
    {
        t.Keepalived.SignalAll(PosixSignals.SigStop);
        t.Service.Process.Signal(PosixSignals.SigStop);
        return $"kill -STOP of {t.Node}'s keepalived and service";
    })
    {
        Heal = t =>
        {
            t.Service.Process.Signal(PosixSignals.SigCont);
            t.Keepalived.SignalAll(PosixSignals.SigCont);
            return $"{t.Node} resumed";
        },
        Condition = "frozen",
    };

    /// <summary>The master's NIC down, SIGKILL to every process in its namespace, its addresses flushed (in that order).</summary>
    public static KeepalivedFault PowerLoss { get; } = new("power-loss", 2, t =>
    {
        // The NIC goes dark first, then the processes die, then the kernel state goes.
        // The other order lets a dying keepalived out: SIGKILL to the parent first makes
        // the VRRP child exit gracefully (parent-death signal) and send a priority-0
        // advert, which a machine losing power never does; measured: 2 of 20 runs
        // "detected" in 0.61 s (the skew time) instead of 2.6-3.6 s.
        t.Network.SetLink(t.Node, up: false);
        t.Network.SignalAll(t.Network.NamespaceOf(t.Node), PosixSignals.SigKill);
        t.Network.FlushAddresses(t.Node);
        return $"power loss of {t.Node}";
    }) { KillsDaemon = true, Condition = "power off" };

    /// <summary>The master's NIC set down (ip link set eth0 down inside its namespace), for the whole window.</summary>
    public static KeepalivedFault LinkLoss { get; } = new("link-loss", 3, t =>
    {
        t.Network.SetLink(t.Node, up: false);
        return $"link down on {t.Node}";
    }) { Condition = "link down" };

    /// <summary>The two servers cannot reach each other (bridge port isolation) but both still reach the client; healed after the hold time.</summary>
    public static KeepalivedFault Partition { get; } = new("partition", 4, t =>
    {
        t.Network.SetServerPartition(partitioned: true);
        return $"partition between {string.Join(" and ", t.Network.Nodes)}";
    })
    {
        Heal = t =>
        {
            t.Network.SetServerPartition(partitioned: false);
            return "partition healed";
        },
        Condition = "partitioned",
        OnBothNodes = true,
    };

    public static IReadOnlyList<KeepalivedFault> All { get; } = [DaemonCrash, Hang, PowerLoss, LinkLoss, Partition];

    /// <summary>Names keepalived's own bench used before the catalogue named them; still accepted.</summary>
    private static readonly Dictionary<string, string> Aliases = new(StringComparer.Ordinal) { ["kill-9"] = "agent-crash", ["freeze"] = "hang" };

    /// <summary>Parses a scenario name (agent-crash, hang, power-loss, link-loss, partition; kill-9 and freeze as aliases).</summary>
    public static KeepalivedFault Parse(string scenario)
    {
        string name = Aliases.GetValueOrDefault(scenario, scenario);
        return All.FirstOrDefault(f => f.Name == name)
            ?? throw new ArgumentException($"unknown keepalived scenario '{scenario}'; known: {string.Join(", ", All.Select(f => f.Name))}", nameof(scenario));
    }
}
