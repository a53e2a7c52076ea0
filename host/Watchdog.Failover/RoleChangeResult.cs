using Watchdog.Protocol.Wire;

namespace Watchdog.Failover;

/// <summary>What became of one grant.</summary>
public enum RoleChangeOutcome
{
    /// <summary>The transition ran and every step succeeded.</summary>
    Applied = 0,

    /// <summary>The node already had this role at this epoch: nothing ran.</summary>
    Unchanged = 1,

    /// <summary>The grant's epoch is below the highest already applied: refused, nothing ran.</summary>
    RefusedStale = 2,

    /// <summary>A promote step failed; the demote steps ran as a rollback and the node stays not active.</summary>
    PromoteRolledBack = 3,

    /// <summary>Demoted (the virtual IP removal was attempted first), but a step failed: the node cannot prove it is out.</summary>
    DemotedWithErrors = 4,

    /// <summary>The grant itself is malformed (unknown role, negative epoch): refused, nothing ran.</summary>
    Invalid = 5,
}

/// <summary>
/// The answer to RoleExecutor.ApplyAsync, shaped for a GrantAck: Ok, Detail, Role, Epoch.
/// Ok is true only when the node now is what the grant says with nothing left undone: a
/// promote whose steps all passed, a demote whose steps all passed, or a repeat. Ok=false after
/// a demote means "demoted as far as possible, but not provably out": the board should fence
/// before it promotes another node.
/// </summary>
public sealed class RoleChangeResult
{
    public bool Ok { get; init; }

    public RoleChangeOutcome Outcome { get; init; }

    /// <summary>One line for the GrantAck and the log: what happened, and on failure which step and why.</summary>
    public string Detail { get; init; } = "";

    /// <summary>The node's role after this grant was handled.</summary>
    public NodeRole Role { get; init; }

    /// <summary>The highest epoch applied after this grant was handled (the grant's epoch unless it was refused).</summary>
    public long Epoch { get; init; }

    /// <summary>From the start of the transition to its end (queueing behind other grants not included).</summary>
    public TimeSpan Took { get; init; }

    /// <summary>Every step that ran, in order, with its outcome and captured output.</summary>
    public IReadOnlyList<StepReport> Steps { get; init; } = Array.Empty<StepReport>();

    public override string ToString() => $"{(Ok ? "ok" : "FAILED")} {WireWords.Of(Role)}@{Epoch} in {(long)Took.TotalMilliseconds} ms: {Detail}";
}

/// <summary>One step of a transition.</summary>
/// <param name="Step">What ran, e.g. "promote hook 0 (start-db)", "vip add 192.0.2.10/32 dev eth0", "gratuitous arp".</param>
/// <param name="Ok">Whether it succeeded.</param>
/// <param name="Detail">"exit 0", "exit 3", "timed out after 5000 ms, killed with SIGKILL ...", "already present".</param>
/// <param name="Took">How long it ran.</param>
/// <param name="Output">Captured stdout/stderr (bounded), "" when there was none.</param>
public sealed record StepReport(string Step, bool Ok, string Detail, TimeSpan Took, string Output)
{
    public override string ToString() => $"{Step}: {(Ok ? "ok" : "FAILED")}, {Detail}, {(long)Took.TotalMilliseconds} ms";
}
