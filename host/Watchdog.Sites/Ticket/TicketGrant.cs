using Grpc.Core;

namespace Watchdog.Sites.Ticket;

/// <summary>A manual ticket as an operator sees it in etcd: who holds it, whom it is granted to, the epoch ceiling.</summary>
public sealed record TicketView(string? Holder, string GrantedTo, bool GrantedByOperator, long Ceiling);

/// <summary>Whether an operator's grant was written, and what the operator should know about it.</summary>
public sealed record GrantResult(bool Granted, string Detail);

/// <summary>
/// The operator's side of a manual ticket (<c>watchdogctl dr promote</c>), as booth's
/// <c>grant</c>: it writes which site the ticket is granted to, and the keepers do the rest. The
/// holding site's keeper sees the grant at its next renewal, says "lost" (its board stops the
/// active) and revokes its lease; the granted site's keeper takes the free ticket after its
/// acquire-after wait, above every epoch the old holder could have used. If the holding site
/// cannot be reached, its lease runs out by itself (its keeper, cut off, stopped its active
/// before that). With a statement that the holding site is down (booth's <c>-F</c>), its lease is
/// revoked at once instead: faster, and wrong if the site is in fact running.
/// Every etcd request needs a majority of the members, as the keepers' do.
/// </summary>
public sealed class TicketGrant : IDisposable
{
    private readonly SiteTicketOptions options;
    private readonly TicketStore store;

    /// <param name="options">The ticket's options with <see cref="SiteTicketOptions.Site"/> the site to grant it to.</param>
    public TicketGrant(SiteTicketOptions options)
    {
        IReadOnlyList<string> errors = SiteTicketOptions.Validate(options);
        if (!options.Manual || errors.Count > 0)
        {
            throw new ArgumentException($"ticket '{options.Ticket}': " + (options.Manual ? string.Join(" ", errors) : "only a manual ticket is granted by an operator."), nameof(options));
        }

        this.options = options;
        store = new TicketStore(options);
    }

    private TimeSpan Timeout => TimeSpan.FromMilliseconds(options.LeaseMs);

    public async Task<TicketView> ReadAsync(CancellationToken cancel = default)
    {
        TicketSnapshot seen = await store.ReadAsync(Timeout, cancel);
        return new TicketView(seen.HolderSite, seen.GrantedSite ?? options.DefaultSite, seen.Grant is not null, seen.CeilingValue);
    }

    /// <summary>
    /// Grants the ticket to the site; with <paramref name="siteDownStatement"/> also revokes the
    /// holder's lease. Not granted: nothing was written, and the detail says why. Granted with a
    /// detail: the lease could not be revoked, so the promoted site waits for it to run out.
    /// </summary>
    public async Task<GrantResult> PromoteAsync(string? siteDownStatement, CancellationToken cancel = default)
    {
        TicketSnapshot seen;
        try
        {
            seen = await store.ReadAsync(Timeout, cancel);
            string? record = siteDownStatement is null ? null : $"granted to {options.Site} at {DateTimeOffset.UtcNow:O}, holding site stated down: {siteDownStatement}";
            if (!await store.PutGrantAsync(seen.Grant?.ModRevision ?? 0, record, Timeout, cancel))
            {
                return new GrantResult(false, "the grant changed in etcd meanwhile (another operator?): read it again and decide again.");
            }
        }
        catch (Exception e) when (IsEtcdFailure(e, cancel))
        {
            return new GrantResult(false, $"etcd did not answer ({Describe(e)}); without a majority of its members nothing can be granted.");
        }

        if (siteDownStatement is not null && seen.Holder is { Lease: not 0 } holder && seen.HolderSite != options.Site)
        {
            try
            {
                await store.RevokeAsync(holder.Lease, Timeout, cancel);
            }
            catch (Exception e) when (IsEtcdFailure(e, cancel))
            {
                return new GrantResult(true, $"granted, but {seen.HolderSite}'s lease was not revoked ({Describe(e)}): {options.Site} takes the ticket once it runs out.");
            }
        }

        return new GrantResult(true, "");
    }

    private static bool IsEtcdFailure(Exception e, CancellationToken cancel) =>
        (e is RpcException or OperationCanceledException) && !cancel.IsCancellationRequested;

    private static string Describe(Exception e) =>
        e is RpcException rpc ? $"{rpc.Status.StatusCode}: {rpc.Status.Detail}" : "no answer in time";

    public void Dispose() => store.Dispose();
}
