using System.Diagnostics;
using Watchdog.Lab.Sites;
using Watchdog.Lab.Tests.Failover;
using Watchdog.Testing;

namespace Watchdog.Lab.Tests.Sites;

/// <summary>
/// The faults of docs/dr.md's table on two real ticketed sites (<see cref="TicketedSites"/>):
/// east holds the ticket and runs the active, west waits. A whole lost site hands the group to
/// the other; a site cut off stops its active before the other starts one; a lost arbiter or a
/// lost etcd member of the holding site changes nothing; the holding site's broker lost never
/// gives two active sites, and the site runs its active again when the broker is back. <see cref="SiteServingMeter"/> watches both sites all along: they never serve at once.
/// </summary>
[Collection("rack")]
public sealed class TicketedSitesTests(ITestOutputHelper output)
{
    private const string Why = "two racks in network namespaces, etcd members in their own, and nft to cut sites apart";
    private const string Group = "web";

    /// <summary>Loose: two racks and three etcd members starting on a loaded 2-core machine.</summary>
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(120);

    /// <summary>
    /// The takeover needs lease + acquire-after (16 s) plus the keeper's turn and the promotion;
    /// the cut-off one also the holder's give-up. 90 s leaves room for a loaded machine.
    /// </summary>
    private static readonly TimeSpan Takeover = TimeSpan.FromSeconds(90);

    private static string East => VirtualSites.EastName;

    private static string West => VirtualSites.WestName;

    [RootFact(Why, "mosquitto", "nft", "etcd", "setpriv")]
    public async Task A_lost_active_site_hands_the_group_to_the_other_above_its_epoch()
    {
        await using TicketedSites sites = await StartAsync();
        long eastEpoch = sites.East.Observer.LatestRoles(Group)!.Epoch;

        double faultAt = sites.West.Clock.NowMs;
        double faultMeter = sites.Meter.NowMs;
        await sites.LoseSiteAsync(East);

        Assert.True(await sites.West.WaitUntilSettledAsync(null, Takeover, CancellationToken.None), "west did not run the active after east was lost" + Logs(sites));
        double rto = sites.FirstServedAtMs(West, faultAt)!.Value - faultAt;
        long westEpoch = sites.West.Observer.LatestRoles(Group)!.Epoch;
        output.WriteLine($"site RTO {rto:F0} ms (east lost -> a west server answers at west's VIP); epoch {eastEpoch} at east -> {westEpoch} at west; " +
                         $"the timings allow {TicketedSites.Timing.BestSiteRtoMs}-{TicketedSites.Timing.MinSiteRtoMs} ms plus the promotion");

        Assert.Equal(West, (await sites.TicketAsync())?.Site);
        Assert.True(westEpoch > eastEpoch, $"west granted epoch {westEpoch}, not above east's {eastEpoch}");
        // East renewed at most renew_ms before the fault: its lease ran at least lease - renew more, then acquire-after.
        Assert.True(rto >= TicketedSites.Timing.BestSiteRtoMs, $"west served {rto:F0} ms after the fault, before east's lease could have expired and acquire-after passed ({TicketedSites.Timing.BestSiteRtoMs} ms)");
        Assert.Equal(0, sites.Meter.OverlapMs(faultMeter));
        Assert.Equal(0, sites.Meter.OverlapMs());

        // West's board said what its keeper saw on the way: the operator's account of a takeover.
        string westLog = File.ReadAllText(sites.West.BoardLog);
        int free = westLog.LastIndexOf("site ticket of group 'web' is free in etcd", StringComparison.Ordinal);
        int won = westLog.IndexOf("site ticket for group 'web' won", StringComparison.Ordinal);
        Assert.True(free >= 0 && won > free, "west's board did not log the ticket free, then won:" + Logs(sites));
    }

    [RootFact(Why, "mosquitto", "nft", "etcd", "setpriv")]
    public async Task A_site_cut_off_stops_its_active_before_the_other_site_starts_one()
    {
        await using TicketedSites sites = await StartAsync();
        long eastEpoch = sites.East.Observer.LatestRoles(Group)!.Epoch;

        double faultMeter = sites.Meter.NowMs;
        sites.CutSiteOff(East);

        Assert.True(await sites.West.WaitUntilSettledAsync(null, Takeover, CancellationToken.None), "west did not run the active after east was cut off" + Logs(sites));
        Assert.True(
            await sites.East.Observer.WaitForAsync(_ => !sites.Meter.Serving(East), Takeover, CancellationToken.None),
            "east still runs its active with west's running" + Logs(sites));

        ServingSpan eastLast = sites.Meter.Spans(East).Last(s => s.StartMs < faultMeter);
        ServingSpan westFirst = sites.Meter.Spans(West).First(s => s.StartMs >= faultMeter);
        Assert.NotNull(eastLast.EndMs);
        double eastStopped = eastLast.EndMs!.Value - faultMeter, westStarted = westFirst.StartMs - faultMeter;
        long westEpoch = sites.West.Observer.LatestRoles(Group)!.Epoch;
        output.WriteLine($"after the cut: east's active stopped at {eastStopped:F0} ms, west's started at {westStarted:F0} ms (gap {westStarted - eastStopped:F0} ms); " +
                         $"epoch {eastEpoch} -> {westEpoch}; overlap {sites.Meter.OverlapMs():F0} ms; " +
                         $"the timings: give-up {TicketedSites.Timing.GiveUpAfterMs} ms, earliest takeover {TicketedSites.Timing.EarliestTakeoverMs} ms after east's last renewal");

        Assert.True(eastStopped < westStarted, $"east's active stopped at {eastStopped:F0} ms, after west's started at {westStarted:F0} ms");
        Assert.Equal(0, sites.Meter.OverlapMs());
        Assert.True(westEpoch > eastEpoch, $"west granted epoch {westEpoch}, not above east's {eastEpoch}");
        Assert.Equal(West, (await sites.TicketAsync())?.Site);
    }

