using System.Diagnostics;
using Watchdog.Agent.Status;
using Watchdog.Platform.Posix;
using Watchdog.Platform.Runtime;

namespace Watchdog.Agent.Heartbeat;

/// <summary>
/// Toggles the heartbeat line every half-period while the required checks pass, and samples
/// the ROLE input. Runs on its own thread so that a slow probe, a stuck broker or GC in the
/// thread pool cannot starve the line (the board would read a late edge as a hang).
/// A device error closes the device, publishes an alert, and retries with doubling back-off;
/// the agent keeps running and its state says why the heartbeat stopped.
/// </summary>
public sealed class HeartbeatPump : IDisposable
{
    private readonly IHeartbeatHardware _hw;
    private readonly Func<bool> _mayFeed;
    private readonly AgentStatus _status;
    private readonly IAgentEvents _events;
    private readonly int _halfPeriodMs;
    private readonly int _retryMinMs;
    private readonly int _retryMaxMs;
    private readonly int _rolePollMs;
    private readonly int _realtimePriority;
    private readonly RealTimeCollector _collector;
    private readonly ManualResetEventSlim _stop = new(false);
    private Thread? _thread;
    private long _loops;
    private long _edges;
    private long _lastEdgeTimestamp = -1;
    private bool? _lastRole;
    private long _lateEdges;
    private long _worstLate; // three 21-bit fields, ms: late, woke late, GC pause (LatePacking); one word, so a reader never sees half of it
    private long _gcPauseTicksAtEdge;

    public HeartbeatPump(IHeartbeatHardware hw, Func<bool> mayFeed, AgentStatus status, IAgentEvents events, int periodMs, int retryMinMs, int retryMaxMs, int rolePollMs = 100, int realtimePriority = 0, long collectAfterBytes = RealTimeCollector.DefaultBudgetBytes)
    {
        _hw = hw;
        _mayFeed = mayFeed;
        _status = status;
        _events = events;
        _halfPeriodMs = Math.Max(1, periodMs / 2);
        _retryMinMs = retryMinMs;
        _retryMaxMs = retryMaxMs;
        _rolePollMs = rolePollMs;
        _realtimePriority = realtimePriority;
        _collector = new RealTimeCollector(collectAfterBytes);
    }

    /// <summary>Raised on the pump thread when the ROLE input changes (true = board asserts active).</summary>
    public event Action<bool>? RoleWireChanged;

    /// <summary>Grows on every pass of the loop; the systemd watchdog is fed only while it moves.</summary>
    public long Loops => Interlocked.Read(ref _loops);

    /// <summary>Edges written since start (for tests and the footprint bench).</summary>
    public long Edges => Interlocked.Read(ref _edges);

    /// <summary>Young-generation collections the pump thread ran itself, just after an edge (RealTimeCollector).</summary>
    public long Collections => _collector.Collections;

    /// <summary>When the last edge was written (Stopwatch timestamp); -1 before the first.</summary>
    public long LastEdgeTimestamp => Interlocked.Read(ref _lastEdgeTimestamp);

    /// <summary>
    /// Called on the pump thread with how many ms after its deadline each edge was written (the
    /// metrics' lateness histogram); must be quick. A late edge is what makes the board suspect a hang.
    /// </summary>
    public Action<long>? EdgeLateness { get; set; }

    /// <summary>Where every edge is recorded for a later reader (the flight recorder), or null; set before Start.</summary>
    public EdgeRecorder? Recorder { get; set; }

    /// <summary>
    /// The edges written a whole period or more after their deadline since the last call, the
    /// worst of them, how late the thread woke for it and how long the runtime's garbage
    /// collector paused the agent while that edge waited; resets the count. Read from a normal
    /// thread (the pump thread only records).
    /// </summary>
    public LateEdges TakeLateEdges()
    {
        long count = Interlocked.Exchange(ref _lateEdges, 0);
        long worst = Interlocked.Exchange(ref _worstLate, 0);
        return new LateEdges((int)Math.Min(count, int.MaxValue), LatePacking.Late(worst), LatePacking.WokeLate(worst), LatePacking.GcPause(worst));
    }

