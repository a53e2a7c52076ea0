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
