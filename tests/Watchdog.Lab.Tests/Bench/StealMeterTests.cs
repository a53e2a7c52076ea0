using Watchdog.Lab.Bench;
using Watchdog.Testing;

namespace Watchdog.Lab.Tests.Bench;

/// <summary>The soak's steal meter: what it reads from /proc/stat and what it says about a moment of the soak.</summary>
public sealed class StealMeterTests
{
    // Recorded on this project's 2-vCPU test machine: 2158 ticks of steal on the aggregate line.
    private const string Stat = """
        cpu  294854 482504 218138 1105325 6102 0 9051 2158 0 0
        cpu0 144469 237312 109852 561741 1140 0 3513 1082 0 0
        cpu1 150384 245191 108286 543584 4962 0 5537 1076 0 0
        intr 1 2 3
        """;

    [Fact]
    public void Steal_is_the_eighth_field_of_the_aggregate_cpu_line_in_ticks_of_10_ms()
    {
        Assert.Equal(21_580, StealMeter.Parse(Stat));
    }

    [Theory]
    [InlineData("cpu0 1 2 3 4 5 6 7 8 0 0\n")] // no aggregate line
    [InlineData("cpu  1 2 3 4 5 6 7\n")] // a kernel before steal was counted
    [InlineData("")]
    public void A_stat_without_the_aggregate_steal_reads_as_none(string stat)
    {
        Assert.Null(StealMeter.Parse(stat));
    }

    [Fact]
    public void A_window_is_widened_to_the_samples_around_it_and_the_worst_second_is_found()
    {
        var meter = StealMeter.Manual();
        // 100 ms samples; 60 ms of steal lands between 2.3 s and 2.4 s, 10 ms more at 4.0 s.
        for (long at = 0; at <= 5000; at += 100)
        {
            meter.Add(at, (at >= 2400 ? 60 : 0) + (at >= 4000 ? 10 : 0));
        }

        Assert.Equal(60, meter.StealMs(1400, 2400));
        Assert.Equal(60, meter.StealMs(2350, 2350)); // inside one sample interval: the whole interval
        Assert.Equal(0, meter.StealMs(2400, 3900));
        Assert.Equal(70, meter.StealMs(0, 5000));
        var worst = meter.WorstSecond();
        Assert.NotNull(worst);
        Assert.Equal(60, worst.Value.StealMs);
        Assert.InRange(worst.Value.EndUnixMs, 2400, 3400);
    }

    [Fact]
    public async Task It_samples_this_machines_counter_which_never_goes_back()
    {
        // The lab runs on Linux only; a kernel without the steal field gives no meter at all.
        double before = StealMeter.Parse(await File.ReadAllTextAsync("/proc/stat")) ?? -1;
        Assert.True(before >= 0, "this kernel's /proc/stat counts steal");
        long from = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await using StealMeter? meter = StealMeter.Start();
        Assert.NotNull(meter);
        Assert.True(await Poll.UntilAsync(() => meter.WorstSecond() is not null, TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(20)), "two samples within 30 s");
        Assert.InRange(meter.StealMs(from, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()), 0, double.MaxValue);
        Assert.True(StealMeter.Parse(await File.ReadAllTextAsync("/proc/stat")) >= before);
    }

    [Fact]
    public void A_machine_without_proc_stat_gives_no_meter()
    {
        Assert.Null(StealMeter.Start(Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N"), "stat")));
    }
}
