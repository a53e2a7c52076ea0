using System.Diagnostics;
using dotnet_etcd;
using Etcdserverpb;
using Google.Protobuf;
using Watchdog.Lab.Sites;
using Watchdog.Sites.Tests.Support;
using Watchdog.Sites.Ticket;
using Watchdog.Testing;
using Xunit.Abstractions;
using static Watchdog.Sites.Tests.Support.TicketRecorder;

namespace Watchdog.Sites.Tests.Ticket;

/// <summary>
/// A manual ticket on a real etcd cluster: it moves only when an operator grants it
/// (<see cref="TicketGrant"/>, what `watchdogctl dr promote` calls), from a running holder or,
/// on the operator's statement that the holder is down, at once.
/// </summary>
[Collection(EtcdCollection.Name)]
public sealed class ManualTicketTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Soon = TimeSpan.FromSeconds(10);

    private static SiteTicketOptions Manual(EtcdCluster cluster, string site) =>
        Tickets.Options(cluster, site) with { Manual = true, DefaultSite = "east" };

    private static TicketGrant GrantTo(EtcdCluster cluster, string site) =>
        new(Manual(cluster, site) with { Endpoints = [cluster.Endpoint("east"), cluster.Endpoint("west"), cluster.Endpoint("arbiter")] });

    [RootFact(EtcdCollection.Why, "etcd")]
    public async Task The_preferred_site_holds_it_and_the_other_never_takes_it_free_without_a_grant()
    {
        await using EtcdCluster cluster = await EtcdCluster.StartAsync("east", "west", "arbiter");
        await using TicketRecorder west = Tickets.Start(Manual(cluster, "west"));
        await using (TicketRecorder east = Tickets.Start(Manual(cluster, "east")))
        {
            await east.FirstHeld(Soon);
        } // east's keeper stops without releasing: its lease runs out at the server

        using TicketGrant view = GrantTo(cluster, "west");
        var deadline = Stopwatch.GetTimestamp() + (long)(Soon.TotalSeconds * Stopwatch.Frequency);
        while ((await view.ReadAsync()).Holder is not null)
        {
            Assert.True(Stopwatch.GetTimestamp() < deadline, "east's lease did not run out");
            await Task.Delay(50);
        }

        // A free automatic ticket would be taken after acquire-after (500 ms here); a manual one
        // not granted to west stays free. Four acquire-after periods: a window, since nothing is the event.
        await Task.Delay(4 * Tickets.AcquireAfterMs);
        Assert.Empty(west.Helds);
        TicketView free = await view.ReadAsync();
        Assert.Null(free.Holder);
        Assert.Equal("east", free.GrantedTo);
        Assert.False(free.GrantedByOperator);

        Assert.Equal(new GrantResult(true, ""), await view.PromoteAsync(null));
        TicketHeld held = await west.FirstHeld(Soon);
        Assert.False(held.Forced);
        Assert.Equal("west", (await view.ReadAsync()).Holder);
    }

    [RootFact(EtcdCollection.Why, "etcd")]
    public async Task A_grant_makes_the_running_holder_stop_and_release_then_the_granted_site_takes_it_above_its_epochs()
    {
        await using EtcdCluster cluster = await EtcdCluster.StartAsync("east", "west", "arbiter");
        await using TicketRecorder east = Tickets.Start(Manual(cluster, "east"));
        await using TicketRecorder west = Tickets.Start(Manual(cluster, "west"));
        TicketHeld eastHeld = await east.FirstHeld(Soon);
        Assert.True(east.Keeper.NoteEpoch(eastHeld.Floor + 7));

        using TicketGrant grant = GrantTo(cluster, "west");
        long grantedAt = Stopwatch.GetTimestamp();
        Assert.Equal(new GrantResult(true, ""), await grant.PromoteAsync(null));

        TicketLost lost = await east.FirstLost(Soon);
        Assert.Contains("granted to site 'west' by an operator", lost.Reason, StringComparison.Ordinal);
        TicketHeld westHeld = await west.FirstHeld(Soon);
        Assert.True(westHeld.At > lost.At, "east stopped before west held");
        Assert.True(westHeld.Floor >= eastHeld.Floor + 7, $"west's floor {westHeld.Floor} is above east's epochs");
        Assert.True(Ms(lost.At, westHeld.At) >= Tickets.AcquireAfterMs, "west waited the acquire-after time after east's release");

        // East is no longer granted it: it does not take it back while west renews.
        await west.MoreRenewals(3, Soon);
        Assert.Single(east.Helds);
        output.WriteLine($"granted: east lost it {Ms(grantedAt, lost.At):F0} ms after the grant, west held it {Ms(grantedAt, westHeld.At):F0} ms after");

        // And back: a second grant moves it again.
        using TicketGrant back = GrantTo(cluster, "east");
        Assert.Equal(new GrantResult(true, ""), await back.PromoteAsync(null));
        await west.FirstLost(Soon);
        Assert.True(await Poll.UntilAsync(() => east.Helds.Count == 2, Soon, TimeSpan.FromMilliseconds(20)), "east took it back");
    }

    [RootFact(EtcdCollection.Why, "etcd")]
    public async Task A_statement_that_the_holder_is_down_revokes_its_lease_at_once_and_is_recorded()
    {
        await using EtcdCluster cluster = await EtcdCluster.StartAsync("east", "west", "arbiter");
        long downAt;
        await using (TicketRecorder east = Tickets.Start(Manual(cluster, "east")))
        {
            await east.FirstHeld(Soon);
            downAt = Stopwatch.GetTimestamp();
        } // stopped without releasing: the lease is alive for LeaseMs more

        await using TicketRecorder west = Tickets.Start(Manual(cluster, "west"));
        using TicketGrant grant = GrantTo(cluster, "west");
        Assert.Equal(new GrantResult(true, ""), await grant.PromoteAsync("operator: site east has no power (checked at the PDU)"));
        TicketHeld held = await west.FirstHeld(Soon);
        // Without the revoke: east's lease ends at least LeaseMs - RenewMs after downAt, then the wait: >= LeaseMs.
        Assert.True(Ms(downAt, held.At) < Tickets.LeaseMs, $"taken {Ms(downAt, held.At):F0} ms after east stopped: before its lease could have run out");

        using var client = new EtcdClient(cluster.Endpoint("west"));
        RangeResponse forced = await client.GetAsync(new RangeRequest { Key = ByteString.CopyFromUtf8(west.Keeper.Options.ForcedKey) });
        Assert.Contains("site east has no power", Assert.Single(forced.Kvs).Value.ToStringUtf8(), StringComparison.Ordinal);
        output.WriteLine($"site-down: west held it {Ms(downAt, held.At):F0} ms after east's keeper stopped (lease {Tickets.LeaseMs} ms)");
    }
}
