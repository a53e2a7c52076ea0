using System.Diagnostics;
using System.Reflection;
using Watchdog.Lab.Rack;
using Watchdog.Postgres;
using Watchdog.Sites.Config;

namespace Watchdog.Lab.Sites;

/// <summary>One switch of the group from one site to the other, as the drill measured it (ms; on the meter's clock from the fault); <paramref name="Rpo"/> null when no row was counted (<paramref name="RpoNotMeasured"/> says why).</summary>
/// <param name="SiteRtoMs">From the fault (or the handover signal) until the new site's VIP answered from one of its servers.</param>
/// <param name="OldStoppedMs">When the old site stopped serving an active, after the fault.</param>
/// <param name="NewStartedMs">When the new site started serving one.</param>
/// <param name="OverlapMs">Both sites served an active at once, from the fault on.</param>
public sealed record SiteSwitch(string Scenario, string From, string To, double SiteRtoMs, double? OldStoppedMs, double NewStartedMs, double OverlapMs, long EpochBefore, long EpochAfter)
{
    public SiteRpo? Rpo { get; init; }

    public string? RpoNotMeasured { get; init; }
}

/// <summary>
/// <c>watchdogctl dr drill</c>: on the lab's two ticketed sites (<see cref="TicketedSites"/>), a
/// planned switch east -> west (east's board demotes its active, then releases the ticket), then
/// the unplanned loss of the whole active site (west), after which east takes the group back.
/// Both measured with the sites' own meters: the site RTO by west's/east's VIP probe, the overlap
/// by <see cref="SiteServingMeter"/>. The sites run PostgreSQL 15, one database across both
/// (<see cref="VirtualSites"/>): across each switch the RPO writer writes to the active site's
/// primary (<see cref="SiteRpoRun"/>), and its acknowledged rows are counted at the new site's
/// primary. An RPO that could not be counted is reported as not measured, never as 0 rows.
/// </summary>
public static class SiteDrill
{
    public const string Group = "web";

    /// <summary>Programs the drill runs (the sites, the brokers, the etcd members, the cuts, the agents' users and PostgreSQL's boot unit).</summary>
    public static readonly string[] Programs = ["etcd", "mosquitto", "nft", "setpriv"];

    /// <summary>How long the old site's databases may take to stream from the new primary after the planned switch (pg_rewind or a clone, on a loaded machine).</summary>
    private static readonly TimeSpan Rejoin = TimeSpan.FromSeconds(120);

    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(120);

    /// <summary>lease + acquire-after (16 s) plus the keeper's turn and the promotion, on a loaded machine.</summary>
    private static readonly TimeSpan Takeover = TimeSpan.FromSeconds(90);

    /// <summary>Null when the drill can run here; else one line saying what is missing.</summary>
    public static string? Missing()
    {
        if (!Platform.Posix.PosixSignals.IsRoot)
        {
            return "dr drill needs root: it runs two racks and three etcd members in network namespaces (sudo watchdogctl dr drill)";
        }

        string[] missing = Programs.Where(p => !OnPath(p)).ToArray();
        if (missing.Length > 0)
        {
            return $"dr drill needs {string.Join(", ", missing)} on PATH (Debian: apt install etcd-server mosquitto nftables util-linux)";
        }

        return Watchdog.Postgres.PgBinaries.AreInstalled() ? null
            : $"dr drill needs PostgreSQL 15's server programs in {Watchdog.Postgres.PgBinaries.DefaultDirectory} (or ${Watchdog.Postgres.PgBinaries.DirectoryVariable}): apt install postgresql-15";
    }

