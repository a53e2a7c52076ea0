using Watchdog.Platform.Posix;

namespace Watchdog.Bench.Patroni;

/// <summary>The primary's side of a Patroni run, handed to a fault: the cluster and the node that was primary.</summary>
/// <param name="Mark">Stamps the fault's time; a fault calls it right before its first signal or
/// link change, after slow preparation (listing pids spawns `ip`, tens of ms on a loaded machine,
/// during which the primary still acknowledges writes).</param>
public sealed record PatroniTarget(PatroniCluster Cluster, PatroniNode Primary, Action Mark);

/// <summary>
/// One fault of the database comparison, always injected into the current primary by the means an
/// operator would see. Names follow the lab's catalogue where the action is the same (hang,
/// power-loss, link-loss), so Patroni's rows land beside ours and keepalived's.
/// </summary>
/// <param name="Name">The scenario's name in reports.</param>
/// <param name="PhaseSeed">Mixed into the run's fault-phase seed; fixed per fault so a rerun injects at the same phases.</param>
/// <param name="Inject">Injects the fault into the primary; returns the timeline's label.</param>
public sealed record PatroniFault(string Name, int PhaseSeed, Func<PatroniTarget, string> Inject)
{
    /// <summary>Ends the fault (a hang that ends, a link that comes back); null: it lasts the whole window.</summary>
    public Func<PatroniTarget, string>? Heal { get; init; }

    /// <summary>What the timeline shows on the primary's lane while the fault holds.</summary>
    public required string Condition { get; init; }

    public override string ToString() => Name;
}

/// <summary>The faults Patroni is measured on: freeze, crash of postgres and Patroni, power loss, partition of the primary.</summary>
public static class PatroniFaults
{
    /// <summary>
    /// Primary freeze: SIGSTOP to the primary's Patroni, then to every PostgreSQL process of it;
    /// SIGCONT after the hold (a hang that ends, like a paused VM resuming). The resumed old
    /// primary is where two primaries can happen: its PostgreSQL takes writes again until its
    /// Patroni runs a cycle, finds the leader key gone, and demotes it.
    /// </summary>
    public static PatroniFault Hang { get; } = new("hang", 1, t =>
    {
        IReadOnlyList<int> postgres = t.Primary.PostgresPids();
        t.Mark();
        PosixSignals.Send(t.Primary.PatroniPid, PosixSignals.SigStop);
        foreach (int pid in postgres)
        {
            PosixSignals.Send(pid, PosixSignals.SigStop);
        }

        return $"kill -STOP of {t.Primary.Name}'s patroni and postgres";
    })
    {
        Heal = t =>
        {
            // PostgreSQL and Patroni resume together (microseconds apart), as a resumed machine would.
            foreach (int pid in t.Primary.PostgresPids())
            {
                PosixSignals.Send(pid, PosixSignals.SigCont);
            }

            PosixSignals.Send(t.Primary.PatroniPid, PosixSignals.SigCont);
            return $"{t.Primary.Name} resumed";
        },
        Condition = "frozen",
    };

    /// <summary>
    /// Primary crash: kill -9 of the primary's Patroni and of every PostgreSQL process (the
    /// postmaster and its backends). All are stopped first, then killed: a backend left running
    /// after its postmaster died could still acknowledge a commit, which no crash allows.
    /// The node's kernel and link stay up, so clients get connection resets at once.
    /// </summary>
    public static PatroniFault PrimaryCrash { get; } = new("primary-crash", 0, t =>
    {
        var pids = t.Primary.PostgresPids().Prepend(t.Primary.PatroniPid).ToList();
        t.Mark();
        foreach (int pid in pids)
        {
            PosixSignals.Send(pid, PosixSignals.SigStop);
        }

        foreach (int pid in pids)
        {
            PosixSignals.Send(pid, PosixSignals.SigKill);
        }

        return $"kill -9 of {t.Primary.Name}'s patroni and postgres";
    }) { Condition = "killed" };

    /// <summary>
    /// Power loss: the primary's link down, every process of its namespace killed, its addresses
    /// flushed, in that order (the keepalived fault's order and reason: a machine losing power
    /// sends nothing more, not even the resets a dying process's kernel would).
    /// </summary>
    public static PatroniFault PowerLoss { get; } = new("power-loss", 2, t =>
    {
        string node = t.Primary.Name;
        t.Mark();
        t.Cluster.Network.SetLink(node, up: false);
        t.Cluster.Network.SignalAll(t.Cluster.Network.NamespaceOf(node), PosixSignals.SigKill);
        t.Cluster.Network.FlushAddresses(node);
        return $"power loss of {node}";
    }) { Condition = "power off" };

    /// <summary>
    /// Partition of the primary: its namespace's link down, so it reaches neither etcd, nor the
    /// replica, nor the client (the catalogue's link-loss). Its processes keep running: a client
    /// on the node itself can still write to it, which the direct probe does. Back up after the hold.
    /// </summary>
    public static PatroniFault LinkLoss { get; } = new("link-loss", 3, t =>
    {
        t.Mark();
        t.Cluster.Network.SetLink(t.Primary.Name, up: false);
        return $"link down on {t.Primary.Name}";
    })
    {
        Heal = t =>
        {
            t.Cluster.Network.SetLink(t.Primary.Name, up: true);
            return $"link up on {t.Primary.Name}";
        },
        Condition = "link down",
    };

    public static IReadOnlyList<PatroniFault> All { get; } = [Hang, PrimaryCrash, PowerLoss, LinkLoss];

    private static readonly Dictionary<string, string> Aliases = new(StringComparer.Ordinal)
    {
        ["freeze"] = "hang",
        ["crash"] = "primary-crash",
        ["kill-9"] = "primary-crash",
        // `--scenario agent-crash --peer patroni`: Patroni's process is its agent, but killing it
        // alone leaves PostgreSQL a primary: the crash kills postgres and Patroni.
        ["agent-crash"] = "primary-crash",
        ["power"] = "power-loss",
        ["partition-of-primary"] = "link-loss",
    };

    /// <summary>Parses a scenario name (hang, primary-crash, power-loss, link-loss, or an alias).</summary>
    public static PatroniFault Parse(string scenario)
    {
        string name = Aliases.GetValueOrDefault(scenario, scenario);
        return All.FirstOrDefault(f => f.Name == name)
            ?? throw new ArgumentException($"unknown Patroni scenario '{scenario}'; known: {string.Join(", ", All.Select(f => f.Name))} (aliases: {string.Join(", ", Aliases.Keys)})", nameof(scenario));
    }
}
