using System.Diagnostics;
using System.Text.Json;

namespace Watchdog.Sim.Rack;

/// <summary>What kind of thing happened on the rack.</summary>
public enum TimelineKind
{
    /// <summary>A wire changed level (input driven by a server or agent, output driven by the board).</summary>
    Wire,

    /// <summary>A simulated server carried out what a relay told it (freeze, reboot, forced off, isolate).</summary>
    Relay,

    /// <summary>A fault was injected (kill -9, kill -STOP, link down, power loss, broker stop).</summary>
    Fault,

    /// <summary>A server changed state on its own account (booted, process exited).</summary>
    Server,

    /// <summary>Anything a test, the demo or the bench wants on the same clock.</summary>
    Note,
}

/// <summary>
/// One event. <see cref="Timestamp"/> is Stopwatch.GetTimestamp() (CLOCK_MONOTONIC on Linux, the
/// same clock in every process), <see cref="AtMs"/> the milliseconds since the timeline started.
/// </summary>
public sealed record TimelineEvent(long Timestamp, double AtMs, TimelineKind Kind, string Subject, string What, string? Detail = null)
{
    public override string ToString() => $"{AtMs,10:0.000} ms  {Kind,-6} {Subject,-10} {What}{(Detail is null ? "" : "  (" + Detail + ")")}";
}

/// <summary>
/// The rack's monotonic event log: wire changes, relay actions, faults, with timestamps from one
/// clock, so detection, fencing, takeover and any overlap of two actives are measured to the ms.
/// Thread-safe; events are kept in timestamp order.
/// </summary>
public sealed class RackTimeline
{
    private readonly List<TimelineEvent> events = [];
    private readonly Lock gate = new();

    /// <summary>Completed (and replaced) on every Record: what WaitFor waits on.</summary>
    private TaskCompletionSource recorded = NewSignal();

    public RackTimeline()
        : this(Stopwatch.GetTimestamp())
    {
    }

    public RackTimeline(long startTimestamp) => StartTimestamp = startTimestamp;

    /// <summary>Raised after every event is stored (on the recording thread; keep handlers short).</summary>
    public event Action<TimelineEvent>? Recorded;

    /// <summary>Stopwatch timestamp of time zero.</summary>
    public long StartTimestamp { get; }

    /// <summary>Milliseconds since time zero now.</summary>
    public double NowMs => ToMs(Stopwatch.GetTimestamp());

    public double ToMs(long timestamp) => (timestamp - StartTimestamp) * 1000.0 / Stopwatch.Frequency;

    /// <summary>Records an event that happens now.</summary>
    public TimelineEvent Record(TimelineKind kind, string subject, string what, string? detail = null) =>
        Record(Stopwatch.GetTimestamp(), kind, subject, what, detail);

    /// <summary>Records an event at a timestamp taken elsewhere (e.g. the wire writer's own clock reading).</summary>
    public TimelineEvent Record(long timestamp, TimelineKind kind, string subject, string what, string? detail = null)
    {
        var e = new TimelineEvent(timestamp, ToMs(timestamp), kind, subject, what, detail);
        lock (gate)
        {
            int at = events.Count;
            while (at > 0 && events[at - 1].Timestamp > timestamp)
            {
                at--; // a wire change read late belongs before events recorded since
            }

            events.Insert(at, e);
        }

        Interlocked.Exchange(ref recorded, NewSignal()).TrySetResult(); // wakes WaitFor

        Recorded?.Invoke(e);
        return e;
    }

    /// <summary>A copy of every event so far, oldest first.</summary>
    public IReadOnlyList<TimelineEvent> Snapshot()
    {
        lock (gate)
        {
            return [.. events];
        }
    }

    /// <summary>The first event at or after <paramref name="afterMs"/> that matches, or null.</summary>
    public TimelineEvent? First(Func<TimelineEvent, bool> match, double afterMs = double.NegativeInfinity) =>
        Snapshot().FirstOrDefault(e => e.AtMs >= afterMs && match(e));

    /// <summary>Waits until an event matching <paramref name="match"/> is recorded (or was already); woken by every Record.</summary>
    public TimelineEvent? WaitFor(Func<TimelineEvent, bool> match, TimeSpan timeout, double afterMs = double.NegativeInfinity)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            // Taken before the search, so an event recorded during it wakes the wait below.
            Task signal = Volatile.Read(ref recorded).Task;
            TimelineEvent? hit = First(match, afterMs);
            TimeSpan left = timeout - clock.Elapsed;
            if (hit is not null || left <= TimeSpan.Zero)
            {
                return hit;
            }

            signal.Wait(left);
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Writes the events as JSON lines (one object per event) for the checker and the bench.</summary>
    public void WriteJsonLines(TextWriter writer)
    {
        foreach (TimelineEvent e in Snapshot())
        {
            writer.WriteLine(JsonSerializer.Serialize(new
            {
                at_ms = Math.Round(e.AtMs, 3),
                kind = e.Kind.ToString().ToLowerInvariant(),
                subject = e.Subject,
                what = e.What,
                detail = e.Detail,
            }));
        }
    }
}
