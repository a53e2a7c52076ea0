namespace Watchdog.Firmware.Core
{
    /// <summary>
    /// The cap window of one channel and the back-off it sets (safety rule 5): the wire actions
    /// (reset pulses, power cycles) of the last cap_window_ms, at most cap_attempts of them. The
    /// back-off between ladder steps doubles with each action in the window, up to
    /// backoff_max_ms; once the window is full the ladder holds the node instead. The times are
    /// kept in the ladder record (wall clock), so a restarted board still counts them.
    /// </summary>
    internal sealed class CapWindow
    {
        private readonly CoreContext _ctx;
        private readonly long[] _attempts;

        // The wall-clock time of each attempt (0: none), kept in the ladder record so that a
        // restarted board still counts them against the cap (rule 5 across board restarts).
        private readonly long[] _attemptWall;

        public CapWindow(CoreContext ctx)
        {
            _ctx = ctx;
            _attempts = new long[ctx.Config.Escalation.CapAttempts];
            _attemptWall = new long[_attempts.Length];
            for (int i = 0; i < _attempts.Length; i++) { _attempts[i] = long.MinValue / 2; }
        }

        /// <summary>cap_attempts: wire actions allowed in the window.</summary>
        public int Size { get { return _attempts.Length; } }

        /// <summary>Wire actions inside the current window.</summary>
        public int Count
        {
            get
            {
                int count = 0;
                for (int i = 0; i < _attempts.Length; i++)
                {
                    if (_attempts[i] > _ctx.Now - _ctx.Timing.CapWindow) { count++; }
                }

                return count;
            }
        }

        public bool Reached { get { return Count >= _attempts.Length; } }

        /// <summary>Grows whenever the attempts change (recorded, restored or cleared): the core rewrites the ladder record then.</summary>
        public long Version { get; private set; }

        /// <summary>
        /// The attempts in the cap window as a ladder-record entry, "&lt;ms&gt;,&lt;ms&gt;:&lt;channel&gt;"
        /// (wall-clock times, oldest first), or "" when there are none.
        /// </summary>
        public string Entry(string channel)
        {
            string times = "";
            long after = long.MinValue;
            for (int n = 0; n < _attempts.Length; n++)
            {
                // Oldest first without sorting in place: take the smallest tick above the last one taken.
                int next = -1;
                for (int i = 0; i < _attempts.Length; i++)
                {
                    bool inWindow = _attempts[i] > _ctx.Now - _ctx.Timing.CapWindow && _attemptWall[i] > 0;
                    if (inWindow && _attempts[i] > after && (next < 0 || _attempts[i] < _attempts[next])) { next = i; }
                }

                if (next < 0) { break; }
                after = _attempts[next];
                times = times.Length == 0 ? _attemptWall[next].ToString() : times + "," + _attemptWall[next].ToString();
            }

            return times.Length == 0 ? "" : times + ":" + channel;
        }

        /// <summary>
        /// Board start: an attempt the previous run recorded at <paramref name="wallMs"/>, now
        /// <paramref name="ageMs"/> old. Counted in the cap window from here (before the first tick,
        /// so at a negative tick).
        /// </summary>
        public void Restore(long wallMs, long ageMs)
        {
            int oldest = Oldest();
            _attempts[oldest] = _ctx.Now - (ageMs / _ctx.Config.Timing.TickMs);
            _attemptWall[oldest] = wallMs;
            Version++;
        }

        /// <summary>A wire action starts now: it counts against the cap.</summary>
        public void Record()
        {
            int oldest = Oldest();
            _attempts[oldest] = _ctx.Now;
            _attemptWall[oldest] = _ctx.WallMs;
            Version++;
        }

        /// <summary>An operator unfenced the node: the window starts empty.</summary>
        public void Clear()
        {
            for (int i = 0; i < _attempts.Length; i++) { _attempts[i] = long.MinValue / 2; _attemptWall[i] = 0; }
            Version++;
        }

        /// <summary>The wait before the next ladder step: backoff_ms, doubled per wire action in the window, at most backoff_max_ms.</summary>
        public long Backoff()
        {
            long ticks = _ctx.Timing.Backoff;
            int attempts = Count;
            for (int i = 0; i < attempts && ticks < _ctx.Timing.BackoffMax; i++) { ticks *= 2; }
            return ticks > _ctx.Timing.BackoffMax ? _ctx.Timing.BackoffMax : ticks;
        }

        private int Oldest()
        {
            int oldest = 0;
            for (int i = 1; i < _attempts.Length; i++)
            {
                if (_attempts[i] < _attempts[oldest]) { oldest = i; }
            }

            return oldest;
        }
    }
}
