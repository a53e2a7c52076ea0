namespace Watchdog.Firmware.Core
{
    /// <summary>
    /// Judges one heartbeat line from edge counts per tick. The hard timeout decides (no edge for
    /// HeartbeatTimeout ticks = lost); in between, a phi-accrual-like suspicion level (silence
    /// divided by the smoothed interval between edges) is reported so jitter is visible before it
    /// matters. Edges per window are kept in a ring of per-tick counts. No allocation after construction.
    /// </summary>
    internal sealed class HeartbeatDetector
    {
        private const long Never = 1L << 40;
        private readonly int[] _window;
        private readonly int _suspect;
        private readonly int _timeout;
        private int _slot;
        private int _edgesInWindow;
        private long _meanIntervalX16;

        public HeartbeatDetector(int periodTicks, int suspectTicks, int timeoutTicks)
        {
            _window = new int[timeoutTicks];
            _suspect = suspectTicks;
            _timeout = timeoutTicks;
            _meanIntervalX16 = periodTicks * 16L;
            TicksSinceEdge = Never;
        }

        /// <summary>Ticks since the last edge; very large when none was seen.</summary>
        public long TicksSinceEdge { get; private set; }

        public int EdgesInWindow { get { return _edgesInWindow; } }

        /// <summary>Consecutive ticks during which the line has been fresh (never silent for the suspect time).</summary>
        public long FreshRun { get; private set; }

        /// <summary>Edges seen since the last Mark().</summary>
        public long EdgesSinceMark { get; private set; }

        /// <summary>No edge for the suspect time: worth reporting, not acting on.</summary>
        public bool Late { get { return TicksSinceEdge >= _suspect; } }

        /// <summary>An edge within the suspect time.</summary>
        public bool Fresh { get { return TicksSinceEdge < _suspect; } }

        /// <summary>No edge for the hard timeout: the heartbeat is lost.</summary>
        public bool Lost { get { return TicksSinceEdge >= _timeout; } }

        public int SuspicionPercent
        {
            get
            {
                long mean = _meanIntervalX16 < 16 ? 16 : _meanIntervalX16;
                long since = TicksSinceEdge >= Never ? _timeout * 4L : TicksSinceEdge;
                long value = since * 1600 / mean;
                return value > 100000 ? 100000 : (int)value;
            }
        }

        public void Observe(int edges)
        {
            if (edges < 0)
            {
                edges = 0;
            }

            _edgesInWindow -= _window[_slot];
            _window[_slot] = edges;
            _edgesInWindow += edges;
            _slot = (_slot + 1) % _window.Length;

            if (edges > 0)
            {
                long interval = TicksSinceEdge >= Never ? -1 : TicksSinceEdge + 1;
                if (interval > 0)
                {
                    // Smooth like an EWMA with weight 1/8 in fixed point (x16), so one late edge moves it little.
                    _meanIntervalX16 += ((interval * 16) - _meanIntervalX16) / 8;
                }

                TicksSinceEdge = 0;
                EdgesSinceMark += edges;
            }
            else if (TicksSinceEdge < Never)
            {
                TicksSinceEdge++;
            }

            FreshRun = Fresh ? FreshRun + 1 : 0;
        }

        /// <summary>Start counting EdgesSinceMark again (entering a boot grace).</summary>
        public void Mark() { EdgesSinceMark = 0; }
    }
}
