using Watchdog.Failover;

namespace Watchdog.Agent.Roles;

/// <summary>
/// Carries out role changes with the Failover library: on promote the hooks and then the virtual
/// IP, on demote the virtual IP first and then the hooks (docs/failover.md). A failed promote is
/// rolled back there and reported here, so the agent hands the grant back (GrantAck ok=false).
/// </summary>
public sealed class FailoverRoleActions(RoleExecutor executor, string node) : IRoleActions, IDisposable
{
    public Task<RoleActionResult> PromoteAsync(RoleChange change, CancellationToken ct) => ApplyAsync(change, ct);

    public Task<RoleActionResult> DemoteAsync(RoleChange change, CancellationToken ct) => ApplyAsync(change, ct);

    private async Task<RoleActionResult> ApplyAsync(RoleChange change, CancellationToken ct)
    {
        var grant = new Grant { Group = change.Group, Node = node, Role = change.To, Epoch = change.Epoch, Reason = change.Reason };
        RoleChangeResult result = await executor.ApplyAsync(grant, ct).ConfigureAwait(false);
        return new RoleActionResult(result.Ok, result.Detail);
    }

    public Task<string> WarmUpAsync(CancellationToken ct) => executor.WarmUpAsync(ct);

    public void Dispose() => executor.Dispose();
}
