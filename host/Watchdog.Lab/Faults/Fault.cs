using Watchdog.Bench.Keepalived;
using Watchdog.Bench.Patroni;
using Watchdog.Lab.Rack;
using Watchdog.Sim.Rack;

namespace Watchdog.Lab.Faults;

/// <summary>What a run must end with once a fault is injected.</summary>
public enum Outcome
{
    /// <summary>The standby must take over (after the old active is confirmed out).</summary>
    Takeover,

    /// <summary>Nothing may fail over: the wires say the active is fine. The fault is held, then healed.</summary>
    StayActive,

    /// <summary>Either is right, as long as exactly one active serves the address.</summary>
    OneActive,
}

/// <summary>The rack, the victim (the active) and its successor (the standby) at the moment a fault is injected.</summary>
public sealed record FaultScene(RackCluster Cluster, string Victim, string Successor, Action<string> Say, CancellationToken Ct)
{
    public SimulatedServer VictimServer => Cluster.Server(Victim);

    public SimulatedServer SuccessorServer => Cluster.Server(Successor);
}

/// <summary>
/// One fault of the catalogue (<see cref="FaultCatalogue"/>): its name, how the rack suffers it
/// and gets over it, what must happen, and its counterpart in each peer system we measure against.
/// </summary>
public sealed record Fault
{
    /// <summary>The one name, in reports, timelines and on the command line.</summary>
    public required string Name { get; init; }

    /// <summary>Other names accepted on the command line (the demo's short forms, older names).</summary>
    public IReadOnlyList<string> Aliases { get; init; } = [];

    public required string Description { get; init; }

    public required Outcome Expected { get; init; }

    /// <summary>`watchdogctl demo --fault` offers it (the bench runs every fault).</summary>
    public bool InDemo { get; init; }

    /// <summary>Injects the fault into the victim, as an operator would meet it.</summary>
    public required Func<FaultScene, Task> Inject { get; init; }

    /// <summary>For <see cref="Outcome.StayActive"/>: ends the fault after the hold, while the run still watches.</summary>
    public Func<FaultScene, Task> Heal { get; init; } = _ => Task.CompletedTask;

    /// <summary>After the measurement: gives the victim back what the fault took (power, a link, a frozen process).</summary>
    public Action<FaultScene> Recover { get; init; } = _ => { };

    /// <summary>keepalived's side of the same fault, or null when keepalived has no counterpart (no broker, no board).</summary>
    public KeepalivedFault? Keepalived { get; init; }

    /// <summary>Patroni's side of the same fault, or null when it has none (no broker, no board, no partition between two live servers).</summary>
    public PatroniFault? Patroni { get; init; }

    public override string ToString() => Name;
}