    /// <summary>
    /// Runs one drill: the readable report to <paramref name="report"/>, the racks' progress to
    /// <paramref name="progress"/>. Returns the unplanned figure with the planned one nested,
    /// the line `dr drill --json` prints. Throws <see cref="LabFailedException"/> when a site does
    /// not settle or take over in time.
    /// </summary>
    /// <param name="saveConfigTo">Where to copy the DR configuration the sites ran (for `dr report --config`); null: nowhere.</param>
    /// <param name="mode">The databases' replication across the sites (and the group's in the DR configuration).</param>
    public static async Task<DrillFigure> RunAsync(TextWriter report, TextWriter progress, string? saveConfigTo, CancellationToken ct, ReplicationMode mode = ReplicationMode.Synchronous)
    {
        var took = Stopwatch.StartNew();
        DateTimeOffset date = DateTimeOffset.UtcNow;
        await using TicketedSites sites = await TicketedSites.StartSettledAsync(progress, Settle, ct, mode).ConfigureAwait(false);
        DrGroup group = sites.Config.DrGroups.Single(g => g.Name == Group);
        if (saveConfigTo is not null)
        {
            File.Copy(sites.ConfigPath, saveConfigTo, overwrite: true);
        }

        TicketTiming t = TicketedSites.Timing;
        report.WriteLine($"DR drill of group {group.Name}: sites {group.Sites[0]} (preferred) and {group.Sites[1]}, etcd members at {string.Join(", ", sites.Etcd.Members)}");
        report.WriteLine($"  ticket: lease {t.LeaseMs} ms, renewed every {t.RenewMs} ms, acquire-after {t.AcquireAfterMs} ms, stop margin {t.StopMarginMs} ms; {group.Sites[0]} settled with the active after {took.ElapsedMilliseconds} ms");

        report.WriteLine($"  database: PostgreSQL 15, {(mode == ReplicationMode.Synchronous ? "synchronous" : "asynchronous")}, one database at both sites, every member streaming directly from the primary: " +
                         await SiteRpoRun.WaitReplicatingAsync(sites, VirtualSites.EastName, Settle, ct).ConfigureAwait(false));
        await WaitUntilCandidateAsync(sites, VirtualSites.WestName, ct).ConfigureAwait(false);
        SiteSwitch planned = await SwitchAsync(sites, VirtualSites.EastName, VirtualSites.WestName, DrillFigure.Planned, report, null, ct).ConfigureAwait(false);
        Print(report, planned, $"planned switch {planned.From} -> {planned.To} ({planned.From}'s board told to hand over: it demotes its active, then releases the ticket)");

        // The demoted primary's boot unit rejoins the new one (pg_rewind, else a clone), its
        // fellow follows the new timeline: only then can the next switch lose nothing.
        string? notRejoined = null;
        try
        {
            report.WriteLine($"  {planned.From} rejoined {planned.To}'s primary as standbys: " +
                             await SiteRpoRun.WaitReplicatingAsync(sites, planned.To, Rejoin, ct).ConfigureAwait(false));
        }
        catch (LabFailedException e)
        {
            notRejoined = $"{planned.From}'s databases did not rejoin {planned.To}'s primary after the planned switch: {e.Message}";
            report.WriteLine("  " + notRejoined);
        }

        // East stood aside after its handover and is a candidate again once it saw west hold the
        // ticket (one poll of its keeper): west holds it since before it served, so east competes
        // for the ticket long before west's lease can run out.
        SiteSwitch unplanned = await SwitchAsync(sites, VirtualSites.WestName, VirtualSites.EastName, DrillFigure.Unplanned, report, notRejoined, ct).ConfigureAwait(false);
        Print(report, unplanned, $"unplanned loss of site {unplanned.From} (its board killed, its servers powered off, its etcd member killed, its broker stopped)");

        string commit = SourceCommit();
        DrillFigure plannedFigure = Figure(group, planned, date, commit);
        DrillFigure figure = Figure(group, unplanned, date, commit) with { PlannedSwitch = plannedFigure };
        DrGroupReport verdict = DrReport.Build(sites.Config, [.. figure.WithNested()]).Single(r => r.Group.Name == group.Name);
        figure = figure with { Tier = verdict.Tier, PlannedSwitch = plannedFigure with { Tier = verdict.Tier } };

        foreach (SiteSwitch done in new[] { planned, unplanned })
        {
            report.WriteLine(done.Rpo is { } rpo
                ? $"RPO of the {done.Scenario} switch: {rpo.Rows.RpoRows} acknowledged row(s) of {rpo.Rows.Acked} missing at {done.To}'s primary {rpo.NewPrimary}, rpo_ms {rpo.RpoMs}"
                : $"RPO of the {done.Scenario} switch not measured: {done.RpoNotMeasured}");
        }

        report.WriteLine($"tier {verdict.Tier} ({DrClassification.TierName(verdict.Tier)}); the configuration alone gives tier {verdict.ConfiguredTier}");
        foreach (string flag in verdict.Flags)
        {
            report.WriteLine($"FLAG {group.Name}: {flag}");
        }

        report.WriteLine($"the drill took {took.Elapsed.TotalSeconds:F0} s, starting the sites included");
        return figure;
    }

