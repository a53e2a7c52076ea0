namespace Watchdog.Firmware.Core
{
    /// <summary>
    /// A level that must hold for Ticks consecutive samples before the debounced value follows
    /// it, so a flicker shorter than the debounce time is never seen. Starts at the first sample.
    /// </summary>
    internal sealed class Debouncer
    {
        private readonly int _ticks;
        private bool _started;
        private bool _candidate;
        private int _count;

        public Debouncer(int ticks) { _ticks = ticks; }

        public bool Value { get; private set; }

        /// <summary>Ticks since Value last changed (or since the first sample).</summary>
        public long StableTicks { get; private set; }

        /// <summary>The raw level differs from Value and is counting towards the debounce time.</summary>
        public bool Changing { get { return _count > 0; } }

        /// <summary>Feed one sample; true when the debounced value changed.</summary>
        public bool Update(bool raw)
        {
            StableTicks++;
            if (!_started)
            {
                _started = true;
                Value = raw;
                _candidate = raw;
                StableTicks = 0;
                return false;
            }

            if (raw == Value)
            {
                _count = 0;
                _candidate = raw;
                return false;
            }

            if (raw != _candidate)
            {
                _candidate = raw;
                _count = 0;
            }

            _count++;
            if (_count >= _ticks)
            {
                Value = raw;
                _count = 0;
                StableTicks = 0;
                return true;
            }

            return false;
        }
    }
}
