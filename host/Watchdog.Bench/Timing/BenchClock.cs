using System.Diagnostics;
using Watchdog.Platform.Posix;

namespace Watchdog.Bench.Timing;

/// <summary>
/// The one monotonic clock every bench measurement is taken on. On Linux Stopwatch reads
/// CLOCK_MONOTONIC, which is system wide (network namespaces do not change it), so the probe,
/// the VIP-holder sampler, fault injection and log capture of every process agree to the
/// microsecond. Times are milliseconds since the clock's origin (a run's start), as doubles.
/// </summary>
public sealed class BenchClock
{
    private readonly long originTicks;

    public BenchClock()
        : this(Stopwatch.GetTimestamp())
    {
    }

    /// <summary>A clock whose zero is the given Stopwatch timestamp.</summary>
    public BenchClock(long originTimestamp)
    {
        originTicks = originTimestamp;
    }

    /// <summary>Milliseconds elapsed since this clock's origin.</summary>
    public double NowMs => ToMs(Stopwatch.GetTimestamp());

    /// <summary>Converts a raw Stopwatch timestamp to milliseconds on this clock.</summary>
    public double ToMs(long stopwatchTimestamp) =>
        (stopwatchTimestamp - originTicks) * 1000.0 / Stopwatch.Frequency;

    /// <summary>Sleeps until the clock reads <paramref name="targetMs"/> (returns at once if past).</summary>
    public void SleepUntil(double targetMs)
    {
        if (MonotonicSleep.Available)
        {
            // The spin below once cost the probe's thread a millisecond of every 5 ms period,
            // which a real-time probe took from everything else on the machine.
            MonotonicSleep.Until(originTicks + (long)(targetMs * Stopwatch.Frequency / 1000.0));
            return;
        }

        double remaining = targetMs - NowMs;
        if (remaining > 1.5)
        {
            // Thread.Sleep overshoots by up to ~1 ms; sleep short and finish by spinning.
            Thread.Sleep(TimeSpan.FromMilliseconds(remaining - 1.0));
        }

        while (NowMs < targetMs)
        {
            Thread.SpinWait(64);
        }
    }
}
