using System;
using System.Threading;

namespace Watchdog.Firmware.Glue
{
    /// <summary>What the supervisor does when the tick loop stalls: on the device, log and Power.RebootDevice().</summary>
    public delegate void StallHandler(long stalledMs);

    /// <summary>
    /// The ESP32 has no managed API for its hardware watchdog, so a thread watches the tick loop:
    /// the loop calls Beat() every pass; when no beat came for longer than the limit, the handler
    /// runs (the device reboots). A stalled tick loop would otherwise hold relays at their last
    /// level and stop detecting failures while looking alive on MQTT. The external watchdog IC
    /// fed from a pin covers the case where this thread stalls too.
    /// </summary>
    public sealed class TickSupervisor
    {
        private readonly long _limitMs;
        private readonly int _checkEveryMs;
        private readonly StallHandler _onStall;
        private readonly object _gate = new object();
        private long _lastBeat;
        private bool _stopped;

        public TickSupervisor(long limitMs, int checkEveryMs, StallHandler onStall)
        {
            _limitMs = limitMs;
            _checkEveryMs = checkEveryMs;
            _onStall = onStall;
            _lastBeat = Environment.TickCount64;
        }

        /// <summary>Called by the tick loop once per pass.</summary>
        public void Beat()
        {
            // A lock, not Interlocked: the device's Interlocked has no 64-bit overloads.
            lock (_gate)
            {
                _lastBeat = Environment.TickCount64;
            }
        }

        /// <summary>Milliseconds since the last beat.</summary>
        public long SinceBeatMs()
        {
            lock (_gate)
            {
                return Environment.TickCount64 - _lastBeat;
            }
        }

        /// <summary>One check; returns true (and has called the handler) when the loop is stalled.</summary>
        public bool Check()
        {
            long since = SinceBeatMs();
            if (since > _limitMs)
            {
                _onStall(since);
                return true;
            }

            return false;
        }

        /// <summary>The supervisor thread's body: checks until Stop or the first stall.</summary>
        public void Run()
        {
            while (!_stopped)
            {
                Thread.Sleep(_checkEveryMs);
                if (!_stopped && Check())
                {
                    return;
                }
            }
        }

        public void Stop()
        {
            _stopped = true;
        }
    }
}