    [RootFact(Why, "mosquitto", "nft", "etcd", "setpriv")]
    public async Task A_lost_arbiter_changes_nothing()
    {
        await using TicketedSites sites = await StartAsync();
        await AssertNothingChangesAsync(sites, () => sites.LoseArbiter(), "the arbiter was lost");
    }

    /// <summary>The holder's own member gone: its keeper renews through the others (it is given every member, its own first).</summary>
    [RootFact(Why, "mosquitto", "nft", "etcd", "setpriv")]
    public async Task A_lost_etcd_member_at_the_holding_site_changes_nothing()
    {
        await using TicketedSites sites = await StartAsync();
        await AssertNothingChangesAsync(sites, () => sites.LoseEtcdMember(East), "east's etcd member was lost");
    }

    /// <summary>
    /// East's broker stops; its board, servers and etcd member run on. The board keeps the ticket
    /// (it renews through etcd, not the broker), so west never serves; east's active steps down
    /// while it hears nothing from its board, and runs again once the broker is back.
    /// </summary>
    [RootFact(Why, "mosquitto", "nft", "etcd", "setpriv")]
    public async Task A_lost_broker_at_the_holding_site_never_gives_two_active_sites()
    {
        await using TicketedSites sites = await StartAsync();
        SiteTicketRecord before = (await sites.TicketAsync())!;
        await sites.LoseBrokerAsync(East);

        TimeSpan window = TimeSpan.FromMilliseconds(TicketedSites.Timing.EarliestTakeoverMs + 4000);
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < window)
        {
            Assert.Equal(East, (await sites.TicketAsync())?.Site);
            Assert.False(sites.Meter.Serving(West), $"west serves {clock.ElapsedMilliseconds} ms after east's broker was lost" + Logs(sites));
            await Task.Delay(200); // the pace of the checks within the window, not a wait for anything
        }

        output.WriteLine($"east's broker lost: ticket still east's after {window.TotalMilliseconds:F0} ms (lease {before.Lease} -> {(await sites.TicketAsync())?.Lease}), west served none");

        // East's agents stepped down after DemoteWhenSilentMs of board silence; back on the broker
        // they say standby at the group's epoch unasked, and the board grants the role again
        // under a new epoch (GroupArbiter.SteppedDownOnItsOwn). It used to go on counting the
        // member that stepped down as the active: east ran none for 90 s.
        var back = Stopwatch.StartNew();
        await sites.Site(East).StartBrokerAgainAsync(CancellationToken.None);
        bool recovered = await sites.WaitForActiveAtAsync(East, Takeover, CancellationToken.None);
        output.WriteLine(recovered
            ? $"broker back: east runs its active {back.ElapsedMilliseconds} ms later"
            : $"broker back: east ran no active within {Takeover.TotalSeconds:F0} s");
        Assert.True(recovered, $"east ran no active within {Takeover.TotalSeconds:F0} s after its broker came back" + Logs(sites));
        Assert.False(sites.Meter.Serving(West), "west serves after east's broker came back");
        Assert.Equal(East, (await sites.TicketAsync())?.Site);
        Assert.Equal(0, sites.Meter.OverlapMs());
    }

    /// <summary>
    /// A negative result needs a span to hold over: longer than the lease plus acquire-after,
    /// after which a ticket east failed to renew would have expired and been taken. Checked all
    /// along, not once at the end.
    /// </summary>
    private async Task AssertNothingChangesAsync(TicketedSites sites, Action fault, string what)
    {
        SiteTicketRecord before = (await sites.TicketAsync())!;
        var roles = sites.East.Observer.LatestRoles(Group)!;
        string active = roles.Active[0];

        fault();

        TimeSpan window = TimeSpan.FromMilliseconds(TicketedSites.Timing.EarliestTakeoverMs + 4000);
        var clock = Stopwatch.StartNew();
        int reads = 0;
        while (clock.Elapsed < window)
        {
            SiteTicketRecord? now = await sites.TicketAsync();
            Assert.True(now == before, $"{clock.ElapsedMilliseconds} ms after {what} the ticket is {now?.ToString() ?? "held by nobody (or unreadable)"}, was {before}");
            Assert.True(sites.Meter.Serving(East), $"east stopped serving {clock.ElapsedMilliseconds} ms after {what}" + Logs(sites));
            Assert.False(sites.Meter.Serving(West), $"west serves {clock.ElapsedMilliseconds} ms after {what}");
            Assert.Equal([active], sites.East.Observer.LatestRoles(Group)!.Active);
            reads++;
            await Task.Delay(200); // the pace of the checks within the window, not a wait for anything
        }

        output.WriteLine($"{window.TotalMilliseconds:F0} ms after {what}: {reads} reads, east kept the ticket on lease {before.Lease} (renewed: the lease is {TicketedSites.Timing.LeaseMs} ms) and {active} active at epoch {roles.Epoch}");
        Assert.Equal(roles.Epoch, sites.East.Observer.LatestRoles(Group)!.Epoch);
        Assert.Equal(0, sites.Meter.OverlapMs());
    }

    private Task<TicketedSites> StartAsync() =>
        TicketedSites.StartSettledAsync(new RackClusterFixture.OutputWriter(output), Settle, CancellationToken.None);

    private static string Logs(TicketedSites sites) => sites.BoardLogs();
}
