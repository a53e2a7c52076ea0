namespace Watchdog.Firmware.Glue
{
    /// <summary>
    /// Decides which refused inbound messages become events: at most MaxPerWindow events in any
    /// WindowMs (a sliding window: the times of the last MaxPerWindow events admitted are kept in a
    /// ring, and a new one is admitted only when the oldest of them is WindowMs old). A refusal
    /// that is not admitted is counted in LeftOut; whoever publishes next (a refusal admitted
    /// later, or the summary TryAdmitSummary lets through once the window has room) takes the
    /// count with TakeLeftOut, so the number left out is always reported eventually.
    /// Pure: time is the caller's monotonic milliseconds (Environment.TickCount64 on both
    /// platforms), never read here, so tests drive it. Single-threaded (the tick thread).
    /// </summary>
    public sealed class RefusalRateLimiter
    {
        private readonly long[] _admittedAt;
        private readonly long _windowMs;
        private int _oldest;
        private int _admitted;

        public RefusalRateLimiter(int maxPerWindow, long windowMs)
        {
            _admittedAt = new long[maxPerWindow < 1 ? 1 : maxPerWindow];
            _windowMs = windowMs;
        }

        public int MaxPerWindow
        {
            get { return _admittedAt.Length; }
        }

        public long WindowMs
        {
            get { return _windowMs; }
        }

        /// <summary>Refusals not admitted since the count was last taken.</summary>
        public long LeftOut { get; private set; }

        /// <summary>True when an event may be published now (the window is not full).</summary>
        public bool HasRoom(long nowMs)
        {
            return _admitted < _admittedAt.Length || nowMs - _admittedAt[_oldest] >= _windowMs;
        }

        /// <summary>
        /// One refusal: true when it may be published now (its slot is taken; the caller should
        /// report TakeLeftOut with it), false when it is left out (and counted).
        /// </summary>
        public bool TryAdmit(long nowMs)
        {
            if (!HasRoom(nowMs))
            {
                LeftOut++;
                return false;
            }

            Take(nowMs);
            return true;
        }

        /// <summary>
        /// True (and a slot taken) when refusals were left out and the window has room again: the
        /// caller publishes a summary with TakeLeftOut. Called every tick, so the count goes out
        /// even when no further refusal arrives.
        /// </summary>
        public bool TryAdmitSummary(long nowMs)
        {
            if (LeftOut == 0 || !HasRoom(nowMs))
            {
                return false;
            }

            Take(nowMs);
            return true;
        }

        /// <summary>Returns LeftOut and starts counting again from zero.</summary>
        public long TakeLeftOut()
        {
            long n = LeftOut;
            LeftOut = 0;
            return n;
        }

        private void Take(long nowMs)
        {
            if (_admitted < _admittedAt.Length)
            {
                _admittedAt[(_oldest + _admitted) % _admittedAt.Length] = nowMs;
                _admitted++;
                return;
            }

            // The ring is full: the oldest admission leaves the window, this one takes its place.
            _admittedAt[_oldest] = nowMs;
            _oldest = (_oldest + 1) % _admittedAt.Length;
        }
    }
}
