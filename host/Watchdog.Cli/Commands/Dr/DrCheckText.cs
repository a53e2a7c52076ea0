using System.Text;
using Watchdog.Sites.Config;

namespace Watchdog.Cli.Commands.Dr;

/// <summary>What `dr check` prints for a valid configuration: the sites, then each DR group's ticket timings and what follows from them.</summary>
internal static class DrCheckText
{
    public static string Render(string path, DrConfig config)
    {
        var text = new StringBuilder();
        string sites = string.Join(", ", config.Sites.Select(s => s.Arbiter ? s.Name + " (arbiter)" : s.Name));
        text.AppendLine($"{path}: valid. cluster {config.Cluster}; sites {sites}; etcd {config.EtcdMembers.Count} member(s) at {string.Join(", ", config.EtcdMembers.Select(m => m.Site))}");
        foreach (var g in config.DrGroups)
        {
            var t = g.Ticket;
            text.AppendLine();
            text.AppendLine($"group {g.Name} (board group {g.Group}): {g.Sites[0]} preferred, {g.Sites[1]} second; {DrConfigLoader.Word(g.Replication)} replication, " +
                $"standby site {DrConfigLoader.Word(g.StandbySite)}, {DrConfigLoader.Word(g.Failover)} failover; {DrClassification.Word(DrClassification.Kind(g))} site, tier {DrClassification.ConfiguredTier(g)}");
            text.AppendLine($"  ticket                 lease {t.LeaseMs} ms, renewed every {t.RenewMs} ms, acquire-after {t.AcquireAfterMs} ms, stop margin {t.StopMarginMs} ms");
            text.AppendLine($"  holder gives up        {t.GiveUpAfterMs,6} ms after its last renewal (lease - stop margin) when it cannot renew");
            text.AppendLine($"  cut-off active runs    {t.ActiveStoppedByMs,6} ms at most after the holder's last renewal (give-up + {DrConfigRules.BoardStopMs} ms for the board to demote and fence)");
            text.AppendLine($"  earliest takeover      {t.EarliestTakeoverMs,6} ms after the holder's last renewal (lease + acquire-after){(g.Failover == FailoverMode.Manual ? ", and only once an operator grants the ticket" : "")}");
            text.AppendLine($"  gap between the two    {t.SafetyGapMs,6} ms with no active at either site");
            text.AppendLine($"  agents step down       {t.AgentStepDownBoundMs,6} ms of board silence at most (their Board:DemoteWhenSilentMs): the board may die with the keeper");
            text.AppendLine(g.Failover == FailoverMode.Automatic
                ? $"  minimum site RTO       {t.MinSiteRtoMs,6} ms plus the other site's promotion (a site lost just before renewing: {t.BestSiteRtoMs} ms); objective {g.Objectives.RtoMs} ms"
                : $"  minimum site RTO       {t.MinSiteRtoMs,6} ms plus the operator's decision and the other site's promotion; objective {g.Objectives.RtoMs} ms");
        }

        return text.ToString();
    }
}
