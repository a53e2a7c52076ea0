namespace Watchdog.Sites.Config;

/// <summary>
/// The DR configuration: the sites, the etcd cluster that holds the site tickets, and the DR
/// groups (a board group that runs at one of two sites at a time). Read it with
/// <see cref="DrConfigLoader"/>, which refuses it whole when anything is wrong. docs/dr.md
/// describes every field.
/// </summary>
public sealed record DrConfig(string Cluster, IReadOnlyList<EtcdMember> EtcdMembers, IReadOnlyList<Site> Sites, IReadOnlyList<DrGroup> DrGroups)
{
    public Site Site(string name) => Sites.First(s => s.Name == name);

    /// <summary>The ticket timings of every DR group <paramref name="site"/> takes part in, in configuration order.</summary>
    public IReadOnlyList<SiteTicketTimings> TicketTimingsFor(string site)
    {
        if (!Sites.Any(s => s.Name == site))
        {
            throw new ArgumentException($"no site '{site}' in the DR configuration (sites: {string.Join(", ", Sites.Select(s => s.Name))})", nameof(site));
        }

        string[] endpoints = EtcdMembers.OrderBy(m => m.Site == site ? 0 : 1).Select(m => m.Endpoint).ToArray();
        return DrGroups
            .Where(g => g.Sites.Contains(site))
            .Select(g => new SiteTicketTimings(
                g.Name, g.Group, site, g.Sites[0] == site ? 0 : 1, g.Sites.First(s => s != site), g.Failover,
                g.Ticket.LeaseMs, g.Ticket.RenewMs, g.Ticket.AcquireAfterMs, g.Ticket.StopMarginMs, endpoints))
            .ToList();
    }
}

/// <summary>One etcd member: the site it runs at and the client URL a ticket keeper dials.</summary>
public sealed record EtcdMember(string Site, string Endpoint);

/// <summary>
/// A site: a rack with its board(s) and its MQTT broker, or an arbiter site that only runs an
/// etcd member (the third vote, like booth's arbitrator) and no group.
/// </summary>
public sealed record Site(string Name, string? Broker, IReadOnlyList<string> Boards, bool Arbiter);

/// <summary>A DR group: the board group <see cref="Group"/> at two sites, preferred first.</summary>
public sealed record DrGroup(
    string Name,
    string Group,
    IReadOnlyList<string> Sites,
    TicketTiming Ticket,
    Replication Replication,
    StandbySite StandbySite,
    FailoverMode Failover,
    Objectives Objectives);

/// <summary>The site ticket's timings in ms; <see cref="DrConfigRules"/> says which combinations are allowed and why.</summary>
public sealed record TicketTiming(int LeaseMs, int RenewMs, int AcquireAfterMs, int StopMarginMs)
{
    /// <summary>10 s lease, renewed every 5 s (booth's half), 5 s acquire-after, 4 s stop margin: all rules hold with room.</summary>
    public static readonly TicketTiming Default = new(10000, 5000, 5000, 4000);

    /// <summary>The holder gives the ticket up (and tells its board to stop the active) this long after its last successful renewal.</summary>
    public int GiveUpAfterMs => LeaseMs - StopMarginMs;

    /// <summary>
    /// Worst case, after its last successful renewal, that the holder's active still runs once the
    /// holder lost etcd: it gives up, then the board needs <see cref="DrConfigRules.BoardStopMs"/>.
    /// </summary>
    public int ActiveStoppedByMs => GiveUpAfterMs + DrConfigRules.BoardStopMs;

    /// <summary>The earliest the other site may run the active, after the holder's last renewal: the lease must expire, then acquire-after passes.</summary>
    public int EarliestTakeoverMs => LeaseMs + AcquireAfterMs;

    /// <summary>Time between the old active being down at the latest and the new one starting at the earliest: never negative under the rules.</summary>
    public int SafetyGapMs => EarliestTakeoverMs - ActiveStoppedByMs;

