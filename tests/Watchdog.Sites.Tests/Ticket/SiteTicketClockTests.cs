using System.Threading.Channels;
using Microsoft.Extensions.Time.Testing;
using Watchdog.Sites.Tests.Support;
using Watchdog.Sites.Ticket;

namespace Watchdog.Sites.Tests.Ticket;

/// <summary>
/// The keeper's timing to the millisecond, on a fake clock with the ticket's keys in memory:
/// lease 2 s, renewal every 500 ms, stop margin 500 ms, acquire-after 500 ms.
/// </summary>
public sealed class SiteTicketClockTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Lost_comes_from_the_timer_at_the_deadline_while_a_keepalive_hangs()
    {
        await using var rig = new Rig();
        rig.Store.HangKeepAlives = true;
        TicketHeld held = await rig.UntilHeldAsync();
        Assert.Equal(TimeSpan.FromMilliseconds(500), rig.Clock.GetElapsedTime(rig.Started, held.At)); // the acquire-after wait
        await rig.Store.FirstKeepAlive.WaitAsync(Bound);

        // The loop waits in the keepalive; the deadline is the grant's send time + 2 s - 500 ms.
        rig.Clock.Advance(TimeSpan.FromMilliseconds(1499));
        Assert.Empty(rig.Log.Losts);
        rig.Clock.Advance(TimeSpan.FromMilliseconds(1));
        TicketLost lost = Assert.Single(rig.Log.Losts);
        Assert.Equal(TimeSpan.FromMilliseconds(1500), rig.Clock.GetElapsedTime(held.At, lost.At));
        Assert.StartsWith("no renewal succeeded in time", lost.Reason, StringComparison.Ordinal);

        // The keepalive answers after all, too late: it does not make the ticket held again.
        rig.Store.AnswerHungKeepAlive(2);
        await rig.NextSleepAsync();
        Assert.Equal(TicketState.Lost, rig.Keeper.State);
        Assert.Equal(0, rig.Keeper.Renewals);
        Assert.Single(rig.Log.Losts);
    }

    [Fact]
    public async Task Each_renewal_moves_the_deadline_to_its_send_time_plus_the_ttl_minus_the_margin()
    {
        await using var rig = new Rig();
        TicketHeld held = await rig.UntilHeldAsync();
        for (int i = 0; i < 3; i++)
        {
            rig.Clock.Advance(await rig.NextSleepAsync());
        }

        await rig.NextSleepAsync();
        TicketRenewed last = rig.Log.Renewals[^1];
        Assert.Equal(4, last.Count);
        Assert.Equal(TimeSpan.FromMilliseconds(1500), rig.Clock.GetElapsedTime(last.Sent, last.Deadline));
        Assert.Equal(TimeSpan.FromMilliseconds(1500), rig.Clock.GetElapsedTime(held.At, last.Sent));
        Assert.Empty(rig.Log.Losts);
    }

    [Fact]
    public async Task A_keepalive_answering_ttl_zero_is_a_loss_at_once()
    {
        await using var rig = new Rig();
        rig.Store.KeepAliveTtl = 0;
        TicketHeld held = await rig.UntilHeldAsync();
        TicketLost lost = await rig.Log.FirstLost(Bound);
        Assert.Equal(held.At, lost.At);
        Assert.Contains("TTL 0", lost.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_acquire_after_wait_starts_again_when_someone_held_the_ticket_meanwhile()
    {
        await using var rig = new Rig();
        Assert.Equal(TimeSpan.FromMilliseconds(250), await rig.NextSleepAsync()); // saw it free at the start

        // West takes the ticket and lets it go between two looks: the holder is absent both
        // times, but the ceiling moved, so the 500 ms count from the second look.
        rig.Store.Revoke(rig.Store.TakeAs("west"));
        rig.Clock.Advance(TimeSpan.FromMilliseconds(250));
        TicketHeld held = await rig.UntilHeldAsync();
        Assert.Equal(TimeSpan.FromMilliseconds(750), rig.Clock.GetElapsedTime(rig.Started, held.At));
        Assert.Equal(1000, held.Floor);
    }

    [Fact]
    public async Task A_holder_key_taken_over_is_a_loss_at_the_next_renewal()
    {
        await using var rig = new Rig();
        await rig.UntilHeldAsync();
        rig.Clock.Advance(await rig.NextSleepAsync());
        rig.Store.Revoke(rig.Store.TakeAs("west")); // forced elsewhere, then gone: not ours any more
        rig.Clock.Advance(await rig.NextSleepAsync());
        TicketLost lost = await rig.Log.FirstLost(Bound);
        Assert.Contains("no longer names this site", lost.Reason, StringComparison.Ordinal);
    }

    /// <summary>A keeper on a fake clock and a fake store; the test moves time when the loop waits.</summary>
    private sealed class Rig : IAsyncDisposable
    {
        private readonly Channel<(TimeSpan Wait, TicketState State)> sleeps = Channel.CreateUnbounded<(TimeSpan, TicketState)>();

        public Rig()
        {
            Store = new FakeTicketStore(Clock);
            var options = new SiteTicketOptions
            {
                Cluster = "dr1",
                Ticket = "group-a",
                Site = "east",
                Endpoints = ["http://127.0.0.1:9"],
                LeaseMs = 2000,
                RenewMs = 500,
                StopMarginMs = 500,
                AcquireAfterMs = 500,
            };
            Keeper = new SiteTicket(options, _ => Task.FromResult(true), Clock, Store);

            // Raised on the loop, which alone makes the ticket held: the state is the one the wait follows.
            Keeper.Sleeping += wait => sleeps.Writer.TryWrite((wait, Keeper.State));
            Log = new TicketRecorder(Keeper);
            Started = Clock.GetTimestamp();
            Keeper.Start();
        }

        public FakeTimeProvider Clock { get; } = new();

        public FakeTicketStore Store { get; }

        public SiteTicket Keeper { get; }

        public TicketRecorder Log { get; }

        public long Started { get; }

        /// <summary>The next wait the loop starts (it is waiting when this returns).</summary>
        public async Task<TimeSpan> NextSleepAsync()
        {
            using var bound = new CancellationTokenSource(Bound);
            return (await sleeps.Reader.ReadAsync(bound.Token)).Wait;
        }

        /// <summary>
        /// Moves the clock through each of the loop's waits until the keeper holds the ticket; a
        /// wait that follows the acquisition is left for the test.
        /// </summary>
        public async Task<TicketHeld> UntilHeldAsync()
        {
            Task<TicketHeld> held = Log.FirstHeld(Bound);
            while (true)
            {
                if (sleeps.Reader.TryPeek(out var next))
                {
                    if (next.State == TicketState.Held)
                    {
                        return await held;
                    }

                    sleeps.Reader.TryRead(out _);
                    Clock.Advance(next.Wait);
                    continue;
                }

                if (held.IsCompleted)
                {
                    return await held;
                }

                await Task.WhenAny(sleeps.Reader.WaitToReadAsync().AsTask(), held);
            }
        }

        public ValueTask DisposeAsync() => Keeper.DisposeAsync();
    }
}
