using System.Globalization;

namespace Watchdog.Board.Hosting;

/// <summary>
/// How late each tick started against its due time, as a histogram over a window (the statistics
/// line's): 50 us buckets up to 100 ms, the rest counted as overflow with the exact maximum kept.
/// Fixed memory and no allocation per tick; a percentile is the upper edge of its bucket, so it
/// errs late by at most 50 us, never early.
/// </summary>
public sealed class TickLateness
{
    public const double BucketMs = 0.05;
    private const int Buckets = 2000; // 100 ms
    private readonly long[] _counts = new long[Buckets + 1];
    private long _total;
    private double _maxMs;

    public long Count => _total;

    public double MaxMs => _maxMs;

    public void Record(double lateMs)
    {
        if (lateMs < 0)
        {
            lateMs = 0;
        }

        int bucket = (int)(lateMs / BucketMs);
        _counts[bucket < Buckets ? bucket : Buckets]++;
        _total++;
        _maxMs = Math.Max(_maxMs, lateMs);
    }

    /// <summary>The lateness at or below which <paramref name="fraction"/> of the ticks started (0 with none); beyond 100 ms, the maximum.</summary>
    public double Percentile(double fraction)
    {
        if (_total == 0)
        {
            return 0;
        }

        long rank = Math.Max(1, (long)Math.Ceiling(fraction * _total));
        long seen = 0;
        for (int i = 0; i < Buckets; i++)
        {
            seen += _counts[i];
            if (seen >= rank)
            {
                return Math.Min((i + 1) * BucketMs, _maxMs);
            }
        }

        return _maxMs;
    }

    /// <summary>"p50 0.10 ms, p99 1.20 ms, max 3.4 ms over 6000 ticks": what the statistics line says.</summary>
    public string Describe() => string.Create(CultureInfo.InvariantCulture, $"p50 {Percentile(0.50):F2} ms, p99 {Percentile(0.99):F2} ms, max {_maxMs:F2} ms over {_total} ticks");

    public void Clear()
    {
        Array.Clear(_counts);
        _total = 0;
        _maxMs = 0;
    }
}
