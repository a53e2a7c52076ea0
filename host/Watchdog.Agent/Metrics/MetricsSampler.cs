namespace Watchdog.Agent.Metrics;

/// <summary>
/// Turns two readings of the kernel's counters into rates and percentages. Keeps the previous
/// reading; the first sample after start reports rates of 0 (there is nothing to compare with).
/// </summary>
public sealed class MetricsSampler
{
    private readonly ProcReader _reader;
    private readonly string _diskPath;
    private readonly Func<double> _responseMs;
    private ProcCounters? _previous;
    private long _previousMs;

    public MetricsSampler(ProcReader reader, string diskPath, Func<double>? responseMs = null)
    {
        _reader = reader;
        _diskPath = diskPath;
        _responseMs = responseMs ?? (() => -1);
    }

    public NodeMetrics Sample(string node, long nowMs)
    {
        ProcCounters c = _reader.Read();
        var m = new NodeMetrics
        {
            Node = node,
            MemoryPercent = c.MemTotalKb > 0 ? Round(100.0 * (c.MemTotalKb - c.MemAvailableKb) / c.MemTotalKb) : 0,
            DiskPercent = DiskUsedPercent(_diskPath),
            Load1 = c.Load1,
            ResponseMs = _responseMs(),
            Timestamp = nowMs,
        };
        if (_previous is ProcCounters p && nowMs > _previousMs)
        {
            double seconds = (nowMs - _previousMs) / 1000.0;
            ulong dTotal = c.CpuTotal - p.CpuTotal;
            ulong dIdle = c.CpuIdle - p.CpuIdle;
            m.CpuPercent = dTotal > 0 ? Round(100.0 * (dTotal - Math.Min(dIdle, dTotal)) / dTotal) : 0;
            m.DiskIoBytesPerSecond = Round(Delta(c.DiskBytes, p.DiskBytes) / seconds);
            m.NetRxBytesPerSecond = Round(Delta(c.NetRxBytes, p.NetRxBytes) / seconds);
            m.NetTxBytesPerSecond = Round(Delta(c.NetTxBytes, p.NetTxBytes) / seconds);
        }

        _previous = c;
        _previousMs = nowMs;
        return m;
    }

    /// <summary>Used space as df shows it: used / (used + available to unprivileged users).</summary>
    public static double DiskUsedPercent(string path)
    {
        try
        {
            var d = new DriveInfo(path);
            double used = d.TotalSize - d.TotalFreeSpace;
            double denominator = used + d.AvailableFreeSpace;
            return denominator > 0 ? Round(100.0 * used / denominator) : 0;
        }
        catch (Exception ex) when (ex is IOException or ArgumentException or UnauthorizedAccessException)
        {
            return -1;
        }
    }

    /// <summary>Picks one figure by its configuration name (see CheckOptions.Metric).</summary>
    public static double Pick(NodeMetrics m, string metric) => metric switch
    {
        "cpu" => m.CpuPercent,
        "memory" => m.MemoryPercent,
        "disk" => m.DiskPercent,
        "disk-io" => m.DiskIoBytesPerSecond,
        "net-rx" => m.NetRxBytesPerSecond,
        "net-tx" => m.NetTxBytesPerSecond,
        "load1" => m.Load1,
        _ => throw new ArgumentException("unknown metric '" + metric + "'", nameof(metric)),
    };

    // A counter that went backwards was reset (device re-added, interface recreated).
    private static double Delta(ulong now, ulong before) => now >= before ? now - before : 0;

    private static double Round(double v) => Math.Round(v, 2);
}
