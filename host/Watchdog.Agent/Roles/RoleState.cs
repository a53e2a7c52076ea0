using Watchdog.Agent.Status;

namespace Watchdog.Agent.Roles;

/// <summary>
/// The node's role as granted by the board. Grants are applied one at a time in arrival order;
/// a grant with an epoch lower than the highest seen is ignored (a stale retained grant or a
/// delayed message from before a failover must never undo a newer decision). Each applied grant
/// is answered with a GrantAck saying whether the actions succeeded. A node that left the active
/// role other than by a grant (the board's silence, the ROLE wire, a demote request, a restart of
/// the agent) takes it again only from a grant with a newer epoch: its "standby at epoch E" stays
/// true, and the board, hearing it, ends the claim and grants under a new epoch (the core's
/// GroupArbiter.SteppedDownOnItsOwn).
/// </summary>
public sealed class RoleState
{
    private readonly string _node;
    private readonly string _group;
    private readonly IRoleActions _actions;
    private readonly AgentStatus _status;
    private readonly IAgentEvents _events;
    private readonly BoardContact _contact;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _serial = new(1, 1);
    private readonly EpochMemory _memory;
    private long _highestEpoch;
    private long _steppedDownAt;
    private volatile NodeRole _role = NodeRole.None;
    private Grant? _latest;

    public RoleState(string node, string group, IRoleActions actions, AgentStatus status, IAgentEvents events, BoardContact contact, TimeProvider time)
        : this(node, group, actions, status, events, contact, time, new EpochMemory(""))
    {
    }

    public RoleState(string node, string group, IRoleActions actions, AgentStatus status, IAgentEvents events, BoardContact contact, TimeProvider time, EpochMemory memory)
    {
        _node = node;
        _group = group;
        _actions = actions;
        _status = status;
        _events = events;
        _contact = contact;
        _time = time;
        _memory = memory;
        _highestEpoch = memory.Load();
        // A restart left whatever role the node held (the start sweeps a leftover address): like a
        // step-down, it takes active again only from a grant newer than the epoch it remembers, not
        // from the retained grant of before the restart.
        _steppedDownAt = _highestEpoch;
    }

    /// <summary>Published after a grant was carried out (or failed).</summary>
    public event Func<GrantAck, Task>? Acknowledged;

    public NodeRole Role => _role;

    public long HighestEpoch => Interlocked.Read(ref _highestEpoch);

    public Grant? LatestGrant => Volatile.Read(ref _latest);

    /// <param name="live">False for a retained grant delivered on subscribe: it may be old, so it does not count as contact with the board.</param>
    public Task HandleGrantAsync(Grant grant, bool live, CancellationToken ct) => HandleGrantAsync(grant, live, "", ct);

