using Watchdog.Agent.Metrics;

namespace Watchdog.Agent.Tests;

/// <summary>Parsing of /proc and /sys texts (recorded samples) and rates from two readings.</summary>
public sealed class ProcMetricsTests
{
    private const string Stat1 = "cpu  100 0 100 700 100 0 0 0 0 0\ncpu0 50 0 50 350 50 0 0 0 0 0\nintr 1\n";
    private const string Stat2 = "cpu  200 0 200 1300 100 0 0 0 0 0\ncpu0 100 0 100 650 50 0 0 0 0 0\nintr 2\n";

    [Fact]
    public void Cpu_counts_idle_and_iowait_as_idle()
    {
        (ulong total, ulong idle) = ProcReader.ParseCpu(Stat1);
        Assert.Equal(1000UL, total);
        Assert.Equal(800UL, idle);
    }

    [Fact]
    public void Meminfo_uses_MemAvailable_or_the_old_estimate()
    {
        Assert.Equal((1000L, 250L), ProcReader.ParseMemInfo("MemTotal:  1000 kB\nMemFree: 100 kB\nMemAvailable:  250 kB\n"));
        Assert.Equal((1000L, 300L), ProcReader.ParseMemInfo("MemTotal: 1000 kB\nMemFree: 100 kB\nBuffers: 50 kB\nCached: 150 kB\n"));
    }

    [Fact]
    public void Diskstats_counts_sectors_read_and_written_of_chosen_devices()
    {
        const string text = "   8       0 sda 10 0 100 0 20 0 300 0 0 0 0\n   8       1 sda1 5 0 50 0 10 0 150 0 0 0 0\n";
        Assert.Equal(400UL * 512, ProcReader.ParseDiskStats(text, n => n == "sda"));
    }

    [Fact]
    public void Netdev_sums_rx_and_tx_bytes_skipping_lo()
    {
        const string text = "Inter-|   Receive\n face |bytes packets\n    lo: 999 1 0 0 0 0 0 0 999 1 0 0 0 0 0 0\n  eth0: 1000 10 0 0 0 0 0 0 2000 20 0 0 0 0 0 0\n";
        Assert.Equal((1000UL, 2000UL), ProcReader.ParseNetDev(text, n => n != "lo"));
    }

    [Fact]
    public void Load_is_the_first_field()
    {
        Assert.Equal(0.42, ProcReader.ParseLoad1("0.42 0.30 0.20 1/100 1234\n"));
    }

    [Fact]
    public void Sampler_turns_two_readings_into_rates()
    {
        using var dir = new TempDirectory();
        Directory.CreateDirectory(dir.File("proc/net"));
        Directory.CreateDirectory(dir.File("sys/block/sda"));
        void Write(string stat, ulong sectors, ulong rx)
        {
            File.WriteAllText(dir.File("proc/stat"), stat);
            File.WriteAllText(dir.File("proc/meminfo"), "MemTotal: 1000 kB\nMemAvailable: 400 kB\n");
            File.WriteAllText(dir.File("proc/diskstats"), "8 0 sda 0 0 " + sectors + " 0 0 0 0 0 0 0 0\n8 1 sda1 0 0 999999 0 0 0 0 0 0 0 0\n7 0 loop0 0 0 5 0 0 0 0 0 0 0 0\n");
            File.WriteAllText(dir.File("proc/net/dev"), "h\nh\n  eth0: " + rx + " 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n");
            File.WriteAllText(dir.File("proc/loadavg"), "1.50 1 1 1/1 1\n");
        }

        var sampler = new MetricsSampler(new ProcReader(dir.File("proc"), dir.File("sys")), "/", () => 12.5);
        Write(Stat1, 0, 0);
        NodeMetrics first = sampler.Sample("n1", 10_000);
        Assert.Equal(60, first.MemoryPercent);
        Assert.Equal(0, first.CpuPercent);
        Assert.Equal(1.5, first.Load1);
        Assert.Equal(12.5, first.ResponseMs);
        Assert.InRange(first.DiskPercent, 0, 100);

        Write(Stat2, 2000, 5000);
        NodeMetrics second = sampler.Sample("n1", 12_000);
        // 800 jiffies elapsed, 600 of them idle: 25 % busy.
        Assert.Equal(25, second.CpuPercent);
        // sda only (partitions and loop devices excluded): 2000 sectors * 512 B over 2 s.
        Assert.Equal(512_000, second.DiskIoBytesPerSecond);
        Assert.Equal(2500, second.NetRxBytesPerSecond);
    }

    [Fact]
    public void Real_proc_is_readable()
    {
        var sampler = new MetricsSampler(new ProcReader(), "/");
        sampler.Sample("n", 1000);
        Thread.Sleep(50);
        NodeMetrics m = sampler.Sample("n", 1100);
        Assert.InRange(m.MemoryPercent, 0.01, 100);
        Assert.InRange(m.CpuPercent, 0, 100);
        Assert.InRange(m.DiskPercent, 0, 100);
    }
}
