using System.Diagnostics;
using Watchdog.Lab.Sites;
using Watchdog.Sites.Tests.Support;
using Watchdog.Sites.Ticket;
using Watchdog.Testing;
using Xunit.Abstractions;
using static Watchdog.Sites.Tests.Support.TicketRecorder;

namespace Watchdog.Sites.Tests.Ticket;

/// <summary>
/// Faults between sites on a real three-member etcd cluster (east, west, arbiter), each keeper
/// talking to its own site's member only, with a 2 s lease, renewal every 500 ms, a 500 ms stop
/// margin and a 500 ms acquire-after wait.
/// </summary>
[Collection(EtcdCollection.Name)]
public sealed class SiteTicketFaultTests(ITestOutputHelper output)
{
    /// <summary>How late a timer may fire on a loaded machine and still count as on time.</summary>
    private const double TimerSlackMs = 300;

    private static readonly TimeSpan Soon = TimeSpan.FromSeconds(10);

    [RootFact(EtcdCollection.Why, "etcd")]
    public Task An_inter_site_cut_never_gives_two_holders() =>
        TakeoverAfter(cluster => cluster.Partition("east"), "east cut off from west and the arbiter", heal: cluster => cluster.Heal("east"));

    [RootFact(EtcdCollection.Why, "etcd")]
    public Task A_holder_whose_member_dies_says_lost_before_its_lease_could_expire() =>
        TakeoverAfter(cluster => cluster.Kill("east"), "east's member killed", heal: null);

    /// <summary>
    /// The member killed is the raft leader, the worst case: the holder renews through an election.
    /// The lease must outlast an election, which the 2 s one of the other tests does not always do
    /// on a loaded 2-core machine: under a full test run the holder's next successful renewal
    /// once went out 3 s after the kill, while it gives up 1.5 s after its last one. This one
    /// gives the holder 5 s, as a deployment's lease gives it many elections.
    /// </summary>
    [RootTheory(EtcdCollection.Why, "etcd")]
    [InlineData("arbiter")]
    [InlineData("west")]
    public async Task Losing_a_member_other_than_the_holders_changes_nothing(string member)
    {
        await using EtcdCluster cluster = await EtcdCluster.StartAsync("east", "west", "arbiter");
        await using TicketRecorder east = Tickets.Start(OutlastingAnElection(Tickets.Options(cluster, "east")));
        await east.FirstHeld(Soon);
        await using TicketRecorder west = Tickets.Start(OutlastingAnElection(Tickets.Options(cluster, "west")));
        await cluster.MakeLeaderAsync(member, Soon);
        await east.MoreRenewals(2, Soon);

        long killedAt = Stopwatch.GetTimestamp();
        cluster.Kill(member);
        await east.MoreRenewals(6, TimeSpan.FromSeconds(15));

        Assert.True(east.Losts.Count == 0, $"east lost the ticket at +{(east.Losts.Count > 0 ? Ms(killedAt, east.Losts[0].At) : 0):F0} ms: {string.Join("; ", east.Losts.Select(l => l.Reason))}; from the kill, "
            + east.RenewalTrail(killedAt) + $"; thread pool threads {ThreadPool.ThreadCount}, pending {ThreadPool.PendingWorkItemCount}");
        Assert.Equal(TicketState.Held, east.Keeper.State);
        Assert.Empty(west.Helds);
        Assert.NotEqual(TicketState.Held, west.Keeper.State);
        output.WriteLine($"{member} (the leader) killed: east renewed 6 more times in {Ms(killedAt, Stopwatch.GetTimestamp()):F0} ms, {east.Keeper.FailedRenewals} renewals failed on the way, longest gap between successful renewals {east.LongestRenewalGapMs(killedAt):F0} ms");
    }

    private static SiteTicketOptions OutlastingAnElection(SiteTicketOptions options) =>
        options with { LeaseMs = 6000, RenewMs = 1000, StopMarginMs = 1000 };

