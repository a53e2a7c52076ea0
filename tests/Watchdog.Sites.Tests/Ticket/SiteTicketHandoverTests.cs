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

/// <summary>Taking and handing over the ticket on a real etcd cluster: the epoch ceiling, release, the before-acquire check, force.</summary>
[Collection(EtcdCollection.Name)]
public sealed class SiteTicketHandoverTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Soon = TimeSpan.FromSeconds(10);

    [RootFact(EtcdCollection.Why, "etcd")]
    public async Task The_next_holders_floor_is_above_every_epoch_the_last_one_used()
    {
        await using EtcdCluster cluster = await EtcdCluster.StartAsync("east", "west", "arbiter");
        await using TicketRecorder east = Tickets.Start(Tickets.Options(cluster, "east", reserve: 10));
        TicketHeld held = await east.FirstHeld(Soon);
        Assert.Equal(held.Floor + 10, held.Ceiling);

        // Within half the reserve of the ceiling, the keeper raises it (by the reserve).
        long used = held.Floor;
        for (int i = 0; i < 6; i++)
        {
            Assert.True(east.Keeper.NoteEpoch(++used), $"epoch {used} is below the ceiling {east.Keeper.Ceiling}");
        }

        Assert.True(await Poll.UntilAsync(() => east.Keeper.Ceiling >= held.Floor + 20, Soon, TimeSpan.FromMilliseconds(20)), $"the ceiling stayed at {east.Keeper.Ceiling} with epoch {used} noted");
        while (used < held.Floor + 14)
        {
            Assert.True(east.Keeper.NoteEpoch(++used));
        }

        await using TicketRecorder west = Tickets.Start(Tickets.Options(cluster, "west", reserve: 10));
        long releasedAt = Stopwatch.GetTimestamp();
        Assert.True(await east.Keeper.ReleaseAsync(), "etcd confirmed the revoke");
        TicketLost lost = await east.FirstLost(Soon);
        Assert.Equal("released", lost.Reason);
        TicketHeld westHeld = await west.FirstHeld(Soon);

        Assert.True(westHeld.At > lost.At);
        Assert.True(westHeld.Floor >= used, $"west's floor {westHeld.Floor} is below epoch {used} east used");
        Assert.True(westHeld.Floor >= east.Keeper.Ceiling);
        Assert.True(Ms(releasedAt, westHeld.At) >= Tickets.AcquireAfterMs, "west waited the acquire-after time");

        // East released, so it is no longer a candidate and does not take the ticket back.
        Assert.False(east.Keeper.Candidate);
        await west.MoreRenewals(3, Soon);
        Assert.Single(east.Helds);
        output.WriteLine($"released: west held {Ms(releasedAt, westHeld.At):F0} ms later, floor {westHeld.Floor} (east used up to {used})");
    }

    [RootFact(EtcdCollection.Why, "etcd")]
    public async Task A_site_whose_check_fails_does_not_take_a_free_ticket()
    {
        await using EtcdCluster cluster = await EtcdCluster.StartAsync("east", "west", "arbiter");
        bool ready = false;
        int asked = 0;
        var askedThrice = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using TicketRecorder west = Tickets.Start(Tickets.Options(cluster, "west"), _ =>
        {
            if (Interlocked.Increment(ref asked) >= 3)
            {
                askedThrice.TrySetResult();
            }

            return Task.FromResult(Volatile.Read(ref ready));
        });

        await askedThrice.Task.WaitAsync(Soon);
        Assert.Equal(TicketState.NotHeld, west.Keeper.State);
        Assert.Empty(west.Helds);
        using (var client = new EtcdClient(cluster.Endpoint("east")))
        {
            RangeResponse holder = await client.GetAsync(new RangeRequest { Key = ByteString.CopyFromUtf8(west.Keeper.Options.HolderKey) });
            Assert.Empty(holder.Kvs);
        }

        // The same keeper takes it once its members are ready: the check was what held it back.
        Volatile.Write(ref ready, true);
        TicketHeld held = await west.FirstHeld(Soon);
        Assert.Equal(0, held.Floor);
        Assert.True(west.Keeper.ChecksRefused >= 3);
    }

    [RootFact(EtcdCollection.Why, "etcd")]
    public async Task A_forced_take_skips_the_wait_but_needs_a_quorum()
    {
        await using EtcdCluster cluster = await EtcdCluster.StartAsync("east", "west", "arbiter");
        TicketHeld eastHeld;
        long eastCeiling;
        long downAt;
        await using (TicketRecorder east = Tickets.Start(Tickets.Options(cluster, "east")))
        {
            eastHeld = await east.FirstHeld(Soon);
            eastCeiling = east.Keeper.Ceiling;
            downAt = Stopwatch.GetTimestamp();
        } // east's keeper stops without releasing: its lease is still alive

        await using TicketRecorder west = Tickets.Start(Tickets.Options(cluster, "west"), candidate: false);
        string refused = await west.Keeper.ForceAcquireAsync("operator: site east is powered off");
        Assert.Equal("", refused);
        TicketHeld westHeld = await west.FirstHeld(Soon);
        Assert.True(westHeld.Forced);
        Assert.True(westHeld.Floor >= eastCeiling);
        Assert.True(Ms(downAt, westHeld.At) < Tickets.LeaseMs, "forced before east's lease could have run out");
        using (var client = new EtcdClient(cluster.Endpoint("west")))
        {
            RangeResponse forced = await client.GetAsync(new RangeRequest { Key = ByteString.CopyFromUtf8(west.Keeper.Options.ForcedKey) });
            Assert.Contains("site east is powered off", Assert.Single(forced.Kvs).Value.ToStringUtf8(), StringComparison.Ordinal);
        }

        output.WriteLine($"forced: west held {Ms(downAt, westHeld.At):F0} ms after east's keeper stopped (floor {westHeld.Floor}, east's ceiling {eastCeiling}, east's floor {eastHeld.Floor})");

        // West's member alone is no majority: forcing another ticket there fails, in bounded time.
        cluster.Kill("east");
        cluster.Kill("arbiter");
        await using TicketRecorder alone = Tickets.Start(Tickets.Options(cluster, "west", ticket: "group-b"), candidate: false);
        long askedAt = Stopwatch.GetTimestamp();
        string why = await alone.Keeper.ForceAcquireAsync("operator: the others are down");
        Assert.NotEqual("", why);
        Assert.Equal(TicketState.NotHeld, alone.Keeper.State);
        output.WriteLine($"forced without a quorum: refused after {Ms(askedAt, Stopwatch.GetTimestamp()):F0} ms: {why}");
    }
    [RootFact(EtcdCollection.Why, "etcd")]
    public async Task A_restarted_holder_keeps_its_live_lease_and_the_other_site_never_takes_it()
    {
        await using EtcdCluster cluster = await EtcdCluster.StartAsync("east", "west", "arbiter");
        TicketRecorder east = Tickets.Start(Tickets.Options(cluster, "east"));
        TicketHeld first = await east.FirstHeld(Soon);
        await using TicketRecorder west = Tickets.Start(Tickets.Options(cluster, "west"));

        // The board holding the keeper dies: its keeper stops without releasing, the lease runs on.
        long crashedAt = Stopwatch.GetTimestamp();
        await east.DisposeAsync();
        await using TicketRecorder restarted = Tickets.Start(Tickets.Options(cluster, "east"));
        TicketHeld resumed = await restarted.FirstHeld(Soon);

        // Well inside the old lease: no wait for its expiry and the acquire-after time, which
        // would have let west race for the ticket while east's active ran on.
        Assert.True(Ms(crashedAt, resumed.At) < Tickets.LeaseMs, $"resumed {Ms(crashedAt, resumed.At):F0} ms after the crash");
        Assert.Equal(0, resumed.Floor);
        Assert.True(resumed.Ceiling >= first.Ceiling);
        await restarted.MoreRenewals(3, Soon);
        Assert.Empty(west.Helds);
        output.WriteLine($"restarted keeper held again {Ms(crashedAt, resumed.At):F0} ms after the crash; west never held");
    }

    [RootFact(EtcdCollection.Why, "etcd")]
    public async Task A_site_that_handed_over_stands_aside_until_the_other_holds_it_then_takes_it_back_when_that_site_is_lost()
    {
        await using EtcdCluster cluster = await EtcdCluster.StartAsync("east", "west", "arbiter");
        await using TicketRecorder east = Tickets.Start(Tickets.Options(cluster, "east"));
        await east.FirstHeld(Soon);
        TicketRecorder west = Tickets.Start(Tickets.Options(cluster, "west"));
        try
        {
            Assert.True(await east.Keeper.HandOverAsync(), "etcd confirmed the revoke");
            Assert.False(east.Keeper.Candidate);
            TicketHeld westHeld = await west.FirstHeld(Soon);

            // East competes again once it saw west hold the ticket: within a poll of its keeper.
            Assert.True(await Poll.UntilAsync(() => east.Keeper.Candidate, Soon, TimeSpan.FromMilliseconds(20)), "east never became a candidate again with west holding the ticket");
            Assert.Single(east.Helds);
            Assert.Equal("released", (await east.FirstLost(Soon)).Reason);

            // West lost (its keeper stops without releasing: the lease runs out): east takes it back.
            await west.DisposeAsync();
            Assert.True(await Poll.UntilAsync(() => east.Helds.Count == 2, Soon, TimeSpan.FromMilliseconds(20)), "east did not take the ticket back after west was lost");
            Assert.True(east.Helds[1].Floor >= westHeld.Ceiling, $"east's floor {east.Helds[1].Floor} is below west's ceiling {westHeld.Ceiling}");
            output.WriteLine($"handed over; west held, east a candidate again; west lost, east took it back at floor {east.Helds[1].Floor}");
        }
        finally
        {
            await west.DisposeAsync();
        }
    }

    [RootFact(EtcdCollection.Why, "etcd")]
    public async Task A_handover_nobody_takes_returns_to_the_site_after_lease_and_acquire_after()
    {
        await using EtcdCluster cluster = await EtcdCluster.StartAsync("east", "west", "arbiter");
        await using TicketRecorder east = Tickets.Start(Tickets.Options(cluster, "east"));
        await east.FirstHeld(Soon);

        long handedOver = Stopwatch.GetTimestamp();
        Assert.True(await east.Keeper.HandOverAsync());
        Assert.True(await Poll.UntilAsync(() => east.Helds.Count == 2, Soon, TimeSpan.FromMilliseconds(20)), "the ticket nobody took stayed free");
        double after = Ms(handedOver, east.Helds[1].At);
        output.WriteLine($"nobody took the handed-over ticket: east took it back {after:F0} ms later");
        Assert.True(after >= Tickets.LeaseMs + Tickets.AcquireAfterMs, $"east took it back after {after:F0} ms, before lease + acquire-after");
    }
}
