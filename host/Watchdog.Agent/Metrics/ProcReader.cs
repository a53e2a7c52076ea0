using System.Globalization;

namespace Watchdog.Agent.Metrics;

/// <summary>Raw counters read in one pass over /proc and /sys.</summary>
public readonly record struct ProcCounters(
    ulong CpuTotal,
    ulong CpuIdle,
    long MemTotalKb,
    long MemAvailableKb,
    ulong DiskBytes,
    ulong NetRxBytes,
    ulong NetTxBytes,
    double Load1);

/// <summary>
/// Parses the kernel's text files. The parse methods take the file text so tests feed them
/// recorded samples; Read() takes a root so tests can point it at a fake /proc tree.
/// </summary>
public sealed class ProcReader
{
    private readonly string _proc;
    private readonly string _sys;
    private readonly IReadOnlyCollection<string> _disks;
    private readonly IReadOnlyCollection<string> _interfaces;

    public ProcReader(string procRoot = "/proc", string sysRoot = "/sys", IReadOnlyCollection<string>? disks = null, IReadOnlyCollection<string>? interfaces = null)
    {
        _proc = procRoot;
        _sys = sysRoot;
        _disks = disks ?? Array.Empty<string>();
        _interfaces = interfaces ?? Array.Empty<string>();
    }

    public ProcCounters Read()
    {
        (ulong total, ulong idle) = ParseCpu(ReadOrEmpty(Path.Combine(_proc, "stat")));
        (long memTotal, long memAvail) = ParseMemInfo(ReadOrEmpty(Path.Combine(_proc, "meminfo")));
        ulong disk = ParseDiskStats(ReadOrEmpty(Path.Combine(_proc, "diskstats")), IsCountedDisk);
        (ulong rx, ulong tx) = ParseNetDev(ReadOrEmpty(Path.Combine(_proc, "net", "dev")), IsCountedInterface);
        double load = ParseLoad1(ReadOrEmpty(Path.Combine(_proc, "loadavg")));
        return new ProcCounters(total, idle, memTotal, memAvail, disk, rx, tx, load);
    }

    /// <summary>The aggregate "cpu" line: total jiffies and idle (idle + iowait) jiffies.</summary>
    public static (ulong Total, ulong Idle) ParseCpu(string stat)
    {
        if (AggregateCpu(stat) is { } f)
        {
            ulong total = 0;
            // Fields 1-8: user nice system idle iowait irq softirq steal. guest and guest_nice
            // (9, 10) are already included in user and nice, so they are not added again.
            for (int i = 1; i < f.Length && i <= 8; i++)
            {
                total += ulong.Parse(f[i], CultureInfo.InvariantCulture);
            }

            ulong idle = ulong.Parse(f[4], CultureInfo.InvariantCulture) + (f.Length > 5 ? ulong.Parse(f[5], CultureInfo.InvariantCulture) : 0);
            return (total, idle);
        }

        return (0, 0);
    }

    /// <summary>
    /// The aggregate "cpu" line's steal jiffies: time the CPUs had work while a hypervisor ran
    /// something else. Null when the line is missing or has no steal field (kernels before 2.6.11).
    /// </summary>
    public static ulong? ParseCpuSteal(string stat) =>
        AggregateCpu(stat) is { Length: > 8 } f && ulong.TryParse(f[8], NumberStyles.None, CultureInfo.InvariantCulture, out ulong steal) ? steal : null;

    // The aggregate line's fields, "cpu" first, then user nice system idle iowait irq softirq steal guest guest_nice.
    private static string[]? AggregateCpu(string stat)
    {
        foreach (string line in Lines(stat))
        {
            if (line.StartsWith("cpu ", StringComparison.Ordinal))
            {
                return line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            }
        }

        return null;
    }

    public static (long TotalKb, long AvailableKb) ParseMemInfo(string meminfo)
    {
        long total = 0, avail = -1, free = 0, buffers = 0, cached = 0;
        foreach (string line in Lines(meminfo))
        {
            int colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0)
            {
                continue;
            }

            string key = line[..colon];
            string[] rest = line[(colon + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (rest.Length == 0 || !long.TryParse(rest[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out long kb))
            {
                continue;
            }

            switch (key)
            {
                case "MemTotal": total = kb; break;
                case "MemAvailable": avail = kb; break;
                case "MemFree": free = kb; break;
                case "Buffers": buffers = kb; break;
                case "Cached": cached = kb; break;
            }
        }

        // Kernels before 3.14 have no MemAvailable; free + buffers + cached is the old estimate.
        return (total, avail >= 0 ? avail : free + buffers + cached);
    }

    /// <summary>Bytes read plus written (sectors are always 512 bytes in diskstats) over the counted devices.</summary>
    public static ulong ParseDiskStats(string diskstats, Func<string, bool> counted)
    {
        ulong bytes = 0;
        foreach (string line in Lines(diskstats))
        {
            string[] f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (f.Length < 10 || !counted(f[2]))
            {
                continue;
            }

            bytes += (ulong.Parse(f[5], CultureInfo.InvariantCulture) + ulong.Parse(f[9], CultureInfo.InvariantCulture)) * 512;
        }

        return bytes;
    }

    public static (ulong Rx, ulong Tx) ParseNetDev(string netdev, Func<string, bool> counted)
    {
        ulong rx = 0, tx = 0;
        foreach (string line in Lines(netdev))
        {
            int colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0)
            {
                continue;
            }

            string name = line[..colon].Trim();
            string[] f = line[(colon + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (f.Length < 9 || !counted(name))
            {
                continue;
            }

            rx += ulong.Parse(f[0], CultureInfo.InvariantCulture);
            tx += ulong.Parse(f[8], CultureInfo.InvariantCulture);
        }

        return (rx, tx);
    }

    public static double ParseLoad1(string loadavg)
    {
        string[] f = loadavg.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return f.Length > 0 && double.TryParse(f[0], NumberStyles.Float, CultureInfo.InvariantCulture, out double v) ? v : 0;
    }

    private bool IsCountedDisk(string name)
    {
        if (_disks.Count > 0)
        {
            return _disks.Contains(name);
        }

        // Whole disks only (partitions would count the same bytes twice); /sys/block lists them.
        return !name.StartsWith("loop", StringComparison.Ordinal) && !name.StartsWith("ram", StringComparison.Ordinal)
            && Directory.Exists(Path.Combine(_sys, "block", name));
    }

    private bool IsCountedInterface(string name) =>
        _interfaces.Count > 0 ? _interfaces.Contains(name) : name != "lo";

    private static string ReadOrEmpty(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (IOException)
        {
            return "";
        }
        catch (UnauthorizedAccessException)
        {
            return "";
        }
    }

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
}
