using Watchdog.Lab.Rack;

namespace Watchdog.Lab.Faults;

/// <summary>
/// A fault of one board of a pair (RackClusterOptions.Boards = 2): what happens to the board, and
/// what the rack gives back after the measurement. The server faults are <see cref="FaultCatalogue"/>'s.
/// </summary>
public sealed record BoardFault
{
    public required string Name { get; init; }

    public required string Description { get; init; }

    /// <summary>Injects the fault into the board named.</summary>
    public required Action<RackCluster, string> Inject { get; init; }

    /// <summary>After authority has moved: gives the board back what the fault took (power), if anything.</summary>
    public Action<RackCluster, string> Recover { get; init; } = (_, _) => { };

    public override string ToString() => Name;
}

/// <summary>The board faults `watchdogctl demo --boards 2` offers; each hits the board holding authority.</summary>
public static class BoardFaults
{
    public static BoardFault Crash { get; } = new()
    {
        Name = "board-crash",
        Description = "kill -9 of the authority board: it stays dead (a crashed MCU) until its peer pulses its reset",
        Inject = (c, b) => c.KillBoard(b),
    };

    public static BoardFault Freeze { get; } = new()
    {
        Name = "board-freeze",
        Description = "kill -STOP of the authority board: it hangs with its outputs held until its peer holds it in reset",
        Inject = (c, b) => c.FreezeBoard(b),
        // Held in reset by the new authority, it was killed and has booted again: nothing left frozen.
        Recover = (c, b) => c.ThawBoard(b),
    };

    public static BoardFault PowerLoss { get; } = new()
    {
        Name = "board-power-loss",
        Description = "the authority board loses power: it stops at once and stays off until power returns",
        Inject = (c, b) => c.BoardPowerLoss(b),
        Recover = (c, b) => c.BoardPowerRestored(b),
    };

    public static IReadOnlyList<BoardFault> All { get; } = [Crash, Freeze, PowerLoss];

    /// <summary>A board fault by name, or null when the name is not one (a server fault, perhaps).</summary>
    public static BoardFault? Find(string name) => All.FirstOrDefault(f => f.Name == name);
}

/// <summary>
/// A fault of the wires between the two boards of a pair: cut while a server fault is handled,
/// then mended. Nothing may change hands (docs/safety-rules.md, "Two boards": one silent path is
/// a wire fault, an alert, never an action).
/// </summary>
public sealed record PairWireFault
{
    public required string Name { get; init; }

    public required string Description { get; init; }

    /// <summary>The board-side alert the cut should raise (reported, not required).</summary>
    public required string Alert { get; init; }

    /// <summary>Cuts (true) or mends (false) the wire; the board named holds authority at the cut.</summary>
    public required Action<RackCluster, string, bool> Cut { get; init; }

    public override string ToString() => Name;
}

/// <summary>The pair's wire faults the bench's chaos draws with --boards 2.</summary>
public static class PairWireFaults
{
    public static PairWireFault HeartbeatCut { get; } = new()
    {
        Name = "pair-heartbeat-cut",
        Description = "the heartbeat wire from the authority board to its peer is cut: an alert on the passive, nothing else",
        Alert = "pair-peer-heartbeat-silent",
        Cut = (c, authority, cut) => c.CutPairHeartbeat(authority, cut),
    };

    public static PairWireFault LinkCut { get; } = new()
    {
        Name = "pair-link-cut",
        Description = "the pair's data link is cut: alerts, the authority works alone, the passive is out of sync until the link is back",
        Alert = "pair-link-silent",
        Cut = (c, _, cut) => c.CutPairLink(cut),
    };

    public static IReadOnlyList<PairWireFault> All { get; } = [HeartbeatCut, LinkCut];

    public static PairWireFault? Find(string name) => All.FirstOrDefault(f => f.Name == name);
}
