using System.Diagnostics;
using Watchdog.Board.Hosting;

namespace Watchdog.Board.Tests.Hosting;

/// <summary>
/// The tick schedule's arithmetic on a fake time source (exact, whatever the machine's load), and
/// one check that the real clock waits at all.
/// </summary>
public sealed class TickClockTests
{
    [Fact]
    public void Ticks_follow_the_schedule_without_accumulating_drift()
    {
        var time = new FakeTime();
        var clock = time.Clock(periodMs: 10);
        for (int i = 1; i <= 50; i++)
        {
            Assert.Equal(0, clock.WaitNext(CancellationToken.None));

            // Each tick starts exactly when it is due, whatever the work before it took: a loop
            // that slept a period after its work would have drifted by the work's sum.
            Assert.Equal(i * 10.0, time.NowMs);
            time.Work(i % 5 == 0 ? 7 : 1);
        }

        Assert.Equal(0, clock.Stalls);
    }

    [Fact]
    public void A_tick_late_by_less_than_a_period_keeps_the_schedule()
    {
        var time = new FakeTime();
        var clock = time.Clock(periodMs: 10);
        clock.WaitNext(CancellationToken.None); // tick 1 at 10 ms
        time.Work(19); // tick 2 was due at 20 ms: it starts 9 ms late

        Assert.Equal(0, clock.WaitNext(CancellationToken.None));
        Assert.Equal(0, clock.Stalls);
        Assert.Equal(9.0, clock.WorstLateMs);

        // Tick 3 keeps its place at 30 ms: a slightly late tick does not shift the schedule.
        Assert.Equal(0, clock.WaitNext(CancellationToken.None));
        Assert.Equal(30.0, time.NowMs);
    }

    [Theory]
    [InlineData(25, 1, 45)] // at 35 ms: tick 2 (due 20) runs late, tick 3 (due 30) is skipped
    [InlineData(300, 29, 320)] // frozen for 300 ms: 29 ticks skipped
    public void A_tick_a_period_or_more_late_skips_the_missed_ticks_instead_of_running_them_back_to_back(
        int stalledMs, long skipped, double nextTickAtMs)
    {
        var time = new FakeTime();
        var clock = time.Clock(periodMs: 10);
        clock.WaitNext(CancellationToken.None); // tick 1 at 10 ms
        time.Work(stalledMs);

        Assert.Equal(skipped, clock.WaitNext(CancellationToken.None));
        Assert.Equal(1, clock.Stalls);
        Assert.Equal(skipped, clock.Skipped);

        // The next tick comes a full period later. Run back to back, the core would count a
        // reset driven in the first of them as held for a period in no time.
        Assert.Equal(0, clock.WaitNext(CancellationToken.None));
        Assert.Equal(nextTickAtMs, time.NowMs);
    }

    [Fact]
    public void Every_tick_start_counts_in_the_window_lateness_the_sleep_overshoot_included()
    {
        var time = new FakeTime { OversleepMs = 2 };
        var clock = time.Clock(periodMs: 10);
        for (int i = 0; i < 99; i++)
        {
            clock.WaitNext(CancellationToken.None);
            time.Work(1);
        }

        // One tick whose due time passed during the work before it: the last started 2 ms late
        // and worked 1 + 16 ms, so the next is 9 ms late.
        time.Work(16);
        clock.WaitNext(CancellationToken.None);

        Assert.Equal(100, clock.WindowLateness.Count);
        // A percentile is its bucket's upper edge: at most one bucket (50 us) late, never early.
        Assert.InRange(clock.WindowLateness.Percentile(0.50), 2.0, 2.0 + TickLateness.BucketMs + 1e-9);
        Assert.InRange(clock.WindowLateness.Percentile(0.99), 2.0, 2.0 + TickLateness.BucketMs + 1e-9);
        Assert.Equal(9.0, clock.WindowLateness.MaxMs, 3);
        Assert.Equal(9.0, clock.WindowLateness.Percentile(1.0), 3);
        Assert.Equal("p50 2.05 ms, p99 2.05 ms, max 9.00 ms over 100 ticks", clock.TakeWindowLateness());
        Assert.Equal(0, clock.WindowLateness.Count);
    }

    [Fact]
    public void The_real_clock_waits_for_the_first_tick()
    {
        var clock = new TickClock(20);
        var watch = Stopwatch.StartNew();
        Assert.Equal(0, clock.WaitNext(CancellationToken.None));

        // A lower bound only: a loaded machine may wake the thread late, never early.
        Assert.True(watch.ElapsedMilliseconds >= 10, $"the first 20 ms tick came after {watch.ElapsedMilliseconds} ms");
    }

    /// <summary>Time in microseconds that moves only when the clock sleeps or the test says work was done.</summary>
    private sealed class FakeTime
    {
        private const long Frequency = 1_000_000;
        private long _now;

        public double NowMs => _now / 1000.0;

        /// <summary>How much longer than asked every sleep lasts (a scheduler waking the thread late).</summary>
        public int OversleepMs { get; init; }

        public TickClock Clock(int periodMs) =>
            new(periodMs, () => _now, Frequency, (ms, _) => _now += (ms + OversleepMs) * (Frequency / 1000));

        public void Work(int ms) => _now += ms * (Frequency / 1000);
    }
}
