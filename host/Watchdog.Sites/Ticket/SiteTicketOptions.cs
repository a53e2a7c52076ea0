namespace Watchdog.Sites.Ticket;

/// <summary>
/// One site's view of one site ticket: where it lives in etcd and the timings the keeper works
/// to. <see cref="Validate"/> states the rules the timings must keep; <see cref="SiteTicket"/>
/// refuses options that break one.
/// </summary>
public sealed record SiteTicketOptions
{
    /// <summary>The DR cluster's name: the first key segment, so two clusters can share one etcd.</summary>
    public required string Cluster { get; init; }

    /// <summary>The ticket's name (one per DR group, or one shared by several).</summary>
    public required string Ticket { get; init; }

    /// <summary>This site's name: the value of the holder key while this site holds the ticket.</summary>
    public required string Site { get; init; }

    /// <summary>
    /// The etcd client URLs this keeper talks to (http://host:port). Usually only this site's
    /// member: a site cut off from the others should hear "no leader" from its own member rather
    /// than renew through a path the site's servers do not share.
    /// </summary>
    public required IReadOnlyList<string> Endpoints { get; init; }

    /// <summary>The lease's time to live. etcd grants leases in whole seconds, so a multiple of 1000.</summary>
    public int LeaseMs { get; init; } = 10_000;

    /// <summary>How often the keeper renews the lease with one keepalive.</summary>
    public int RenewMs { get; init; } = 3_000;

    /// <summary>
    /// How long the holder key must have been seen absent, and stayed absent, before this site
    /// takes the ticket (booth's acquire-after): time for a former holder that lost its link to
    /// finish stopping even if its clock ran slow.
    /// </summary>
    public int AcquireAfterMs { get; init; } = 3_000;

    /// <summary>
    /// The time this site needs to stop its active: the keeper says "lost" this long before the
    /// lease could expire at the server, so the active is down before anyone else may take over.
    /// </summary>
    public int StopMarginMs { get; init; } = 3_000;

    /// <summary>
    /// How many epochs a holder may use past the ceiling it found: the next holder starts above
    /// the ceiling, so every epoch the old holder could have used stays below the new one's.
    /// </summary>
    public long EpochReserve { get; init; } = 1000;

    /// <summary>
    /// A manual ticket (booth's manual tickets): this site takes it only while it is granted to
    /// this site, and gives it up when an operator grants it to another (<see cref="TicketGrant"/>,
    /// <c>watchdogctl dr promote</c>). Until the first grant it is granted to <see cref="DefaultSite"/>.
    /// </summary>
    public bool Manual { get; init; }

    /// <summary>With <see cref="Manual"/>: the site the ticket is granted to before any operator granted it (the DR group's preferred site).</summary>
    public string DefaultSite { get; init; } = "";

    /// <summary>The key prefix: /watchdog/&lt;cluster&gt;/tickets/&lt;ticket&gt;/.</summary>
    public string KeyPrefix => $"/watchdog/{Cluster}/tickets/{Ticket}/";

    /// <summary>The key naming the holding site, attached to its lease: it vanishes when the lease ends.</summary>
    public string HolderKey => KeyPrefix + "holder";

    /// <summary>The key holding the highest epoch any holder may have used.</summary>
    public string CeilingKey => KeyPrefix + "epoch-ceiling";

    /// <summary>The key recording the last forced acquisition (who, when, the operator's statement).</summary>
    public string ForcedKey => KeyPrefix + "forced";

    /// <summary>For a manual ticket, the key naming the site an operator granted it to (no lease: it stays until the next grant).</summary>
    public string GrantKey => KeyPrefix + "granted";

