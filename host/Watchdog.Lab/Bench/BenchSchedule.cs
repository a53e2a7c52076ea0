using Watchdog.Lab.Faults;

namespace Watchdog.Lab.Bench;

/// <summary>
/// One entry of a bench schedule: a server fault of the catalogue, a board fault of a pair (the
/// authority board fails, then the active's agent crashes under the other board), or a cut of the
/// pair's wires (with an agent crash under it). Exactly one of the three is set.
/// </summary>
public sealed record BenchFault
{
    public Fault? Server { get; init; }

    public BoardFault? Board { get; init; }

    public PairWireFault? Wire { get; init; }

    public string Name => Server?.Name ?? Board?.Name ?? Wire?.Name ?? throw new InvalidOperationException("an empty bench fault");

    /// <summary>Only a rack with a pair of boards (--boards 2) can suffer it.</summary>
    public bool NeedsPair => Board is not null || Wire is not null;

    public static implicit operator BenchFault(Fault f) => new() { Server = f };

    public static implicit operator BenchFault(BoardFault f) => new() { Board = f };

    public static implicit operator BenchFault(PairWireFault f) => new() { Wire = f };

    public override string ToString() => Name;
}

/// <summary>What the bench runs: the faults of --scenario, and the pool chaos draws from.</summary>
public static class BenchSchedule
{
    /// <summary>
    /// The faults of <c>--scenario</c>: "all" (every server fault, and with a pair every board fault
    /// too) or names, comma-separated: catalogue names and aliases, board faults, pair wire faults.
    /// A board or wire fault needs <paramref name="boards"/> = 2.
    /// </summary>
    /// <exception cref="FormatException">An unknown name, a pair fault without a pair, or boards not 1 or 2.</exception>
    public static IReadOnlyList<BenchFault> Parse(string scenario, int boards)
    {
        CheckBoards(boards);
        if (scenario == "all")
        {
            return boards == 2
                ? [.. FaultCatalogue.All.Select(f => (BenchFault)f), .. BoardFaults.All.Select(f => (BenchFault)f)]
                : [.. FaultCatalogue.All.Select(f => (BenchFault)f)];
        }

        var faults = new List<BenchFault>();
        foreach (var word in scenario.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            BenchFault fault = BoardFaults.Find(word) is { } board ? board
                : PairWireFaults.Find(word) is { } wire ? wire
                : FaultCatalogue.All.Any(f => f.Name == word || f.Aliases.Contains(word)) ? FaultCatalogue.Parse(word)
                : throw new FormatException($"--scenario {word}: unknown; one of {string.Join(", ", Names)}, or all");
            if (fault.NeedsPair && boards != 2)
            {
                throw new FormatException($"--scenario {word} fails one board of a pair or the wires between them: it needs --boards 2");
            }

            faults.Add(fault);
        }

        return faults.Count > 0 ? faults : throw new FormatException("--scenario: no fault named");
    }

    /// <summary>
    /// What chaos draws from. One board: the catalogue, in its order (seeded schedules of one board
    /// stay as they were). A pair: the catalogue, then the board faults, then the pair's wire faults.
    /// </summary>
    public static IReadOnlyList<BenchFault> ChaosPool(int boards)
    {
        CheckBoards(boards);
        IEnumerable<BenchFault> pool = FaultCatalogue.All.Select(f => (BenchFault)f);
        if (boards == 2)
        {
            pool = pool.Concat(BoardFaults.All.Select(f => (BenchFault)f)).Concat(PairWireFaults.All.Select(f => (BenchFault)f));
        }

        return [.. pool];
    }

    /// <summary>Every name --scenario takes (aliases aside).</summary>
    public static IEnumerable<string> Names =>
        FaultCatalogue.All.Select(f => f.Name).Concat(BoardFaults.All.Select(f => f.Name)).Concat(PairWireFaults.All.Select(f => f.Name));

    private static void CheckBoards(int boards)
    {
        if (boards is not (1 or 2))
        {
            throw new FormatException($"--boards {boards}: a rack has one board or a pair (2)");
        }
    }
}