    /// <param name="proof">The grant's sealed payload as text, kept as evidence for the board; "" when unsealed.</param>
    public async Task HandleGrantAsync(Grant grant, bool live, string proof, CancellationToken ct)
    {
        if (grant.Node != _node)
        {
            _events.Raise("grant-ignored", Severity.Warning, "grant for node '" + grant.Node + "' arrived on this node's topic");
            return;
        }

        if (live)
        {
            _contact.Heard("grant");
        }

        await _serial.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (grant.Epoch < _highestEpoch)
            {
                _events.Raise("grant-stale", Severity.Warning, "ignored grant of " + WireWords.Of(grant.Role) + " with epoch " + grant.Epoch + " below the highest seen " + _highestEpoch);
                return;
            }

            if (grant.Role == NodeRole.Active && grant.Epoch <= _steppedDownAt)
            {
                _events.Raise("grant-stale", Severity.Warning, "ignored grant of active with epoch " + grant.Epoch + ": this node left the role at epoch " + _steppedDownAt + " (stepped down, or the agent restarted) and takes it again only from a newer grant");
                return;
            }

            // Durable before the grant is acknowledged or its role published: after a restart a
            // replay of anything older is refused. The write runs beside the role change rather
            // than before it, because its fdatasync (0.5-17 ms under the bench) would otherwise
            // sit between the grant and the address clients wait for. A crash before the write
            // is done loses the epoch either way, acted on or not, and the restarted agent sweeps
            // a leftover address (the start's rule), so acting first widens nothing a replay can use.
            Task durable = grant.Epoch > _highestEpoch ? SaveBesideAsync(grant.Epoch) : Task.CompletedTask;
            NodeRole from = _role;
            var change = new RoleChange(grant.Group.Length > 0 ? grant.Group : _group, from, grant.Role, grant.Epoch, grant.Reason);
            RoleActionResult result;
            if (grant.Role == from)
            {
                result = RoleActionResult.Done("already " + WireWords.Of(from));
            }
            else if (grant.Role == NodeRole.Active)
            {
                result = await _actions.PromoteAsync(change, ct).ConfigureAwait(false);
            }
            else
            {
                result = await _actions.DemoteAsync(change, ct).ConfigureAwait(false);
            }

            result = await UnlessNotDurableAsync(durable, change, result, ct).ConfigureAwait(false);

            _highestEpoch = grant.Epoch;
            Volatile.Write(ref _latest, grant);
            // A failed promote leaves the node where it was; the ack hands the grant back.
            _role = result.Ok ? grant.Role : (grant.Role == NodeRole.Active ? from : grant.Role);
            // The proof goes with the role and epoch in one step, so no state pairs one with another's proof.
            _status.SetRole(_role, _highestEpoch, (result.Ok ? "" : "grant of " + WireWords.Of(grant.Role) + " failed: ") + result.Detail, proof);
            if (from != _role)
            {
                _events.Raise("role-changed", Severity.Info, WireWords.Of(from) + " -> " + WireWords.Of(_role) + " at epoch " + grant.Epoch + (grant.Reason.Length > 0 ? " (" + grant.Reason + ")" : ""));
            }
            else if (!result.Ok)
            {
                _events.Raise("role-change-failed", Severity.Alert, WireWords.Of(from) + " -> " + WireWords.Of(grant.Role) + " at epoch " + grant.Epoch + ": " + result.Detail);
            }

            Func<GrantAck, Task>? ack = Acknowledged;
            if (ack != null)
            {
                await ack(new GrantAck
                {
                    Node = _node,
                    Group = change.Group,
                    Role = grant.Role,
                    Epoch = grant.Epoch,
                    Ok = result.Ok,
                    Detail = result.Detail,
                    Timestamp = _time.GetUtcNow().ToUnixTimeMilliseconds(),
                }).ConfigureAwait(false);
            }
        }
        finally
        {
            _serial.Release();
        }
    }

    // On the thread pool, so the role change starts at once; a failure surfaces when awaited.
    private Task SaveBesideAsync(long epoch) => Task.Run(() => _memory.Save(epoch));

    /// <summary>
    /// The role change's result once the epoch is durable. If it could not be made durable the
    /// grant is handed back (Ok=false): a node that took the active role under it gives the role
    /// up again first, since an acknowledged grant must survive a restart.
    /// </summary>
    private async Task<RoleActionResult> UnlessNotDurableAsync(Task durable, RoleChange change, RoleActionResult result, CancellationToken ct)
    {
        try
        {
            await durable.ConfigureAwait(false);
            return result;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            string why = "the epoch " + change.Epoch + " could not be made durable (" + e.Message + ")";
            if (change.To == NodeRole.Active && change.From != NodeRole.Active && result.Ok)
            {
                RoleActionResult undone = await _actions.DemoteAsync(change with { From = NodeRole.Active, To = change.From, Reason = why }, ct).ConfigureAwait(false);
                why += undone.Ok ? "; the promote was rolled back" : "; rolling the promote back failed too: " + undone.Detail;
            }

            return RoleActionResult.Failed(why);
        }
    }

    /// <summary>
    /// The ROLE wire changed. Released while active means the board revoked the grant without
    /// the broker: demote at once (same epoch). Asserted alone never promotes: a promotion needs
    /// the epoch that only a grant message carries.
    /// </summary>
    public async Task HandleRoleWireAsync(bool asserted, CancellationToken ct)
    {
        _contact.Heard("role wire");
        if (!asserted)
        {
            await DemoteAsync("ROLE wire released by the board", _highestEpoch, ct).ConfigureAwait(false);
        }
    }

    /// <summary>The board asked this node to step down (AgentRequest demote, or the ROLE wire). A request with a stale epoch is ignored.</summary>
    public async Task DemoteAsync(string reason, long epoch, CancellationToken ct)
    {
        await _serial.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (epoch < _highestEpoch)
            {
                _events.Raise("request-stale", Severity.Warning, "ignored demote request with epoch " + epoch + " below the highest seen " + _highestEpoch);
                return;
            }

            if (_role != NodeRole.Active)
            {
                return;
            }

            var change = new RoleChange(_group, NodeRole.Active, NodeRole.Standby, _highestEpoch, reason);
            RoleActionResult result = await _actions.DemoteAsync(change, ct).ConfigureAwait(false);
            _role = NodeRole.Standby;
            _steppedDownAt = _highestEpoch;
            _status.SetRole(_role, _highestEpoch, change.Reason + (result.Ok ? "" : "; demote actions failed: " + result.Detail));
            _events.Raise("role-changed", result.Ok ? Severity.Warning : Severity.Alert, "active -> standby: " + change.Reason + (result.Ok ? "" : "; demote actions failed: " + result.Detail));
        }
        finally
        {
            _serial.Release();
        }
    }
}