    /// <summary>
    /// Planned (the holder's board hands the ticket over) or unplanned (the holder's whole site
    /// lost); waits until the other site runs the active and holds the ticket, then measures.
    /// </summary>
    /// <param name="notMeasured">Null to write and count rows across the switch; else why they cannot be (no writer runs).</param>
    private static async Task<SiteSwitch> SwitchAsync(TicketedSites sites, string from, string to, string scenario, TextWriter report, string? notMeasured, CancellationToken ct)
    {
        RackCluster target = sites.Site(to);
        long epochBefore = sites.Site(from).Observer.LatestRoles(Group)?.Epoch
            ?? throw new LabFailedException($"site {from} published no roles for group {Group}");
        SiteRpoRun? writer = notMeasured is null ? await SiteRpoRun.StartAsync(sites, from, ct).ConfigureAwait(false) : null;
        long faultWallMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        double faultAt = target.Clock.NowMs;
        double mark = sites.Meter.NowMs;
        bool planned = scenario == DrillFigure.Planned;
        if (planned)
        {
            if (!sites.HandOver(from))
            {
                throw new LabFailedException($"site {from}'s board is not running: it cannot hand the ticket over");
            }
        }
        else
        {
            await sites.LoseSiteAsync(from).ConfigureAwait(false);
        }

        // A planned switch leaves the old site running: it must end with all its members standby too.
        bool settled = planned
            ? await sites.WaitForActiveAtAsync(to, Takeover, ct).ConfigureAwait(false)
            : await target.WaitUntilSettledAsync(null, Takeover, ct).ConfigureAwait(false);
        if (!settled)
        {
            throw new LabFailedException($"{scenario} switch {from} -> {to}: {to} did not run the active within {Takeover.TotalSeconds:F0} s" + sites.BoardLogs());
        }

        double servedAt = sites.FirstServedAtMs(to, faultAt)
            ?? throw new LabFailedException($"{scenario} switch {from} -> {to}: {to} settled but its VIP never answered from its servers");
        long epochAfter = target.Observer.LatestRoles(Group)!.Epoch;
        SiteTicketRecord? ticket = await sites.TicketAsync().ConfigureAwait(false);
        if (ticket?.Site != to)
        {
            throw new LabFailedException($"{scenario} switch {from} -> {to}: {to} runs the active but etcd says the ticket is {(ticket is null ? "held by nobody (or unreadable)" : "held by " + ticket.Site)}");
        }

        SiteRpo? rpo = null;
        if (writer is not null)
        {
            try
            {
                rpo = await writer.FinishAsync(to, faultWallMs, line => report.WriteLine("  " + line), ct).ConfigureAwait(false);
                if (rpo.InRecovery)
                {
                    throw new LabFailedException($"{scenario} switch {from} -> {to}: {to}'s granted member {rpo.NewPrimary} is still in recovery: the grant made no primary");
                }
            }
            catch (Npgsql.NpgsqlException e)
            {
                notMeasured = $"the rows could not be counted at {to}'s primary: {e.Message}";
            }
        }

        ServingSpan? oldLast = sites.Meter.Spans(from).LastOrDefault(s => s.StartMs < mark);
        ServingSpan? newFirst = sites.Meter.Spans(to).FirstOrDefault(s => s.StartMs >= mark);
        return new SiteSwitch(
            scenario, from, to, servedAt - faultAt,
            oldLast?.EndMs - mark,
            (newFirst?.StartMs ?? double.NaN) - mark,
            sites.Meter.OverlapMs(mark),
            epochBefore, epochAfter)
        {
            Rpo = rpo,
            RpoNotMeasured = rpo is null ? notMeasured : null,
        };
    }

    /// <summary>
    /// The second site's keeper competes for the ticket only lease + acquire-after after its
    /// board started (docs/dr.md: the preferred site wins when both start): a handover before
    /// then would find nobody to take the ticket. The keeper arms itself on that timer, so this
    /// waits until that moment (and a poll of the keeper more), not for a guessed time.
    /// </summary>
    private static async Task WaitUntilCandidateAsync(TicketedSites sites, string site, CancellationToken ct)
    {
        long startedWallMs = sites.Site(site).Board(ClusterConfigs.BoardName).StartedAtWallMs;
        long candidateAt = startedWallMs + TicketedSites.Timing.LeaseMs + TicketedSites.Timing.AcquireAfterMs + TicketedSites.Timing.RenewMs;
        long left = candidateAt - DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        if (left > 0)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(left), ct).ConfigureAwait(false);
        }
    }

    private static DrillFigure Figure(DrGroup group, SiteSwitch s, DateTimeOffset date, string commit) =>
        new(group.Name, s.Scenario, (long)Math.Round(s.SiteRtoMs), s.Rpo?.Rows.RpoRows, s.Rpo?.RpoMs,
            // Up, so that any overlap at all shows as at least 1 ms.
            (long)Math.Ceiling(s.OverlapMs), 0, date, commit)
        {
            RpoNotMeasured = s.Rpo is null ? s.RpoNotMeasured ?? "no row was counted" : null,
            ConfiguredTier = DrClassification.ConfiguredTier(group),
            EpochBefore = s.EpochBefore,
            EpochAfter = s.EpochAfter,
        };

    private static void Print(TextWriter report, SiteSwitch s, string title)
    {
        report.WriteLine(title);
        report.WriteLine($"  site RTO {s.SiteRtoMs:F0} ms (until {s.To}'s VIP answered from one of {s.To}'s servers)");
        report.WriteLine($"  {s.From}'s active stopped at {(s.OldStoppedMs is { } stopped ? $"{stopped:F0} ms" : "(still serving)")}, {s.To}'s started at {s.NewStartedMs:F0} ms; overlap {s.OverlapMs:F0} ms");
        report.WriteLine($"  epoch {s.EpochBefore} at {s.From} -> {s.EpochAfter} at {s.To}");
    }

    /// <summary>The commit the running build was made from (the SDK stamps it into the informational version), or "unknown".</summary>
    private static string SourceCommit()
    {
        string? version = typeof(SiteDrill).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        int plus = version?.IndexOf('+') ?? -1;
        return plus < 0 ? "unknown" : version![(plus + 1)..][..Math.Min(7, version.Length - plus - 1)];
    }

    private static bool OnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Any(dir => File.Exists(Path.Combine(dir, program)));
}
