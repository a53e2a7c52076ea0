using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Watchdog.Failover.Kernel;
using Watchdog.Platform.Processes;
using Watchdog.Protocol.Messages;
using Watchdog.Protocol.Wire;

namespace Watchdog.Failover;

/// <summary>
/// Carries out the board's grants on this server. One transition at a time, in the order
/// ApplyAsync was called. The guaranteed order of steps (docs/failover.md):
/// <list type="bullet">
/// <item>promote: promote hooks in order (the first failure stops), then `ip address add` of
/// the virtual IP, then one gratuitous ARP (more follow in the background). Clients can reach
/// the address only once the service behind it was made active.</item>
/// <item>demote: stop pending ARP announcements, remove the virtual IP FIRST (no new client
/// reaches this node from here on), then every demote hook in order, each even if an earlier
/// one failed.</item>
/// <item>a failed promote (hook exit != 0, timeout, address not added) runs the demote steps as
/// a rollback and reports Ok=false, so the agent can hand the grant back.</item>
/// </list>
/// A grant with an epoch below the highest applied is refused without side effects; repeating
/// the current role at the current epoch runs nothing.
/// </summary>
public sealed partial class RoleExecutor : IDisposable
{
    private readonly FailoverOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly IProcessRunner _runner;
    private readonly HookSequence _hooks;
    private readonly VirtualIpAction? _vip;
    private readonly object _queueGate = new();
    private Task _queueTail = Task.CompletedTask;
    private volatile NodeRole _role = NodeRole.None;
    private long _epoch = long.MinValue;
    private bool _swept;

    /// <exception cref="ArgumentException">The options are not valid; the message lists every problem.</exception>
    public RoleExecutor(FailoverOptions options, IProcessRunner runner, TimeProvider time, ILogger? logger = null)
        : this(options, runner, time, logger, AddressRequests.Kernel)
    {
    }

    /// <param name="addresses">Where the virtual IP's netlink requests go: the kernel, or nowhere for the warm-up's dry copy.</param>
    internal RoleExecutor(FailoverOptions options, IProcessRunner runner, TimeProvider time, ILogger? logger, IAddressRequests addresses)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(runner);
        ArgumentNullException.ThrowIfNull(time);
        IReadOnlyList<string> problems = options.Validate();
        if (problems.Count > 0)
        {
            throw new ArgumentException("invalid failover options:" + Environment.NewLine + string.Join(Environment.NewLine, problems), nameof(options));
        }

