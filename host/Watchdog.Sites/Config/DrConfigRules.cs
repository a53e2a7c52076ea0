using Watchdog.Sites.Ticket;

namespace Watchdog.Sites.Config;

/// <summary>
/// The rules a DR configuration must keep, modelled on booth's ticket rules. Each error starts
/// with the path of the field it is about and says why the rule exists; docs/dr.md explains them
/// with a worked example.
/// </summary>
public static class DrConfigRules
{
    /// <summary>
    /// 3100 ms: how long a board needs, at its defaults, to take an active down once told its site
    /// lost the ticket: the demote acknowledgement timeout (timing.demote_ack_timeout_ms, 3000 ms)
    /// and then a fence confirmed (timing.fence_confirm_ms, 100 ms).
    /// </summary>
    public const int BoardStopMs = 3100;

    /// <summary>
    /// 3500 ms: <see cref="BoardStopMs"/> plus 400 ms for the board's ticks, the keeper noticing
    /// and a loaded machine's timers. A board configured with a longer demote_ack_timeout_ms needs
    /// a stop margin longer by as much.
    /// </summary>
    public const int MinStopMarginMs = 3500;

    /// <summary>2000 ms: etcd rounds a shorter lease up to its minimum TTL (1.5 election timeouts, 2 s at its defaults).</summary>
    public const int MinLeaseMs = 2000;

    internal static void Check(JsonFields f, DrConfig config)
    {
        CheckSites(f, config);
        // Rules that look a site up, or ask whether it is an arbiter, stay quiet while the sites
        // themselves could not be read: the one error about the sites says it all.
        bool sitesKnown = f.Good("sites") && Enumerable.Range(0, config.Sites.Count).All(i => f.Good($"sites[{i}]", $"sites[{i}].name", $"sites[{i}].arbiter"));
        CheckEtcd(f, config, sitesKnown);
        bool etcdKnown = sitesKnown && config.EtcdMembers.Count > 0 && f.Good("etcd", "etcd.members")
            && Enumerable.Range(0, config.EtcdMembers.Count).All(i => f.Good($"etcd.members[{i}]", $"etcd.members[{i}].site", $"etcd.members[{i}].endpoint"))
            && config.EtcdMembers.All(m => config.Sites.Any(s => s.Name == m.Site));
        if (config.DrGroups.Count == 0 && f.Good("dr_groups"))
        {
            f.Error("dr_groups", "is empty: name at least one DR group");
        }

        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        var boardGroups = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i < config.DrGroups.Count; i++)
        {
            string path = $"dr_groups[{i}]";
            var g = config.DrGroups[i];
            if (!f.Good(path))
            {
                continue;
            }

            Unique(f, names, g.Name, path + ".name", path);
            if (f.Good(path + ".group", path + ".name"))
            {
                Unique(f, boardGroups, g.Group, path + ".group", path, "board group");
            }

            if (sitesKnown)
            {
                CheckGroupSites(f, config, g, path);
            }

            CheckTicket(f, g, path);
            CheckReplication(f, g, path);
            CheckObjectives(f, g, path);
        }

