using System.Diagnostics;
using Watchdog.Board.Hosting;

namespace Watchdog.Board.Tests.Hosting;

public sealed class TickClockTests
{
    [Fact]
    public void Ticks_follow_the_schedule_without_accumulating_drift()
    {
        var clock = new TickClock(10);
        var watch = Stopwatch.StartNew();
        for (int i = 0; i < 50; i++)
        {
            Assert.Equal(0, clock.WaitNext(CancellationToken.None));
            Thread.Sleep(i % 5 == 0 ? 7 : 1); // uneven work inside a tick
        }

        // 50 ticks of 10 ms: the schedule ends at 500 ms whatever the work and sleep jitter did
        // (a drifting loop, sleeping 10 ms after up to 7 ms of work, would take 600 ms or more);
        // the upper bound leaves room for a loaded machine.
        Assert.InRange(watch.ElapsedMilliseconds, 495, 590);
    }

    [Fact]
    public void A_stall_longer_than_the_lag_limit_re_anchors_instead_of_bursting()
    {
        var clock = new TickClock(10);
        clock.WaitNext(CancellationToken.None);
        Thread.Sleep(300); // the process was frozen
        long skipped = clock.WaitNext(CancellationToken.None);
        Assert.InRange(skipped, TickClock.MaxLagTicks + 1, 40);
        Assert.Equal(1, clock.Stalls);

        // The next tick is a full period later, not immediately (no burst of catch-up ticks).
        var watch = Stopwatch.StartNew();
        Assert.Equal(0, clock.WaitNext(CancellationToken.None));
        Assert.True(watch.ElapsedMilliseconds >= 5, $"next tick came after {watch.ElapsedMilliseconds} ms: a catch-up burst");
    }
}
