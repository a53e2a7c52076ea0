namespace Watchdog.Sites.Ticket;

/// <summary>
/// A one-shot timer on its own thread, for the keeper's deadline on the system clock: thread-pool
/// timers run their callbacks on pool threads, and a pool that is short of threads adds one only
/// every half second or so, which would make "lost" late by as much. A thread that only waits for
/// the deadline does not queue behind other work.
/// </summary>
internal sealed class DeadlineTimer : ITimer
{
    private readonly TimerCallback callback;
    private readonly object? state;
    private readonly Lock gate = new();
    private readonly AutoResetEvent changed = new(false);
    private long dueAt; // Environment.TickCount64 in ms; long.MaxValue when not armed
    private bool disposed;

    private DeadlineTimer(TimerCallback callback, object? state, TimeSpan due)
    {
        this.callback = callback;
        this.state = state;
        dueAt = Environment.TickCount64 + (long)Math.Ceiling(due.TotalMilliseconds);
        new Thread(Run) { IsBackground = true, Name = "site ticket deadline", Priority = ThreadPriority.AboveNormal }.Start();
    }

    /// <summary>
    /// A timer for <paramref name="clock"/>: on the system clock this dedicated thread, otherwise
    /// the clock's own timer (a fake clock in tests fires its timers as it is advanced).
    /// </summary>
    public static ITimer Create(TimeProvider clock, TimerCallback callback, object? state, TimeSpan due) =>
        clock == TimeProvider.System
            ? new DeadlineTimer(callback, state, due)
            : clock.CreateTimer(callback, state, due, Timeout.InfiniteTimeSpan);

    public bool Change(TimeSpan dueTime, TimeSpan period)
    {
        lock (gate)
        {
            if (disposed)
            {
                return false;
            }

            dueAt = dueTime == Timeout.InfiniteTimeSpan ? long.MaxValue : Environment.TickCount64 + (long)Math.Ceiling(dueTime.TotalMilliseconds);
        }

        changed.Set();
        return true;
    }

    public void Dispose()
    {
        lock (gate)
        {
            disposed = true;
        }

        changed.Set();
    }

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    private void Run()
    {
        while (true)
        {
            long wait;
            lock (gate)
            {
                if (disposed)
                {
                    break;
                }

                wait = dueAt == long.MaxValue ? Timeout.Infinite : Math.Max(0, dueAt - Environment.TickCount64);
                if (wait == 0)
                {
                    dueAt = long.MaxValue; // one shot: fires once per arming
                }
            }

            if (wait == 0)
            {
                callback(state);
                continue;
            }

            changed.WaitOne(wait > int.MaxValue ? Timeout.Infinite : (int)wait);
        }

        // The event is left to the finalizer: Dispose may still be setting it.
    }
}
