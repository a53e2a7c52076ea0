using Watchdog.Lab.Bench;
using Watchdog.Lab.Rack;

namespace Watchdog.Lab.Tests.Bench;

/// <summary>`bench --frontier`'s periods and the timings derived from them (no rack: pure parsing and arithmetic).</summary>
public class FrontierOptionsTests
{
    [Fact]
    public void Periods_parse_in_the_order_given() =>
        Assert.Equal([50, 10, 20], FrontierRun.ParsePeriods("50, 10,20"));

    [Fact]
    public void The_default_periods_are_10_20_and_50() =>
        Assert.Equal([10, 20, 50], FrontierRun.ParsePeriods(FrontierRun.DefaultPeriods));

    [Theory]
    [InlineData("10,abc", "--periods 10,abc: 'abc' is not a whole number of ms")]
    [InlineData("10,", "--periods 10,: '' is not a whole number of ms")]
    [InlineData("25", "--periods 25: 25 ms must be a multiple of 10 from 10 to 1000 (keepalived's VRRPv3 advert interval is in centiseconds; the agent's floor is 10 ms)")]
    [InlineData("0", "--periods 0: 0 ms must be a multiple of 10 from 10 to 1000 (keepalived's VRRPv3 advert interval is in centiseconds; the agent's floor is 10 ms)")]
    [InlineData("2000", "--periods 2000: 2000 ms must be a multiple of 10 from 10 to 1000 (keepalived's VRRPv3 advert interval is in centiseconds; the agent's floor is 10 ms)")]
    [InlineData("20,20", "--periods 20,20: 20 ms is given twice")]
    public void A_bad_period_is_named(string text, string message) =>
        Assert.Equal(message, Assert.Throws<FormatException>(() => FrontierRun.ParsePeriods(text)).Message);

    [Fact]
    public void Keepalived_runs_VRRPv3_at_the_same_interval()
    {
        var tuning = FrontierRun.TuningFor(20);

        Assert.Equal((3, 0.02), (tuning.VrrpVersion, tuning.AdvertIntervalSeconds));
        Assert.Contains("advert_int 0.02", tuning.Render("node-a", true, "eth0", System.Net.IPAddress.Parse("10.0.0.1"), 24), StringComparison.Ordinal);
    }

    [Fact]
    public void The_board_ticks_a_quarter_period_between_5_and_10_ms() =>
        Assert.Equal([5, 5, 7, 10, 10], new[] { 10, 20, 30, 50, 1000 }.Select(RackClusterOptions.TickFor).ToArray());

    [Fact]
    public void The_board_accepts_the_rack_config_at_every_frontier_period()
    {
        foreach (var period in FrontierRun.ParsePeriods(FrontierRun.DefaultPeriods))
        {
            var options = new RackClusterOptions { HeartbeatPeriodMs = period, TickMs = RackClusterOptions.TickFor(period) };
            var json = ClusterConfigs.Board(options, [("s1", "web1"), ("s2", "web2")]);
            var ok = Watchdog.Firmware.Core.Config.BoardConfigReader.TryRead(System.Text.Encoding.UTF8.GetBytes(json), out _, out var error);

            Assert.True(ok, $"{period} ms: {error}");
        }
    }
}
