using System.Diagnostics;

namespace Watchdog.Board.Hosting;

/// <summary>
/// The tick schedule on the monotonic clock: tick n is due at start + n * period, so sleep
/// jitter never accumulates into drift. When the process was stalled for longer than
/// <see cref="MaxLagTicks"/> ticks (SIGSTOP, a swap storm), the missed ticks are not replayed in a
/// burst: the schedule is re-anchored, so the core's time pauses with the process. Replaying them
/// would show the core a silence on every heartbeat wire that the servers never had (rule 4).
/// </summary>
public sealed class TickClock
{
    public const int MaxLagTicks = 10;

    private readonly long _periodTicks;
    private readonly long _frequency;
    private readonly Func<long> _now;
    private readonly Action<int, CancellationToken> _sleep;
    private long _anchor;
    private long _index;

    public TickClock(int periodMs)
        : this(periodMs, Stopwatch.GetTimestamp, Stopwatch.Frequency, static (ms, stop) => stop.WaitHandle.WaitOne(ms))
    {
    }

    /// <summary>
    /// A clock on a given time source: <paramref name="now"/> in units of
    /// <paramref name="frequency"/> per second, <paramref name="sleep"/> waits that many
    /// milliseconds. Tests drive the schedule with a fake source, so its arithmetic is checked
    /// exactly rather than against a loaded machine's sleep jitter.
    /// </summary>
    internal TickClock(int periodMs, Func<long> now, long frequency, Action<int, CancellationToken> sleep)
    {
        _frequency = frequency;
        _now = now;
        _sleep = sleep;
        _periodTicks = frequency * periodMs / 1000;
        _anchor = now();
    }

    /// <summary>Ticks skipped by re-anchoring since start.</summary>
    public long Skipped { get; private set; }

    /// <summary>Re-anchorings since start (each is a stall of the process).</summary>
    public long Stalls { get; private set; }

    /// <summary>Worst lateness of a tick seen, in ms (before any re-anchoring).</summary>
    public double WorstLateMs { get; private set; }

    /// <summary>Ticks that started a full period or more after they were due, since start.</summary>
    public long LateTicks { get; private set; }

    private double _windowWorstLateMs;

    /// <summary>The worst lateness since the previous call (for the periodic statistics line).</summary>
    public double TakeWindowWorstLateMs()
    {
        double worst = _windowWorstLateMs;
        _windowWorstLateMs = 0;
        return worst;
    }

    /// <summary>Sleeps until the next tick is due; returns how many ticks were skipped to catch up (0 normally).</summary>
    public long WaitNext(CancellationToken stop)
    {
        _index++;
        long due = _anchor + (_index * _periodTicks);
        long now = _now();
        long remaining = due - now;
        if (remaining > 0)
        {
            // Sleep to (just past) the due time; no spinning: a tick up to a millisecond late costs
            // nothing (heartbeat windows are hundreds of ms) while spinning would cost a small
            // board up to a tenth of a core.
            int ms = (int)(((remaining * 1000) + _frequency - 1) / _frequency);
            _sleep(ms, stop);
            return 0;
        }

        double lateMs = -remaining * 1000.0 / _frequency;
        WorstLateMs = Math.Max(WorstLateMs, lateMs);
        _windowWorstLateMs = Math.Max(_windowWorstLateMs, lateMs);
        long behind = -remaining / _periodTicks;
        if (behind >= 1)
        {
            LateTicks++;
        }

        if (behind <= MaxLagTicks)
        {
            return 0; // a little late: the following ticks catch up without a burst that matters
        }

        _anchor = now - (_index * _periodTicks);
        Skipped += behind;
        Stalls++;
        return behind;
    }
}
