using Grpc.Core;

namespace Watchdog.Sites.Ticket;

/// <summary>What an operator does by hand: hand the ticket over, or take it from a site known to be down.</summary>
public sealed partial class SiteTicket
{
    /// <summary>
    /// Planned failover: raises <see cref="Lost"/> ("released") first, so the site stops its
    /// active, then revokes the lease, which frees the ticket at once. The keeper stops being a
    /// <see cref="Candidate"/>, so it does not take the ticket straight back. Returns true when
    /// etcd confirmed the revoke; false when the site did not hold the ticket or etcd did not
    /// answer (the lease then runs out by itself).
    /// </summary>
    public Task<bool> ReleaseAsync(CancellationToken cancel = default) => ReleaseAsync(rejoin: false, cancel);

    /// <summary>
    /// Planned handover to the other site: <see cref="ReleaseAsync()"/>, after which the keeper
    /// stands aside only until another site holds the ticket, or until lease + acquire-after have
    /// passed with nobody taking it; then it is a <see cref="Candidate"/> again, so the site takes
    /// the ticket back when the other site is lost later, or when the other site never took it
    /// (instead of leaving the group without an active anywhere). Call it once the site's active
    /// is down: the other site may take the ticket acquire-after once it sees it free.
    /// </summary>
    public Task<bool> HandOverAsync(CancellationToken cancel = default) => ReleaseAsync(rejoin: true, cancel);

    private async Task<bool> ReleaseAsync(bool rejoin, CancellationToken cancel)
    {
        Candidate = false;
        Volatile.Write(ref handedOverAt, rejoin ? clock.GetTimestamp() : 0);
        await turn.WaitAsync(cancel);
        try
        {
            long lease;
            int mine;
            lock (gate)
            {
                if (state != TicketState.Held)
                {
                    return false;
                }

                lease = leaseId;
                mine = tenure;
            }

            Lose(mine, "released");
            try
            {
                await store.RevokeAsync(lease, TimeSpan.FromMilliseconds(options.LeaseMs), cancel);
            }
            catch (Exception e) when (IsEtcdFailure(e, cancel))
            {
                NoteError(e);
                return false;
            }

            lock (gate)
            {
                if (staleLease == lease)
                {
                    staleLease = 0;
                }
            }

            return true;
        }
        finally
        {
            turn.Release();
        }
    }

    /// <summary>
    /// Takes the ticket now, without the acquire-after wait or the before-acquire check, like
    /// <c>booth grant --force</c>: for an operator who knows the holding site is down and will not
    /// wait for its lease to run out. The statement (who says so and why) is recorded in etcd
    /// with the site and time. What still holds: the take is one etcd transaction, which etcd
    /// commits only with a majority of its members, so on the minority side of a split this fails
    /// instead of making a second holder; the floor is the ceiling as before. What the operator
    /// vouches for: that the former holder's active is stopped (its keeper would only notice the
    /// takeover at its next renewal). The former holder's lease is revoked so that keeper hears it
    /// at once if it is alive after all. Returns "" when taken, else a sentence saying why not.
    /// </summary>
    public async Task<string> ForceAcquireAsync(string statement, CancellationToken cancel = default)
    {
        if (string.IsNullOrWhiteSpace(statement))
        {
            throw new ArgumentException("a forced acquisition needs a statement: who says the holding site is down, and why.", nameof(statement));
        }

        await turn.WaitAsync(cancel);
        try
        {
            if (State == TicketState.Held)
            {
                return $"site '{options.Site}' already holds ticket '{options.Ticket}'.";
            }

            TimeSpan timeout = TimeSpan.FromMilliseconds(options.LeaseMs);
            TicketSnapshot seen;
            try
            {
                seen = await store.ReadAsync(timeout, cancel);
            }
            catch (Exception e) when (IsEtcdFailure(e, cancel))
            {
                return $"etcd did not answer ({Describe(e)}); without a majority of its members the ticket cannot be taken.";
            }

            string record = $"{options.Site} at {clock.GetUtcNow():O}: {statement}";
            string? refused;
            try
            {
                refused = await AcquireAsync(seen, record, cancel);
            }
            catch (Exception e) when (IsEtcdFailure(e, cancel))
            {
                return $"etcd did not take it ({Describe(e)}); without a majority of its members the ticket cannot be taken.";
            }

            if (refused is not null)
            {
                return refused;
            }

            if (seen.Holder is not null && seen.Holder.Lease != 0)
            {
                try
                {
                    await store.RevokeAsync(seen.Holder.Lease, timeout, cancel);
                }
                catch (Exception e) when (IsEtcdFailure(e, cancel))
                {
                    NoteError(e); // the old lease no longer holds the key either way
                }
            }

            return "";
        }
        finally
        {
            turn.Release();
        }
    }

    /// <summary>
    /// While standing aside after <see cref="HandOverAsync"/>: true (and the keeper a candidate
    /// again) once another site holds the ticket or lease + acquire-after passed since the handover.
    /// </summary>
    private async Task<bool> RejoinAsync(CancellationToken stop)
    {
        long since = Volatile.Read(ref handedOverAt);
        if (since == 0)
        {
            return true;
        }

        bool waitedOut = clock.GetElapsedTime(since) >= TimeSpan.FromMilliseconds(options.LeaseMs + options.AcquireAfterMs);
        if (!waitedOut)
        {
            TicketSnapshot seen = await store.ReadAsync(RequestTimeout, stop);
            if (seen.Holder is null || seen.Holder.Value.ToStringUtf8() == options.Site)
            {
                return false;
            }
        }

        Volatile.Write(ref handedOverAt, 0);
        Candidate = true;
        return true;
    }

    /// <summary>An error of the request (refused, or no answer in its time), not the caller's cancellation.</summary>
    private static bool IsEtcdFailure(Exception e, CancellationToken cancel) =>
        (e is RpcException or OperationCanceledException) && !cancel.IsCancellationRequested;

    private static string Describe(Exception e) =>
        e is RpcException rpc ? $"{rpc.Status.StatusCode}: {rpc.Status.Detail}" : "no answer in time";
}