    public void Start()
    {
        _thread = new Thread(Run) { IsBackground = true, Name = "heartbeat", Priority = ThreadPriority.AboveNormal };
        _thread.Start();
    }

    public void Stop()
    {
        _stop.Set();
        _thread?.Join(TimeSpan.FromSeconds(5));
    }

    public void Dispose()
    {
        Stop();
        _hw.Dispose();
        _stop.Dispose();
    }

    private void Run()
    {
        // Soak runs under CPU load saw a 150 ms gap in a normally scheduled heartbeat thread about
        // once in ten minutes: at a 150 ms timeout that is a false failover of an active.
        if (_realtimePriority > 0 && OperatingSystem.IsLinux() && !PosixSignals.TryMakeCurrentThreadRealTime(_realtimePriority))
        {
            _events.Raise("heartbeat-priority", Severity.Warning, "the heartbeat thread could not switch to real-time scheduling (SCHED_RR " + _realtimePriority + "; needs root or CAP_SYS_NICE): it runs at normal priority, and a busy server may delay its heartbeat");
        }

        int retryMs = _retryMinMs;
        string lastError = "";
        bool level = false;
        bool open = false;
        bool verified = false; // a device counts as working after its first successful write, not at open
        bool? fed = null; // what the status says about feeding, as this thread last set it
        var clock = Stopwatch.StartNew();
        long nextEdgeMs = 0;
        long nextRoleMs = 0;
        while (!_stop.IsSet)
        {
            Interlocked.Increment(ref _loops);
            if (!open)
            {
                try
                {
                    _hw.Open();
                    open = true;
                    verified = false;
                    level = false;
                    nextEdgeMs = clock.ElapsedMilliseconds;
                }
                catch (HeartbeatDeviceException ex)
                {
                    Fail(ex.Message, ref lastError, ref retryMs);
                    fed = false; // Fail said so
                    continue;
                }
            }

            try
            {
                long now = clock.ElapsedMilliseconds;
                if (now >= nextEdgeMs)
                {
                    // What the scheduler owes (the wake-up) apart from what the agent spends (its
                    // checks and the write): a late edge says which one held it.
                    long wokeLateMs = now - nextEdgeMs;
                    bool feed = _mayFeed();
                    if (feed)
                    {
                        level = !level;
                        _hw.Write(level);
                        Interlocked.Increment(ref _edges);
                        Interlocked.Exchange(ref _lastEdgeTimestamp, Stopwatch.GetTimestamp());

                        // Late as written: a stall in the check callback above counts here.
                        now = clock.ElapsedMilliseconds;
                        long lateMs = now - nextEdgeMs;
                        long gcMs = GcPauseSinceLastEdge();
                        EdgeLateness?.Invoke(lateMs);
                        NoteLateness(lateMs, wokeLateMs, gcMs);
                        Recorder?.Add(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), lateMs, wokeLateMs, gcMs);

                        // Now, with half a period to spare, at this thread's priority.
                        _collector.CollectIfDue();
                    }
                    else if (!verified)
                    {
                        _hw.Write(level); // hold the line still, and prove the device takes writes
                    }

                    if (!verified)
                    {
                        verified = true;
                        retryMs = _retryMinMs;
                        _status.SetDeviceProblem("");
                        if (lastError.Length > 0)
                        {
                            _events.Raise("heartbeat-device-recovered", Severity.Info, _hw.Description + " works again");
                            lastError = "";
                        }
                    }

                    // Only a change takes the status lock: the steady path waits on no other thread.
                    if (feed != fed)
                    {
                        fed = feed;
                        _status.SetFeeding(feed);
                    }

                    // Schedule from the previous deadline so the period does not drift, but
                    // never try to catch up a burst of edges after a stall.
                    nextEdgeMs = Math.Max(nextEdgeMs + _halfPeriodMs, now + 1);
                }

                if (_hw.HasRoleInput && now >= nextRoleMs)
                {
                    bool role = _hw.ReadRole();
                    if (_lastRole != role)
                    {
                        _lastRole = role;
                        RoleWireChanged?.Invoke(role);
                    }

                    nextRoleMs = now + _rolePollMs;
                }

                long wakeAt = _hw.HasRoleInput ? Math.Min(nextEdgeMs, nextRoleMs) : nextEdgeMs;
                int wait = (int)Math.Max(1, wakeAt - clock.ElapsedMilliseconds);
                _stop.Wait(wait);
            }
            catch (HeartbeatDeviceException ex)
            {
                open = false;
                _hw.Close();
                Fail(ex.Message, ref lastError, ref retryMs);
                fed = false; // Fail said so
            }
        }