        if (etcdKnown)
        {
            CheckAutomaticVote(f, config);
        }
    }

    private static void CheckSites(JsonFields f, DrConfig config)
    {
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i < config.Sites.Count; i++)
        {
            string path = $"sites[{i}]";
            var s = config.Sites[i];
            if (!f.Good(path))
            {
                continue;
            }

            Unique(f, names, s.Name, path + ".name", path);
            if (!f.Good(path + ".arbiter"))
            {
                continue;
            }

            if (s.Arbiter)
            {
                // An arbiter site is only a vote: if it ran a group it would be a third DR site,
                // and its vote would no longer be impartial.
                if (s.Broker is not null)
                {
                    f.Error(path + ".broker", "an arbiter site runs no broker here: it only holds an etcd member (the third vote)");
                }

                if (s.Boards.Count > 0)
                {
                    f.Error(path + ".boards", "an arbiter site runs no board: it only holds an etcd member (the third vote)");
                }

                continue;
            }

            if (s.Broker is null)
            {
                if (f.Good(path + ".broker"))
                {
                    f.Error(path + ".broker", "is missing: a site that runs groups has a broker its board and agents talk to (host:port)");
                }
            }
            else if (!IsHostPort(s.Broker))
            {
                f.Error(path + ".broker", $"'{s.Broker}' is not host:port (like 10.0.1.1:1883)");
            }

            if (s.Boards.Count == 0 && f.Good(path + ".boards"))
            {
                f.Error(path + ".boards", "is missing or empty: a site that runs groups has at least one board (its rack's authority)");
            }
        }
    }

    private static void CheckEtcd(JsonFields f, DrConfig config, bool sitesKnown)
    {
        if (config.EtcdMembers.Count == 0 && f.Good("etcd", "etcd.members"))
        {
            f.Error("etcd.members", "is empty: the site tickets live in etcd, name its members");
        }

        var endpoints = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i < config.EtcdMembers.Count; i++)
        {
            string path = $"etcd.members[{i}]";
            var m = config.EtcdMembers[i];
            if (!f.Good(path))
            {
                continue;
            }

            if (sitesKnown && f.Good(path + ".site") && !config.Sites.Any(s => s.Name == m.Site))
            {
                f.Error(path + ".site", $"'{m.Site}' is not a site (sites: {SiteList(config)})");
            }

            if (!f.Good(path + ".endpoint"))
            {
                continue;
            }

            if (!Uri.TryCreate(m.Endpoint, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.IsDefaultPort || uri.AbsolutePath != "/")
            {
                f.Error(path + ".endpoint", $"'{m.Endpoint}' is not an etcd client URL like http://10.0.1.10:2379 (http or https, host and port, no path)");
            }
            else
            {
                Unique(f, endpoints, m.Endpoint, path + ".endpoint", path, "endpoint");
            }
        }
    }

    private static void CheckGroupSites(JsonFields f, DrConfig config, DrGroup g, string path)
    {
        string at = path + ".sites";
        if (!f.Good(at) || g.Sites.Any(s => s.Length == 0))
        {
            return;
        }

        // A DR group is an active at one site and its standby at another: two sites, like booth's two.
        if (g.Sites.Count != 2)
        {
            f.Error(at, $"names {g.Sites.Count} site(s): a DR group runs at exactly two sites, preferred first");
            return;
        }

        if (g.Sites[0] == g.Sites[1])
        {
            f.Error(at, $"names '{g.Sites[0]}' twice: a DR group runs at two different sites");
            return;
        }

        for (int i = 0; i < 2; i++)
        {
            var site = config.Sites.FirstOrDefault(s => s.Name == g.Sites[i]);
            if (site is null)
            {
                f.Error($"{at}[{i}]", $"'{g.Sites[i]}' is not a site (sites: {SiteList(config)})");
            }
            else if (site.Arbiter)
            {
                f.Error($"{at}[{i}]", $"'{g.Sites[i]}' is an arbiter site: it holds a vote, not a group");
            }
        }
    }

    private static void CheckTicket(JsonFields f, DrGroup g, string path)
    {
        string at = path + ".ticket";
        if (!f.Good(at))
        {
            return;
        }

        var t = g.Ticket;
        bool lease = f.Good(at + ".lease_ms"), renew = f.Good(at + ".renew_ms"), margin = f.Good(at + ".stop_margin_ms");
        if (lease && (t.LeaseMs < MinLeaseMs || !SiteTicketOptions.LeaseInWholeSeconds(t.LeaseMs)))
        {
            f.Error(at + ".lease_ms", $"{t.LeaseMs} is not a whole number of seconds of at least {MinLeaseMs}: etcd grants leases in whole seconds and rounds a shorter one up to its minimum, so the ticket would last longer than the timings below assume");
            lease = false;
        }

        if (renew && t.RenewMs == 0)
        {
            f.Error(at + ".renew_ms", "is 0: the holder must renew now and then");
        }
        else if (lease && renew && !SiteTicketOptions.RenewsByHalfTheLease(t.RenewMs, t.LeaseMs))
        {
            f.Error(at + ".renew_ms", $"{t.RenewMs} is more than half of lease_ms {t.LeaseMs}; the holder renews at half the lease at most (booth's rule) so one lost renewal is survived");
        }

        if (margin && t.StopMarginMs < MinStopMarginMs)
        {
            f.Error(at + ".stop_margin_ms", $"{t.StopMarginMs} is less than {MinStopMarginMs}: the board needs that long to take the active down once the holder gives the ticket up (demote acknowledgement timeout {BoardStopMs - 100} ms, then a fence)");
            margin = false;
        }

        if (lease && renew && margin && t.RenewMs > 0 && !SiteTicketOptions.RenewsBeforeGivingUp(t.StopMarginMs, t.RenewMs, t.LeaseMs))
        {
            f.Error(at + ".stop_margin_ms", $"stop_margin_ms {t.StopMarginMs} + renew_ms {t.RenewMs} = {t.StopMarginMs + t.RenewMs} is not less than lease_ms {t.LeaseMs}: the holder gives up at lease - stop_margin ({t.LeaseMs - t.StopMarginMs} ms after its last renewal), which must come after its next renewal so that one missed renewal does not stop a healthy site");
        }

        if (f.Good(at + ".acquire_after_ms") && t.AcquireAfterMs == 0)
        {
            f.Error(at + ".acquire_after_ms", "is 0: the other site must wait after the lease expired, to cover a difference in clock rates and a holder slow to stop");
        }
    }

    private static void CheckReplication(JsonFields f, DrGroup g, string path)
    {
        if (!f.Good(path + ".replication", path + ".standby_site", path + ".failover"))
        {
            return;
        }

        if (g.Replication is Replication.Sync or Replication.Async && g.StandbySite != StandbySite.Running)
        {
            f.Error(path + ".standby_site", $"is '{DrConfigLoader.Word(g.StandbySite)}' but replication '{DrConfigLoader.Word(g.Replication)}' streams to a replica that runs at the other site: say 'running'");
        }

        if (g.Failover == FailoverMode.Automatic && g.StandbySite == StandbySite.None)
        {
            f.Error(path + ".failover", "is 'automatic' but standby_site is 'none': there is nothing at the other site to fail over to");
        }

        if (g.Failover == FailoverMode.Automatic && g.Replication is Replication.None or Replication.Backup)
        {
            f.Error(path + ".failover", $"is 'automatic' with replication '{DrConfigLoader.Word(g.Replication)}': the other site would start on old data (or none) and lose every write since without anyone deciding to; use 'manual'");
        }
    }

    private static void CheckObjectives(JsonFields f, DrGroup g, string path)
    {
        string at = path + ".objectives";
        if (!f.Good(at))
        {
            return;
        }

        if (f.Good(at + ".rto_ms") && g.Objectives.RtoMs == 0)
        {
            f.Error(at + ".rto_ms", "is 0: no site switch takes no time");
        }
        else if (f.Good(at + ".rto_ms", path + ".failover", path + ".ticket", path + ".ticket.lease_ms", path + ".ticket.acquire_after_ms")
            && g.Failover == FailoverMode.Automatic && g.Objectives.RtoMs < g.Ticket.LeaseMs + g.Ticket.AcquireAfterMs)
        {
            f.Error(at + ".rto_ms", $"{g.Objectives.RtoMs} is less than lease_ms + acquire_after_ms ({g.Ticket.LeaseMs} + {g.Ticket.AcquireAfterMs} = {g.Ticket.LeaseMs + g.Ticket.AcquireAfterMs}): a site lost right after renewing keeps the ticket that long, so no site failover can meet it");
        }

        if (f.Good(at + ".rpo_ms", path + ".replication") && g.Objectives.RpoMs == 0 && g.Replication != Replication.Sync)
        {
            f.Error(at + ".rpo_ms", $"is 0 but replication is '{DrConfigLoader.Word(g.Replication)}': only synchronous replication loses no committed write when a site is lost");
        }
    }

    /// <summary>
    /// Automatic failover lets a site take the ticket with nobody asking; that is only safe when
    /// etcd still has a majority after any one site is gone, and the survivors can tell "the other
    /// site is dead" from "we are cut off": the arbiter site's member is that third vote.
    /// </summary>
    private static void CheckAutomaticVote(JsonFields f, DrConfig config)
    {
        int first = -1;
        for (int i = 0; i < config.DrGroups.Count; i++)
        {
            var g = config.DrGroups[i];
            string path = $"dr_groups[{i}]";
            if (!f.Good(path, path + ".failover", path + ".sites") || g.Failover != FailoverMode.Automatic || g.Sites.Any(s => s.Length == 0))
            {
                continue;
            }

            first = first < 0 ? i : first;
            foreach (string site in g.Sites.Where(s => config.Sites.Any(x => x.Name == s) && !config.EtcdMembers.Any(m => m.Site == s)))
            {
                f.Error(path + ".sites", $"site '{site}' has no etcd member: with automatic failover each DR site holds one, so a site cut off from the others sees it has lost the majority and stops");
            }
        }

        if (first < 0)
        {
            return;
        }

        string why = $"automatic failover (dr_groups[{first}])";
        int n = config.EtcdMembers.Count;
        int quorum = n / 2 + 1;
        var perSite = config.EtcdMembers.GroupBy(m => m.Site).ToDictionary(x => x.Key, x => x.Count());
        if (n < 3 || perSite.Count < 3)
        {
            f.Error("etcd.members", $"{n} member(s) on {perSite.Count} site(s): {why} needs at least 3 members on 3 different sites, one of them an arbiter site, so that losing any one site leaves a majority");
            return;
        }

        foreach (var (site, count) in perSite.Where(p => n - p.Value < quorum))
        {
            f.Error("etcd.members", $"site '{site}' holds {count} of {n} members: losing it leaves {n - count}, less than the majority of {quorum} that {why} needs to move the ticket");
        }

        var arbiters = config.Sites.Where(s => s.Arbiter).Select(s => s.Name).ToHashSet();
        if (!config.EtcdMembers.Any(m => arbiters.Contains(m.Site)))
        {
            f.Error("etcd.members", $"no member is at an arbiter site: {why} needs a third site that runs no group to break the tie when the two DR sites lose each other (mark it \"arbiter\": true)");
        }
    }

    private static void Unique(JsonFields f, Dictionary<string, string> seen, string value, string at, string owner, string what = "name")
    {
        if (value.Length == 0)
        {
            return;
        }

        if (seen.TryGetValue(value, out string? first))
        {
            f.Error(at, $"'{value}' is already the {what} of {first}");
        }
        else
        {
            seen[value] = owner;
        }
    }

    private static bool IsHostPort(string text)
    {
        int colon = text.LastIndexOf(':');
        return colon > 0 && ushort.TryParse(text[(colon + 1)..], out ushort port) && port > 0 && !text[..colon].Any(char.IsWhiteSpace);
    }

    private static string SiteList(DrConfig config) => string.Join(", ", config.Sites.Where(s => s.Name.Length > 0).Select(s => s.Name));
}