        _options = options;
        _time = time;
        _logger = logger ?? NullLogger.Instance;
        _runner = runner;
        _hooks = new HookSequence(options.Hooks, runner, _logger);
        _vip = options.Vip.Enabled ? new VirtualIpAction(options.Vip, runner, time, _logger, addresses) : null;
        if (_vip != null)
        {
            _vip.Announced += report => BackgroundStepCompleted?.Invoke(report);
        }
    }

    /// <summary>A RoleExecutor that runs real processes on the system clock.</summary>
    public static RoleExecutor ForThisHost(FailoverOptions options, ILogger? logger = null) =>
        new(options, new ProcessRunner(TimeProvider.System), TimeProvider.System, logger);

    /// <summary>
    /// A step outside ApplyAsync's own list: each gratuitous ARP. Raised on a thread-pool thread,
    /// except the first of a packet-socket series, which is sent (and raised) before the promote
    /// returns; the agent can publish a warning event when one fails.
    /// </summary>
    public event Action<StepReport>? BackgroundStepCompleted;

    /// <summary>The role this node holds now (None until the first grant).</summary>
    public NodeRole CurrentRole => _role;

    /// <summary>The highest epoch applied so far (0 before the first grant).</summary>
    public long CurrentEpoch
    {
        get
        {
            long e = Interlocked.Read(ref _epoch);
            return e == long.MinValue ? 0 : e;
        }
    }

    /// <summary>
    /// Applies a grant: waits for the transitions queued before it, then promotes, demotes,
    /// records or refuses. Never throws for a failing step (the result says what failed); throws
    /// OperationCanceledException only when <paramref name="ct"/> fires while the grant still
    /// waits its turn. Cancelling during a promote fails and rolls it back; a demote, once
    /// started, always runs to its end (a half-done demote is worse than a slow one).
    /// </summary>
    public async Task<RoleChangeResult> ApplyAsync(Grant grant, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(grant);
        Task previous;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_queueGate)
        {
            // The tail of the chain is the order of arrival: each grant waits for the one before.
            previous = _queueTail;
            _queueTail = done.Task;
        }

        try
        {
            await previous.WaitAsync(ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Keep the chain intact: our slot finishes when the one before us does.
            _ = previous.ContinueWith(_ => done.TrySetResult(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            throw;
        }

        try
        {
            return await TransitionAsync(grant, ct).ConfigureAwait(false);
        }
        finally
        {
            done.TrySetResult();
        }
    }

    private async Task<RoleChangeResult> TransitionAsync(Grant grant, CancellationToken ct)
    {
        long started = _time.GetTimestamp();
        NodeRole from = _role;
        if (grant.Role is < NodeRole.None or > NodeRole.Active || grant.Epoch < 0)
        {
            return Refused(RoleChangeOutcome.Invalid, $"invalid grant: role {(int)grant.Role}, epoch {grant.Epoch}", started);
        }

        if (_epoch != long.MinValue && grant.Epoch < _epoch)
        {
            _logger.LogWarning("Refused stale grant of {Role} at epoch {Epoch}: this node already applied epoch {Highest}", WireWords.Of(grant.Role), grant.Epoch, _epoch);
            return Refused(RoleChangeOutcome.RefusedStale, $"stale epoch {grant.Epoch} < {_epoch} already applied; refused", started);
        }

        if (grant.Role == from && grant.Epoch == _epoch)
        {
            return new RoleChangeResult
            {
                Ok = true,
                Outcome = RoleChangeOutcome.Unchanged,
                Detail = $"already {WireWords.Of(from)} at epoch {grant.Epoch}; nothing run",
                Role = from,
                Epoch = grant.Epoch,
                Took = _time.GetElapsedTime(started),
            };
        }

        // The epoch counts from here on, even if the promote fails: the hooks have seen it as a
        // fencing token, so an older grant arriving late must stay refused.
        Interlocked.Exchange(ref _epoch, grant.Epoch);
        var steps = new List<StepReport>();
        RoleChangeResult result;
        if (grant.Role == NodeRole.Active)
        {
            // Active -> Active at a higher epoch runs the promote steps again: the fencing token changed.
            result = await PromoteAsync(grant, from, steps, started, ct).ConfigureAwait(false);
        }
        else if (from == NodeRole.Active)
        {
            result = await DemoteAsync(grant, from, "demote", grant.Reason, steps, started).ConfigureAwait(false);
        }
        else
        {
            result = await RecordAsync(grant, from, steps, started).ConfigureAwait(false);
        }

        _swept = true;
        _role = result.Role;
        if (result.Ok)
        {
            _logger.LogInformation("Role {From} -> {To} at epoch {Epoch}: {Result}", WireWords.Of(from), WireWords.Of(result.Role), grant.Epoch, result);
        }
        else
        {
            _logger.LogError("Role {From} -> {To} at epoch {Epoch} FAILED: {Result}", WireWords.Of(from), WireWords.Of(grant.Role), grant.Epoch, result);
        }

        return result;
    }

    private async Task<RoleChangeResult> PromoteAsync(Grant grant, NodeRole from, List<StepReport> steps, long started, CancellationToken ct)
    {
        _logger.LogInformation("Promoting to active at epoch {Epoch} (from {From}; reason: {Reason})", grant.Epoch, WireWords.Of(from), grant.Reason);
        if (_vip != null)
        {
            await _vip.StopAnnouncementsAsync().ConfigureAwait(false);
        }

        IReadOnlyDictionary<string, string> env = HookEnvironment.For("promote", NodeRole.Active, from, grant.Group, grant.Node, grant.Epoch, grant.Reason, _options.Vip);
        StepReport? failed = await _hooks.RunAsync("promote", _options.Hooks.Promote, env, stopOnFailure: true, steps, ct).ConfigureAwait(false);
        if (failed == null && _vip != null)
        {
            StepReport add = await _vip.AddAsync(ct).ConfigureAwait(false);
            steps.Add(add);
            failed = add.Ok ? null : add;
        }

        if (failed != null)
        {
            // Undo whatever ran: the node must not be half active. It falls back to standby (or
            // stays none when it never was a member with a role).
            NodeRole fallback = from == NodeRole.None ? NodeRole.None : NodeRole.Standby;
            string why = failed.Step + ": " + failed.Detail;
            RoleChangeResult undo = await DemoteAsync(grant, NodeRole.Active, "rollback", "rollback of failed promote: " + why, steps, started, fallback).ConfigureAwait(false);
            return new RoleChangeResult
            {
                Ok = false,
                Outcome = RoleChangeOutcome.PromoteRolledBack,
                Detail = "promote failed at " + why + "; rolled back" + (undo.Ok ? "" : " with errors: " + undo.Detail),
                Role = fallback,
                Epoch = grant.Epoch,
                Took = _time.GetElapsedTime(started),
                Steps = steps,
            };
        }

        if (_vip != null && _options.Vip.ArpCount > 0)
        {
            // Neighbours that cached the old holder's MAC learn the new one from these. The first
            // leaves now from a packet socket; the rest, and all of arping's (it lingers a second
            // after sending), run in the background; a failure is logged
            // and raised through BackgroundStepCompleted but does not undo a promote whose
            // address is in place.
            _vip.StartAnnouncements(_options.Vip.ArpCount);
            steps.Add(new StepReport("gratuitous arp", true, $"{_options.Vip.ArpCount} announcement(s) started, {_options.Vip.ArpIntervalMs} ms apart", TimeSpan.Zero, ""));
        }

        return new RoleChangeResult
        {
            Ok = true,
            Outcome = RoleChangeOutcome.Applied,
            Detail = $"promoted at epoch {grant.Epoch}: {Summary(steps)}",
            Role = NodeRole.Active,
            Epoch = grant.Epoch,
            Took = _time.GetElapsedTime(started),
            Steps = steps,
        };
    }

    /// <summary>The demote steps: address first, then every demote hook. Runs to its end whatever the caller's token says.</summary>
    private async Task<RoleChangeResult> DemoteAsync(Grant grant, NodeRole from, string action, string reason, List<StepReport> steps, long started, NodeRole? target = null)
    {
        NodeRole to = target ?? grant.Role;
        _logger.LogInformation("Demoting to {To} at epoch {Epoch} ({Action}; reason: {Reason})", WireWords.Of(to), grant.Epoch, action, reason);
        StepReport? failed = null;
        if (_vip != null)
        {
            await _vip.StopAnnouncementsAsync().ConfigureAwait(false);
            StepReport remove = await _vip.RemoveAsync(CancellationToken.None).ConfigureAwait(false);
            steps.Add(remove);
            failed = remove.Ok ? null : remove;
        }

        IReadOnlyDictionary<string, string> env = HookEnvironment.For(action, to, from, grant.Group, grant.Node, grant.Epoch, reason, _options.Vip);
        StepReport? hookFailed = await _hooks.RunAsync("demote", _options.Hooks.Demote, env, stopOnFailure: false, steps, CancellationToken.None).ConfigureAwait(false);
        failed ??= hookFailed;
        int failures = steps.Count(s => !s.Ok && (s.Step.StartsWith("demote", StringComparison.Ordinal) || s.Step.StartsWith("vip del", StringComparison.Ordinal)));
        return new RoleChangeResult
        {
            Ok = failed == null,
            Outcome = failed == null ? RoleChangeOutcome.Applied : RoleChangeOutcome.DemotedWithErrors,
            Detail = failed == null
                ? $"demoted to {WireWords.Of(to)} at epoch {grant.Epoch}: {Summary(steps)}"
                : $"demoted to {WireWords.Of(to)} at epoch {grant.Epoch} with {failures} failed step(s), first {failed.Step}: {failed.Detail}",
            Role = to,
            Epoch = grant.Epoch,
            Took = _time.GetElapsedTime(started),
            Steps = steps,
        };
    }

    /// <summary>
    /// None &lt;-&gt; Standby: no hooks, except at the first grant after start. That one runs the
    /// demote steps (the virtual IP removed if present, every demote hook with
    /// WATCHDOG_PREVIOUS_ROLE=none): the agent may have been restarted while its node was active,
    /// or the node may have been started as the primary by hand, and the board now calls it
    /// standby; whatever it still runs as an active must stop before another member is promoted
    /// beside it. Demote hooks are idempotent already (they also undo a promote that failed
    /// half-way); a database hook keeps a server that is already a standby running.
    /// </summary>
    private async Task<RoleChangeResult> RecordAsync(Grant grant, NodeRole from, List<StepReport> steps, long started)
    {
        if (!_swept)
        {
            RoleChangeResult demoted = await DemoteAsync(grant, from, "demote", "first grant after start: " + grant.Reason, steps, started).ConfigureAwait(false);
            return new RoleChangeResult
            {
                Ok = demoted.Ok,
                Outcome = demoted.Outcome,
                Detail = "the first grant after start, so the demote steps ran: " + demoted.Detail,
                Role = demoted.Role,
                Epoch = demoted.Epoch,
                Took = demoted.Took,
                Steps = demoted.Steps,
            };
        }

        return new RoleChangeResult
        {
            Ok = true,
            Outcome = RoleChangeOutcome.Applied,
            Detail = $"{WireWords.Of(grant.Role)} at epoch {grant.Epoch} (was {WireWords.Of(from)}); no hooks for a non-active role",
            Role = grant.Role,
            Epoch = grant.Epoch,
            Took = _time.GetElapsedTime(started),
            Steps = steps,
        };
    }

    private RoleChangeResult Refused(RoleChangeOutcome outcome, string detail, long started) => new()
    {
        Ok = false,
        Outcome = outcome,
        Detail = detail,
        Role = _role,
        Epoch = CurrentEpoch,
        Took = _time.GetElapsedTime(started),
    };

    private static string Summary(List<StepReport> steps) =>
        steps.Count == 0 ? "no steps configured" : string.Join(", ", steps.Select(s => s.Step + " " + s.Detail));

    /// <summary>Stops background gratuitous ARP announcements. Does not demote: the agent decides that.</summary>
    public void Dispose()
    {
        _vip?.StopAnnouncementsAsync().GetAwaiter().GetResult();
    }
}
