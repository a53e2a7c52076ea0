namespace Watchdog.Agent.Roles;

/// <summary>A role change the agent is asked to carry out.</summary>
/// <param name="Epoch">The board's epoch for this grant: hooks get it as a fencing token.</param>
public sealed record RoleChange(string Group, NodeRole From, NodeRole To, long Epoch, string Reason);

/// <summary>What became of a role change (a failed promote is reported and the grant handed back).</summary>
public readonly record struct RoleActionResult(bool Ok, string Detail)
{
    public static RoleActionResult Done(string detail) => new(true, detail);

    public static RoleActionResult Failed(string detail) => new(false, detail);
}

/// <summary>
/// The seam for role changes: promote/demote hooks and the virtual IP implement this.
/// RoleState calls it one change at a time, in the order the grants arrive, never concurrently.
/// </summary>
public interface IRoleActions
{
    Task<RoleActionResult> PromoteAsync(RoleChange change, CancellationToken ct);

    Task<RoleActionResult> DemoteAsync(RoleChange change, CancellationToken ct);

    /// <summary>
    /// Runs the code of a role change once at start without changing anything, so that a JIT
    /// runtime has compiled it before the first takeover (docs/agent.md, "At start"). Returns
    /// what ran, for the log; "" when there is nothing to warm up.
    /// </summary>
    Task<string> WarmUpAsync(CancellationToken ct) => Task.FromResult("");
}

/// <summary>The default until hooks exist: records the role and does nothing else.</summary>
public sealed class NoRoleActions : IRoleActions
{
    public Task<RoleActionResult> PromoteAsync(RoleChange change, CancellationToken ct) =>
        Task.FromResult(RoleActionResult.Done("no promote actions configured"));

    public Task<RoleActionResult> DemoteAsync(RoleChange change, CancellationToken ct) =>
        Task.FromResult(RoleActionResult.Done("no demote actions configured"));
}
