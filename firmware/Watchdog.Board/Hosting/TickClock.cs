using System.Diagnostics;

namespace Watchdog.Board.Hosting;

/// <summary>
/// The tick schedule on the monotonic clock: tick n is due at start + n * period, so sleep
/// jitter never accumulates into drift. A tick that starts a full period or more late (a loaded
/// machine, a GC, SIGSTOP, a swap storm) re-anchors the schedule: the missed ticks are skipped,
/// never replayed in a burst, so the core's time pauses with the process. The core counts time
/// in ticks, and ticks run back to back would compress what it measures on the wires: a reset
/// driven in the first tick of a burst would count as held for fence_confirm_ms a few
/// microseconds later, a reset pulse would end early, and a heartbeat whose edges all landed in
/// the first tick would look silent for the rest (rule 4). Skipping only ever stretches the
/// core's timers in real time, the safe direction: the board was not looking during the stall anyway.
/// </summary>
public sealed class TickClock
{
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

    /// <summary>
    /// Re-anchorings since start: ticks that started a full period or more after they were due
    /// (each a stall of the process).
    /// </summary>
    public long Stalls { get; private set; }

    /// <summary>Worst lateness of a tick seen, in ms (before any re-anchoring).</summary>
    public double WorstLateMs { get; private set; }

    private double _windowWorstLateMs;

    /// <summary>
    /// Every tick's start against its due time since the last <see cref="TakeWindowLateness"/>,
    /// the sleep's overshoot included (<see cref="WorstLateMs"/> counts only ticks whose due time
    /// had passed before the wait began).
    /// </summary>
    public TickLateness WindowLateness { get; } = new();

    /// <summary>The window's lateness in words, then a new window.</summary>
    public string TakeWindowLateness()
    {
        string words = WindowLateness.Describe();
        WindowLateness.Clear();
        return words;
    }

    /// <summary>The worst lateness since the previous call (for the periodic statistics line).</summary>
    public double TakeWindowWorstLateMs()
    {
        double worst = _windowWorstLateMs;
        _windowWorstLateMs = 0;
        return worst;
    }

    /// <summary>Sleeps until the next tick is due; returns how many ticks were skipped (0 normally).</summary>
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
            WindowLateness.Record((_now() - due) * 1000.0 / _frequency);
            return 0;
        }

        double lateMs = -remaining * 1000.0 / _frequency;
        WindowLateness.Record(lateMs);
        WorstLateMs = Math.Max(WorstLateMs, lateMs);
        _windowWorstLateMs = Math.Max(_windowWorstLateMs, lateMs);
        long behind = -remaining / _periodTicks;
        if (behind == 0)
        {
            return 0; // late by less than a period: the next tick is still due after this one
        }

        _anchor = now - (_index * _periodTicks);
        Skipped += behind;
        Stalls++;
        return behind;
    }
}
