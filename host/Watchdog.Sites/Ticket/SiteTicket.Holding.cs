using Etcdserverpb;

namespace Watchdog.Sites.Ticket;

/// <summary>Holding the ticket: renewals, the local deadline, the epoch ceiling, losing it.</summary>
public sealed partial class SiteTicket
{
    private TicketState state = TicketState.NotHeld;
    private int tenure;
    private long leaseId;
    private long floor;
    private long ceiling;
    private long maxNoted;
    private long deadline;
    private long lastRenewSent;
    private DateTimeOffset? lastRenewal;
    private long renewals;
    private long failedRenewals;
    private ITimer? deadlineTimer;
    private long staleLease;
    private long staleSince;

    /// <summary>
    /// Tells the keeper the site is about to use <paramref name="epoch"/>. When it comes within
    /// half the reserve of the ceiling the keeper raises the ceiling (guarded by the holder key
    /// still naming this site; refused means lost). Returns whether the epoch is at most the
    /// ceiling while held: the site must not use an epoch this returns false for, or the next
    /// holder's floor might not be above it.
    /// </summary>
    public bool NoteEpoch(long epoch)
    {
        bool usable;
        bool extend;
        lock (gate)
        {
            maxNoted = Math.Max(maxNoted, epoch);
            usable = state == TicketState.Held && epoch <= ceiling;
            extend = state == TicketState.Held && NeedsExtension();
        }

        if (extend)
        {
            Wake();
        }

        return usable;
    }

    private bool NeedsExtension() => maxNoted >= ceiling - (options.EpochReserve / 2);

    private long Ticks(long milliseconds) => milliseconds * clock.TimestampFrequency / 1000;

    private void BeginTenure(long lease, long sent, long ttlSeconds, long floorSeen, long newCeiling, bool forced)
    {
        int mine;
        TicketHeld held;
        absentSince = null;
        lock (gate)
        {
            mine = ++tenure;
            state = TicketState.Held;
            leaseId = lease;
            floor = floorSeen;
            ceiling = newCeiling;
            maxNoted = Math.Max(maxNoted, floorSeen);
            lastRenewSent = sent;
            deadline = sent + Ticks((ttlSeconds * 1000) - options.StopMarginMs);
            held = new TicketHeld(floorSeen, newCeiling, clock.GetTimestamp(), forced);
        }

        Held?.Invoke(held);

        // Armed after Held is raised, so the site never hears Lost before Held for one tenure.
        lock (gate)
        {
            if (tenure == mine && state == TicketState.Held)
            {
                deadlineTimer = DeadlineTimer.Create(clock, OnDeadline, mine, DueIn());
            }
        }
    }

    /// <summary>
    /// At start: when the holder key names this site on a lease still alive at the server (the
    /// process that held it restarted within the lease), keep that lease instead of waiting for it
    /// to expire. Without this a restarted board would leave its site's active running while the
    /// other site waited out the old lease and took the ticket. The floor is 0: the site's own
    /// epochs continue from what its board persisted, all at most the ceiling.
    /// </summary>
    private async Task<bool> ResumeAsync(CancellationToken stop)
    {
        TicketSnapshot seen = await store.ReadAsync(RequestTimeout, stop);
        Volatile.Write(ref mayResume, 0);
        if (seen.Holder is null || seen.HolderSite != options.Site || seen.Holder.Lease == 0)
        {
            return false;
        }

        long lease = seen.Holder.Lease;
        long sent = clock.GetTimestamp();
        LeaseKeepAliveResponse answer;
        try
        {
            answer = await store.KeepAliveOnceAsync(lease, RequestTimeout, stop);
            if (answer.TTL <= 0 || !await store.HolderIsAsync(lease, RequestTimeout, stop))
            {
                return false;
            }
        }
        catch (Exception e) when (!stop.IsCancellationRequested)
        {
            NoteError(e);
            return false;
        }

        BeginTenure(lease, sent, answer.TTL, 0, seen.CeilingValue, forced: false);
        return true;
    }

    private TimeSpan DueIn()
    {
        TimeSpan due = clock.GetElapsedTime(clock.GetTimestamp(), deadline);
        return due > TimeSpan.Zero ? due : TimeSpan.Zero;
    }

    private void OnDeadline(object? which)
    {
        int mine = (int)which!;
        long sent;
        lock (gate)
        {
            if (tenure != mine || state != TicketState.Held)
            {
                return;
            }

            if (clock.GetTimestamp() < deadline)
            {
                deadlineTimer?.Change(DueIn(), Timeout.InfiniteTimeSpan); // moved by a renewal meanwhile
                return;
            }

            sent = lastRenewSent;
        }

        Lose(mine, $"no renewal succeeded in time: the last one was sent {clock.GetElapsedTime(sent).TotalMilliseconds:F0} ms ago, and the lease may end at the server {options.StopMarginMs} ms after this.");
    }

    /// <summary>Ends the tenure <paramref name="mine"/> (once) and raises <see cref="Lost"/>.</summary>
    private void Lose(int mine, string reason)
    {
        TicketLost lost;
        lock (gate)
        {
            if (tenure != mine || state != TicketState.Held)
            {
                return;
            }

            state = TicketState.Lost;
            deadlineTimer?.Dispose();
            deadlineTimer = null;
            staleLease = leaseId;
            staleSince = clock.GetTimestamp();
            leaseId = 0;
            lost = new TicketLost(reason, staleSince);
        }

        Lost?.Invoke(lost);
        Wake();
    }