    /// <summary>
    /// The rules, each with its reason; returns every broken one as a sentence naming the field
    /// and its value, or nothing when the options are usable.
    /// <list type="bullet">
    /// <item>Cluster, Ticket and Site are non-empty single key segments (no '/', no whitespace):
    /// they are parts of an etcd key, and a '/' would let one ticket's keys overlap another's.</item>
    /// <item>At least one endpoint, each an absolute http or https URL: the keeper has nowhere to
    /// renew otherwise.</item>
    /// <item>LeaseMs is a positive multiple of 1000: etcd grants leases in whole seconds, and a
    /// rounded lease would differ from the one the other rules were checked against.</item>
    /// <item>RenewMs is positive and at most half of LeaseMs, as booth renews at half the expiry:
    /// a renewal lost to a short hiccup is followed by another before the lease runs out.</item>
    /// <item>StopMarginMs is positive: the keeper must say "lost" strictly before the lease can
    /// expire at the server, never at the same instant.</item>
    /// <item>StopMarginMs + RenewMs is less than LeaseMs: after a renewal the next one is sent
    /// before the keeper must say "lost"; otherwise every renewal would come too late and the
    /// holder would lose the ticket after each successful one.</item>
    /// <item>AcquireAfterMs is not negative (0 takes a free ticket at once).</item>
    /// <item>A manual ticket names its default site (one key segment), or nobody could hold it before the first grant.</item>
    /// <item>EpochReserve is at least 2: the keeper extends the ceiling when the site's epoch is
    /// within half the reserve of it, and half of less than 2 leaves no room to do so.</item>
    /// </list>
    /// </summary>
    public static IReadOnlyList<string> Validate(SiteTicketOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        CheckSegment(errors, nameof(Cluster), options.Cluster);
        CheckSegment(errors, nameof(Ticket), options.Ticket);
        CheckSegment(errors, nameof(Site), options.Site);
        CheckEndpoints(errors, options.Endpoints);

        if (!LeaseInWholeSeconds(options.LeaseMs))
        {
            errors.Add($"LeaseMs ({options.LeaseMs}) must be a positive multiple of 1000: etcd grants leases in whole seconds.");
        }

        if (!RenewsByHalfTheLease(options.RenewMs, options.LeaseMs))
        {
            errors.Add($"RenewMs ({options.RenewMs}) must be positive and at most half of LeaseMs ({options.LeaseMs}), so a renewal lost to a hiccup is followed by another before the lease runs out.");
        }

        if (options.StopMarginMs <= 0)
        {
            errors.Add($"StopMarginMs ({options.StopMarginMs}) must be positive: the keeper must say lost before the lease can expire at the server.");
        }
        else if (!RenewsBeforeGivingUp(options.StopMarginMs, options.RenewMs, options.LeaseMs))
        {
            errors.Add($"StopMarginMs ({options.StopMarginMs}) + RenewMs ({options.RenewMs}) must be less than LeaseMs ({options.LeaseMs}), so the next renewal is sent before the keeper must say lost.");
        }

        if (options.AcquireAfterMs < 0)
        {
            errors.Add($"AcquireAfterMs ({options.AcquireAfterMs}) must not be negative.");
        }

        if (options.Manual)
        {
            CheckSegment(errors, nameof(DefaultSite), options.DefaultSite);
        }

        if (options.EpochReserve < 2)
        {
            errors.Add($"EpochReserve ({options.EpochReserve}) must be at least 2, so the ceiling can be extended at half the reserve.");
        }

        return errors;
    }

    // The three timing rules a ticket keeps wherever its timings come from: these options, or a
    // DR group's ticket in the configuration file (DrConfigRules, which names the file's fields).

    /// <summary>etcd grants leases in whole seconds: a lease it rounds differs from the one the other rules were checked against.</summary>
    public static bool LeaseInWholeSeconds(long leaseMs) => leaseMs > 0 && leaseMs % 1000 == 0;

    /// <summary>Renewed at half the lease or sooner (booth's rule): a renewal lost to a hiccup is followed by another before the lease runs out.</summary>
    public static bool RenewsByHalfTheLease(long renewMs, long leaseMs) => renewMs > 0 && renewMs * 2 <= leaseMs;

    /// <summary>
    /// The holder says "lost" stop_margin after its last renewal would run out, so the next
    /// renewal must be sent before that: otherwise it loses the ticket after every renewal.
    /// </summary>
    public static bool RenewsBeforeGivingUp(long stopMarginMs, long renewMs, long leaseMs) => stopMarginMs + renewMs < leaseMs;

    private static void CheckSegment(List<string> errors, string field, string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            errors.Add($"{field} must not be empty: it is part of the ticket's etcd keys.");
        }
        else if (value.Contains('/', StringComparison.Ordinal) || value.Any(char.IsWhiteSpace))
        {
            errors.Add($"{field} ('{value}') must be one key segment, without '/' or whitespace.");
        }
    }

    private static void CheckEndpoints(List<string> errors, IReadOnlyList<string>? endpoints)
    {
        if (endpoints is null || endpoints.Count == 0)
        {
            errors.Add("Endpoints must name at least one etcd client URL (http://host:port).");
            return;
        }

        for (int i = 0; i < endpoints.Count; i++)
        {
            string endpoint = endpoints[i];
            bool ok = Uri.TryCreate(endpoint, UriKind.Absolute, out Uri? uri)
                && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
                && !endpoint.Contains(',', StringComparison.Ordinal);
            if (!ok)
            {
                errors.Add($"Endpoints[{i}] ('{endpoint}') must be an absolute http:// or https:// URL of an etcd client port.");
            }
        }
    }
}
