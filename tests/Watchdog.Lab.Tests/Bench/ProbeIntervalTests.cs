using Watchdog.Lab.Bench;
using Watchdog.Lab.Rack;

namespace Watchdog.Lab.Tests.Bench;

/// <summary>`bench --probe-ms`: the client probe's interval, the resolution every RTO is measured to.</summary>
public sealed class ProbeIntervalTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1001)]
    [InlineData(double.NaN)]
    public void An_interval_outside_1_to_1000_ms_is_refused_naming_the_option(double ms)
    {
        var e = Assert.Throws<FormatException>(() => BenchRun.CheckProbeMs(new BenchSettings { ProbeMs = ms }));
        Assert.StartsWith("--probe-ms ", e.Message, StringComparison.Ordinal);
        Assert.Contains("1..1000 ms", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_default_is_the_rack_probe_of_earlier_figures()
    {
        // Every RTO in docs/benchmarks.md before --probe-ms existed was taken with a 20 ms probe.
        Assert.Equal(20, new BenchSettings().ProbeMs);
        Assert.Equal(20, new RackClusterOptions().ProbeIntervalMs);
        BenchRun.CheckProbeMs(new BenchSettings { ProbeMs = 5 });
    }
}
