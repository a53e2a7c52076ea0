using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Watchdog.Platform.Posix;

/// <summary>
/// Sleeps until a Stopwatch timestamp with clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME): on
/// Linux Stopwatch reads that clock in nanoseconds, so the wake-up lands within tens of
/// microseconds of the deadline and nothing spins while it waits. Thread.Sleep rounds to whole
/// milliseconds, which is why timing loops used to finish their waits spinning.
/// </summary>
public static partial class MonotonicSleep
{
    private const long NanosecondsPerSecond = 1_000_000_000;
    private const int ClockMonotonic = 1;
    private const int TimerAbsoluteTime = 1;
    private const int Interrupted = 4; // EINTR, returned (not set in errno) by clock_nanosleep

    /// <summary>Whether <see cref="Until"/> can be used here: Linux, with Stopwatch on CLOCK_MONOTONIC in nanoseconds.</summary>
    public static bool Available { get; } = OperatingSystem.IsLinux() && Stopwatch.Frequency == NanosecondsPerSecond;

    /// <summary>Returns once Stopwatch.GetTimestamp() has reached <paramref name="stopwatchTimestamp"/> (at once if it has).</summary>
    public static void Until(long stopwatchTimestamp)
    {
        if (!Available)
        {
            throw new PlatformNotSupportedException("clock_nanosleep on CLOCK_MONOTONIC needs Linux");
        }

        var request = new TimeSpec { Seconds = stopwatchTimestamp / NanosecondsPerSecond, Nanoseconds = stopwatchTimestamp % NanosecondsPerSecond };
        while (ClockNanosleep(ClockMonotonic, TimerAbsoluteTime, in request, 0) == Interrupted)
        {
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport("libc", EntryPoint = "clock_nanosleep")]
    private static partial int ClockNanosleep(int clockId, int flags, in TimeSpec request, nint remaining);
}
