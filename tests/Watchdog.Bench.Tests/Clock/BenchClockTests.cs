using Watchdog.Bench.Timing;

namespace Watchdog.Bench.Tests.Clock;

/// <summary>The bench clock's sleep: never early, at once when the time has passed.</summary>
public class BenchClockTests
{
    [Fact]
    public void A_sleep_never_returns_before_its_deadline()
    {
        var clock = new BenchClock();
        for (var i = 0; i < 20; i++)
        {
            double target = clock.NowMs + 0.5 + (i % 5);
            clock.SleepUntil(target);
            Assert.True(clock.NowMs >= target, $"woke at {clock.NowMs:0.000} ms, before {target:0.000} ms");
        }
    }

    [Fact]
    public void A_deadline_already_past_returns_at_once()
    {
        var clock = new BenchClock();
        var started = System.Diagnostics.Stopwatch.StartNew();

        clock.SleepUntil(clock.NowMs - 1000);

        Assert.True(started.ElapsedMilliseconds < 1000, $"took {started.ElapsedMilliseconds} ms for a deadline 1 s past");
    }
}