        // Leave the line still: a stopping agent must not look alive.
        _status.SetFeeding(false);
    }

    // On the pump thread, every edge: no allocation. The runtime stops every managed thread for a
    // collection, this real-time one too, and one that another thread runs, at normal priority,
    // can hold the line still on a loaded machine far longer than the work it does.
    private long GcPauseSinceLastEdge()
    {
        long gcTicks = GC.GetTotalPauseDuration().Ticks;
        long gcMs = (gcTicks - _gcPauseTicksAtEdge) / TimeSpan.TicksPerMillisecond;
        _gcPauseTicksAtEdge = gcTicks;
        return gcMs;
    }

    // On the pump thread, every edge: no allocation.
    private void NoteLateness(long lateMs, long wokeLateMs, long gcMs)
    {
        if (lateMs < 2L * _halfPeriodMs)
        {
            return;
        }

        Interlocked.Increment(ref _lateEdges);
        long packed = LatePacking.Pack(lateMs, wokeLateMs, gcMs);
        long seen = Interlocked.Read(ref _worstLate);
        while (LatePacking.Late(packed) > LatePacking.Late(seen))
        {
            long was = Interlocked.CompareExchange(ref _worstLate, packed, seen);
            if (was == seen)
            {
                break;
            }

            seen = was;
        }
    }

    private void Fail(string message, ref string lastError, ref int retryMs)
    {
        _status.SetFeeding(false);
        _status.SetDeviceProblem(message + " (retrying in " + retryMs + " ms)");
        if (message != lastError)
        {
            // One alert per distinct problem, not one per retry.
            _events.Raise("heartbeat-device-error", Severity.Alert, message);
            lastError = message;
        }

        _stop.Wait(retryMs);
        retryMs = Math.Min(_retryMaxMs, retryMs * 2);
    }
}

/// <summary>
/// Edges written a period or more late: how many, the worst one's lateness, how late the
/// thread woke for it (the rest went to the agent's checks and the write) and the GC pause in
/// its wait, all in ms.
/// </summary>
public readonly record struct LateEdges(int Count, long WorstLateMs, long WokeLateMs, long GcPauseMs)
{
    /// <summary>The worst edge's time in the agent's own work after it woke: its checks and the write.</summary>
    public long WorkMs => WorstLateMs - WokeLateMs;
}

/// <summary>
/// Three millisecond figures of one late edge in one 64-bit word (21 bits each, clamped at
/// about 35 minutes), so the pump thread can publish its worst edge with one atomic store.
/// </summary>
internal static class LatePacking
{
    private const int Bits = 21;
    private const long Max = (1L << Bits) - 1;

    public static long Pack(long lateMs, long wokeLateMs, long gcMs) =>
        (Clamp(lateMs) << (2 * Bits)) | (Clamp(wokeLateMs) << Bits) | Clamp(gcMs);

    public static long Late(long packed) => (packed >> (2 * Bits)) & Max;

    public static long WokeLate(long packed) => (packed >> Bits) & Max;

    public static long GcPause(long packed) => packed & Max;

    private static long Clamp(long ms) => Math.Clamp(ms, 0, Max);
}
