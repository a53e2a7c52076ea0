namespace Watchdog.Bench.Keepalived;

/// <summary>
/// The faults the bench injects into the keepalived pair, always on the current master, by the
/// means an operator would see. Scenario names match our own scenarios where the fault matches.
/// </summary>
public enum KeepalivedFault
{
    /// <summary>"kill-9": SIGKILL to the master's keepalived (VRRP child, then parent). Its service keeps running.</summary>
    Kill9,

    /// <summary>"freeze": SIGSTOP to the master's keepalived and service; SIGCONT after the hold time (a hang that ends).</summary>
    Freeze,

    /// <summary>"power-loss": the master's NIC down, SIGKILL to every process in its namespace, its addresses flushed (in that order).</summary>
    PowerLoss,

    /// <summary>"link-loss": the master's NIC set down (ip link set eth0 down inside its namespace), for the whole window.</summary>
    LinkLoss,

    /// <summary>"partition": the two servers cannot reach each other (bridge port isolation) but both still reach the client; healed after the hold time.</summary>
    Partition,
}

public static class KeepalivedFaults
{
    public static IReadOnlyList<KeepalivedFault> All { get; } =
        [KeepalivedFault.Kill9, KeepalivedFault.Freeze, KeepalivedFault.PowerLoss, KeepalivedFault.LinkLoss, KeepalivedFault.Partition];

    public static string ScenarioName(this KeepalivedFault fault) => fault switch
    {
        KeepalivedFault.Kill9 => "kill-9",
        KeepalivedFault.Freeze => "freeze",
        KeepalivedFault.PowerLoss => "power-loss",
        KeepalivedFault.LinkLoss => "link-loss",
        KeepalivedFault.Partition => "partition",
        _ => throw new ArgumentOutOfRangeException(nameof(fault), fault, "unknown keepalived fault"),
    };

    /// <summary>Parses a scenario name (kill-9, freeze, power-loss, link-loss, partition).</summary>
    public static KeepalivedFault Parse(string scenario) =>
        All.FirstOrDefault(f => f.ScenarioName() == scenario) is var fault && fault.ScenarioName() == scenario
            ? fault
            : throw new ArgumentException($"unknown keepalived scenario '{scenario}'; known: {string.Join(", ", All.Select(f => f.ScenarioName()))}", nameof(scenario));
}
