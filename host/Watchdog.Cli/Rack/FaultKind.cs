namespace Watchdog.Cli.Rack;

/// <summary>The faults a rack cluster can suffer, injected the way an operator would meet them.</summary>
public enum FaultKind
{
    /// <summary>kill -9 of the active's agent: its heartbeat stops, the service keeps running.</summary>
    AgentCrash,

    /// <summary>kill -STOP of every process on the active: a hang with the kernel alive.</summary>
    Hang,

    /// <summary>The active loses power: processes die, power-good falls.</summary>
    Power,

    /// <summary>The active's NIC link goes down (cable pulled).</summary>
    Link,

    /// <summary>The broker stops; wires stay fine. Nothing may fail over.</summary>
    BrokerStop,

    /// <summary>The board is killed in the middle of a failover (after the active hangs) and restarted.</summary>
    BoardRestart,

    /// <summary>Not a fault: a planned, signed switchover to the standby.</summary>
    Switchover,

    /// <summary>The two servers cannot reach each other (blackhole routes both ways); every wire and the broker path stay up. Nothing may fail over.</summary>
    Partition,

    /// <summary>
    /// The active's links flap: three down/up cycles of about 5 ms, meant to stay inside the
    /// board's debounce. On a loaded machine `ip` may hold a link down longer; then a failover is
    /// right too. Either way it must be safe and leave exactly one active.
    /// </summary>
    LinkFlap,
}

public static class FaultNames
{
    private static readonly (FaultKind Kind, string Name)[] Table =
    [
        (FaultKind.AgentCrash, "agent-crash"),
        (FaultKind.Hang, "hang"),
        (FaultKind.Power, "power-loss"),
        (FaultKind.Link, "link-loss"),
        (FaultKind.BrokerStop, "broker-loss"),
        (FaultKind.BoardRestart, "board-restart"),
        (FaultKind.Switchover, "switchover"),
        (FaultKind.Partition, "partition"),
        (FaultKind.LinkFlap, "link-flap"),
    ];

    public static string Name(this FaultKind kind) => Table.First(t => t.Kind == kind).Name;

    public static IEnumerable<string> All => Table.Select(t => t.Name);

    public static FaultKind Parse(string name)
    {
        // "power" and "link" are the demo's short forms.
        var canonical = name switch { "power" => "power-loss", "link" => "link-loss", _ => name };
        foreach (var (kind, word) in Table)
        {
            if (word == canonical)
            {
                return kind;
            }
        }

        throw new FormatException($"unknown fault '{name}': one of {string.Join(", ", All)}");
    }
}