    /// <summary>
    /// East holds (and has noted an epoch); <paramref name="fault"/> stops its renewals. East must
    /// say lost before its lease could expire at the server, west must take the ticket only after
    /// that, with a floor above every epoch east could have used.
    /// </summary>
    private async Task TakeoverAfter(Action<EtcdCluster> fault, string what, Action<EtcdCluster>? heal)
    {
        await using EtcdCluster cluster = await EtcdCluster.StartAsync("east", "west", "arbiter");
        await using TicketRecorder east = Tickets.Start(Tickets.Options(cluster, "east"));
        TicketHeld eastHeld = await east.FirstHeld(Soon);
        await using TicketRecorder west = Tickets.Start(Tickets.Options(cluster, "west"));
        await east.MoreRenewals(3, Soon);
        long used = eastHeld.Floor + 7;
        Assert.True(east.Keeper.NoteEpoch(used), "an epoch below the ceiling is usable");

        long faultAt = Stopwatch.GetTimestamp();
        fault(cluster);
        TicketLost lost = await east.FirstLost(Soon);
        long lastSent = east.Keeper.LastRenewSent;

        // The server received the last successful keepalive no earlier than it was sent, so the
        // lease lives at least until lastSent + the lease; east must have said lost before that,
        // at its deadline (lastSent + lease - margin), give or take a late timer.
        double lostAfterSend = Ms(lastSent, lost.At);
        Assert.True(lostAfterSend < Tickets.LeaseMs, $"east said lost {lostAfterSend:F0} ms after its last renewal was sent: the lease ({Tickets.LeaseMs} ms) could have expired first");
        Assert.True(lostAfterSend <= Tickets.LeaseMs - Tickets.StopMarginMs + TimerSlackMs, $"east said lost {lostAfterSend:F0} ms after its last renewal was sent, later than its deadline ({Tickets.LeaseMs - Tickets.StopMarginMs} ms) allows");

        TicketHeld westHeld = await west.FirstHeld(TimeSpan.FromSeconds(20));

        // One monotonic clock: east held [eastHeld.At, lost.At], west from westHeld.At on.
        Assert.True(westHeld.At > lost.At, $"west held the ticket {Ms(westHeld.At, lost.At):F0} ms before east said lost");
        Assert.True(westHeld.Floor >= east.Keeper.Ceiling, $"west's floor {westHeld.Floor} is below east's ceiling {east.Keeper.Ceiling}");
        Assert.True(westHeld.Floor >= used, $"west's floor {westHeld.Floor} is below epoch {used} east used");
        Assert.False(east.Keeper.NoteEpoch(used + 1), "a site that lost the ticket may use no epoch");

        output.WriteLine($"{what}: east said lost {Tickets.LeaseMs - lostAfterSend:F0} ms before its lease could expire ({lostAfterSend:F0} ms after its last renewal was sent; reason: {lost.Reason})");
        output.WriteLine($"west held {Ms(faultAt, westHeld.At):F0} ms after the fault, {Ms(lost.At, westHeld.At):F0} ms after east said lost; floor {westHeld.Floor}, east's ceiling {east.Keeper.Ceiling}");

        long healedAt = faultAt;
        if (heal is not null)
        {
            // Back together: east sees west holding and stays out.
            healedAt = Stopwatch.GetTimestamp();
            heal(cluster);
            await west.MoreRenewals(4, Soon);
            Assert.Equal(TicketState.Held, west.Keeper.State);
        }

        Assert.Single(east.Helds);
        Assert.Single(east.Losts);
        // West losing its ticket is no overlap, but it should not happen here: say when, and what
        // its renewals did (ms from the heal, or from the fault without one), so a rare failure can be read.
        Assert.True(west.Losts.Count == 0, "west lost the ticket: " + string.Join("; ", west.Losts.Select(l => $"at +{Ms(healedAt, l.At):F0} ms: {l.Reason}"))
            + "; " + west.RenewalTrail(healedAt));
        Assert.Single(west.Helds);
    }
}