    /// <summary>
    /// The least site RTO these timings allow for a site lost right after it renewed: the lease
    /// runs out, then acquire-after. The other site's promotion comes on top.
    /// </summary>
    public int MinSiteRtoMs => LeaseMs + AcquireAfterMs;

    /// <summary>The same for a site lost just before it would have renewed: the best case.</summary>
    public int BestSiteRtoMs => LeaseMs - RenewMs + AcquireAfterMs;

    /// <summary>
    /// The longest Board:DemoteWhenSilentMs the agents of the group may use. If the holder's board
    /// dies (its keeper with it) the lease was last renewed at most renew_ms before, so the other
    /// site runs the active no earlier than lease - renew + acquire-after after the board's last
    /// word; the agent must have stepped down by then: its silence bound, a tenth of it for how
    /// often it looks, and the board's own allowance for a demotion.
    /// </summary>
    public int AgentStepDownBoundMs => (LeaseMs - RenewMs + AcquireAfterMs - DrConfigRules.BoardStopMs) * 10 / 11;
}

/// <summary>What the group promises: the longest site outage and the most recent writes a site switch may lose.</summary>
public sealed record Objectives(int RtoMs, int RpoMs);

/// <summary>How the group's data reaches the other site.</summary>
public enum Replication
{
    /// <summary>"none": nothing leaves the site.</summary>
    None,

    /// <summary>"backup": periodic backups stored at or sent to the other site.</summary>
    Backup,

    /// <summary>"log-shipping": finished write-ahead-log segments are shipped (archive and restore).</summary>
    LogShipping,

    /// <summary>"async": streaming replication; a commit does not wait for the other site.</summary>
    Async,

    /// <summary>"sync": synchronous replication; a commit returns once the other site has it.</summary>
    Sync,
}

/// <summary>What stands ready at the site that does not hold the ticket.</summary>
public enum StandbySite
{
    /// <summary>"none": nothing; hardware is found after the disaster.</summary>
    None,

    /// <summary>"provisioned": servers and network are there but the group's service is not running.</summary>
    Provisioned,

    /// <summary>"running": the group's standby runs there (a replica, its agents, a board).</summary>
    Running,
}

/// <summary>Who moves the ticket when its holder site is lost.</summary>
public enum FailoverMode
{
    /// <summary>"automatic": the other site acquires an expired ticket on its own.</summary>
    Automatic,

    /// <summary>"manual": only an operator grants the ticket to the other site.</summary>
    Manual,
}

/// <summary>
/// The plain ticket values one site's keeper needs for one DR group. <see cref="Rank"/> is the
/// site's place in the group's preference order (0 = preferred).
/// </summary>
public sealed record SiteTicketTimings(
    string DrGroup,
    string BoardGroup,
    string Site,
    int Rank,
    string OtherSite,
    FailoverMode Failover,
    int LeaseMs,
    int RenewMs,
    int AcquireAfterMs,
    int StopMarginMs,
    IReadOnlyList<string> EtcdEndpoints)
{
    /// <summary>How long after its last successful renewal the holder gives the ticket up and tells its board to stop the active.</summary>
    public int GiveUpAfterMs => LeaseMs - StopMarginMs;

    /// <summary>
    /// The keeper's options for this site (the board's keeper, or `dr promote` granting the ticket
    /// to it). A manual ticket moves only on an operator's grant; until the first one it belongs
    /// to the group's preferred site.
    /// </summary>
    public Ticket.SiteTicketOptions ToOptions(string cluster) => new()
    {
        Cluster = cluster,
        Ticket = DrGroup,
        Site = Site,
        Endpoints = EtcdEndpoints,
        LeaseMs = LeaseMs,
        RenewMs = RenewMs,
        AcquireAfterMs = AcquireAfterMs,
        StopMarginMs = StopMarginMs,
        Manual = Failover == FailoverMode.Manual,
        DefaultSite = Rank == 0 ? Site : OtherSite,
    };
}
