using Watchdog.Lab.Bench;
using Watchdog.Testing;

namespace Watchdog.Lab.Tests.Bench;

/// <summary>
/// `bench --wakeup`: what it counts as a suspected or timed-out edge, what it refuses, and that a
/// short real phase gives every thread every deadline (no figures asserted: timings belong to the bench).
/// </summary>
public class WakeupBenchTests
{
    [Fact]
    public void A_wake_up_late_by_one_and_a_half_periods_would_be_suspected_and_by_two_and_a_half_a_timeout()
    {
        var s = WakeupBench.Summarize("unpinned", [0, 29.9, 30, 49.9, 50, 80], periodMs: 20);

        Assert.Equal((6, 4, 2, 80.0), (s.WakeUps, s.Suspect, s.Timeout, s.MaxMs));
    }

    [Theory]
    [InlineData(11.4, 1.5, 10)]
    [InlineData(15.0, 1.5, 20)]
    [InlineData(46.0, 1.5, 40)]
    [InlineData(46.0, 2.5, 20)]
    [InlineData(99.0, 2.5, 40)]
    public void The_shortest_period_a_wake_up_allows_is_above_it_in_whole_tens_of_ms(double lateMs, double periods, int expected) =>
        Assert.Equal(expected, WakeupBench.ShortestPeriod(lateMs, periods));

    [Theory]
    [InlineData("hang", null, "--wakeup measures this machine's thread wake-ups alone: no --scenario, --peer, --chaos, --boards, --groups or --frontier")]
    [InlineData("all", "keepalived", "--wakeup measures this machine's thread wake-ups alone: no --scenario, --peer, --chaos, --boards, --groups or --frontier")]
    public void A_rack_option_beside_it_is_refused(string scenario, string? peer, string message)
    {
        var settings = new BenchSettings { Wakeup = true, Scenario = scenario, Peer = peer, HeartbeatMs = 20 };

        Assert.Equal(message, Assert.Throws<FormatException>(() => WakeupBench.Run(settings, CancellationToken.None)).Message);
    }

    [Fact]
    public void A_phase_shorter_than_a_second_is_refused_with_the_range()
    {
        var settings = new BenchSettings { Wakeup = true, Scenario = "all", HeartbeatMs = 20, Soak = TimeSpan.FromMilliseconds(500) };

        Assert.Contains("00:00:01 to 01:00:00", Assert.Throws<FormatException>(() => WakeupBench.Run(settings, CancellationToken.None)).Message, StringComparison.Ordinal);
    }

    [RootFact("its threads run SCHED_RR and pinned, as the bench's do")]
    public void Every_thread_waits_for_every_deadline_and_the_earlier_of_the_pinned_is_never_later_than_any_of_them()
    {
        var series = WakeupBench.Measure(periodMs: 20, TimeSpan.FromMilliseconds(500), CancellationToken.None);

        Assert.Equal(["unpinned", .. Enumerable.Range(0, Environment.ProcessorCount).Select(c => $"cpu{c}"), "earlier of the pinned"], series.Select(s => s.Thread));
        Assert.All(series, s => Assert.Equal(50, s.WakeUps));
        var pinned = series.Where(s => s.Thread.StartsWith("cpu", StringComparison.Ordinal)).ToList();
        var earliest = series[^1];
        Assert.True(earliest.MaxMs <= pinned.Min(s => s.MaxMs), $"the earlier of the pinned threads woke at worst {earliest.MaxMs} ms late, later than one of them: {string.Join(", ", pinned)}");
    }
}