    /// <summary>One turn while holding: one keepalive, a check that the holder key is still ours, the ceiling.</summary>
    private async Task<TimeSpan> RenewTurnAsync(CancellationToken stop)
    {
        long lease;
        int mine;
        lock (gate)
        {
            lease = leaseId;
            mine = tenure;
        }

        long sent = clock.GetTimestamp();
        LeaseKeepAliveResponse answer;
        bool stillOurs;
        try
        {
            answer = await store.KeepAliveOnceAsync(lease, RequestTimeout, stop);
            stillOurs = answer.TTL > 0 && await store.HolderIsAsync(lease, RequestTimeout, stop);
        }
        catch (Exception e) when (!stop.IsCancellationRequested)
        {
            // The deadline timer decides when this becomes a loss; try again soon.
            Interlocked.Increment(ref failedRenewals);
            NoteError(e);
            return TimeSpan.FromMilliseconds(Math.Max(50, options.RenewMs / 5));
        }

        if (answer.TTL <= 0)
        {
            Lose(mine, $"the lease ended at the server (keepalive answered TTL {answer.TTL}).");
            return TimeSpan.Zero;
        }

        if (!stillOurs)
        {
            Lose(mine, "the holder key no longer names this site on its lease (taken by force or deleted).");
            return TimeSpan.Zero;
        }

        if (options.Manual && await GrantedElsewhereAsync(stop) is { } other)
        {
            // The operator moved the ticket: stop the active (Lost), then the lease is revoked on
            // the next turn so the granted site need not wait for it to run out.
            Lose(mine, $"granted to site '{other}' by an operator (watchdogctl dr promote).");
            return TimeSpan.Zero;
        }

        TicketRenewed? renewed = null;
        lock (gate)
        {
            if (tenure != mine || state != TicketState.Held)
            {
                return TimeSpan.Zero;
            }

            // Past the deadline the timer is saying lost (or about to): a late answer does not undo it.
            if (clock.GetTimestamp() < deadline)
            {
                deadline = sent + Ticks((answer.TTL * 1000) - options.StopMarginMs);
                deadlineTimer?.Change(DueIn(), Timeout.InfiniteTimeSpan);
                lastRenewSent = sent;
                lastRenewal = clock.GetUtcNow();
                renewed = new TicketRenewed(sent, answer.TTL, deadline, Interlocked.Increment(ref renewals));
            }
        }

        if (renewed is null)
        {
            OnDeadline(mine);
            return TimeSpan.Zero;
        }

        Renewed?.Invoke(renewed);
        await ExtendCeilingAsync(mine, lease, stop);
        TimeSpan next = TimeSpan.FromMilliseconds(options.RenewMs) - clock.GetElapsedTime(sent);
        return next > TimeSpan.Zero ? next : TimeSpan.Zero;
    }

    /// <summary>The site a manual ticket is now granted to when that is not this one; null when it is (or etcd did not answer: the deadline decides then).</summary>
    private async Task<string?> GrantedElsewhereAsync(CancellationToken stop)
    {
        try
        {
            TicketSnapshot seen = await store.ReadAsync(RequestTimeout, stop);
            return GrantedHere(seen) ? null : seen.GrantedSite ?? options.DefaultSite;
        }
        catch (Exception e) when (!stop.IsCancellationRequested)
        {
            NoteError(e);
            return null;
        }
    }

    private async Task ExtendCeilingAsync(int mine, long lease, CancellationToken stop)
    {
        long next;
        lock (gate)
        {
            if (tenure != mine || state != TicketState.Held || !NeedsExtension())
            {
                return;
            }

            next = Math.Max(ceiling, maxNoted) + options.EpochReserve;
        }

        bool extended;
        try
        {
            extended = await store.ExtendCeilingAsync(lease, next, RequestTimeout, stop);
        }
        catch (Exception e) when (!stop.IsCancellationRequested)
        {
            NoteError(e); // tried again on the next renewal; the epoch is still at most the ceiling
            return;
        }

        if (!extended)
        {
            Lose(mine, "etcd refused to raise the epoch ceiling: the holder key no longer names this site on its lease.");
            return;
        }

        lock (gate)
        {
            if (tenure == mine)
            {
                ceiling = Math.Max(ceiling, next);
            }
        }
    }

    /// <summary>
    /// After a loss, revokes the old lease so the others need not wait for it to run out (the site
    /// has already been told to stop). Given up once the lease must have ended anyway.
    /// </summary>
    private async Task RevokeStaleLeaseAsync(CancellationToken stop)
    {
        long lease;
        lock (gate)
        {
            lease = staleLease;
            if (lease == 0)
            {
                return;
            }

            if (clock.GetElapsedTime(staleSince) > TimeSpan.FromMilliseconds(options.LeaseMs))
            {
                staleLease = 0;
                return;
            }
        }

        try
        {
            await store.RevokeAsync(lease, RequestTimeout, stop);
            lock (gate)
            {
                if (staleLease == lease)
                {
                    staleLease = 0;
                }
            }
        }
        catch (Exception e) when (!stop.IsCancellationRequested)
        {
            NoteError(e);
        }
    }
}
