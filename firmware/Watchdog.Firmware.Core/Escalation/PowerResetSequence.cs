using Watchdog.Protocol.Wire;

namespace Watchdog.Firmware.Core
{
    /// <summary>
    /// What a tick of the power/reset sequence ended, for the ladder to go on from: nothing; the
    /// reset pulse; the press that powers the server on again; a forced off that did not take
    /// (power-good stayed high); a power cycle resumed after a board restart that found the server
    /// on (nothing to finish).
    /// </summary>
    internal enum WireOutcome { None = 0, PulseDone = 1, PowerPressed = 2, PowerOffNotConfirmed = 3, ResumeDropped = 4 }

    /// <summary>
    /// The reset and power wires of one channel: a reset pulse, or a power cycle (hold the power
    /// button for a forced off, confirm every power-good fell, wait, press to power on). Each
    /// runs to its end in any state, so no relay is left asserted; the ladder or a command starts
    /// it and learns from Tick when it ended.
    /// </summary>
    internal sealed class PowerResetSequence
    {
        // PowerResume: the board restarted during a power cycle (its ladder record said so):
        // power-good and the heartbeat are read for one debounce time, then the cycle is finished
        // or dropped. PowerHold and every phase after it is a power cycle under way.
        private enum Phase { None = 0, ResetPulse = 1, PowerHold = 2, PowerConfirm = 3, PowerOffWait = 4, PowerPress = 5, PowerResume = 6 }

        private readonly CoreContext _ctx;
        private readonly ChannelUnit _unit;
        private Phase _phase;
        private long _until;

        // True only when this board held the power button and then saw every power-good fall.
        // A cycle resumed after a restart cannot know that its hold took (the restart released
        // the button, maybe early): there power-good low is all it has, and a wire can lie.
        private bool _offSeenAfterHold;

        public PowerResetSequence(CoreContext ctx, ChannelUnit unit)
        {
            _ctx = ctx;
            _unit = unit;
        }

        /// <summary>A wire action (pulse, hold of the power button, its confirmation) is in progress.</summary>
        public bool Busy { get { return _phase != Phase.None; } }

        /// <summary>
        /// The board forced the node off and saw power-good fall; it stays off until the press.
        /// False while a cycle resumed after a board restart waits for its press: the node may be
        /// off, but nothing this board did says so (safety rule 2: power-good low on its own is not
        /// enough, reset is held first).
        /// </summary>
        public bool PoweredOff { get { return _phase == Phase.PowerOffWait && _offSeenAfterHold; } }

        /// <summary>
        /// A power cycle is under way: from the forced off to the end of the press that powers the
        /// server on again. The glue keeps this durable (CoreOutput.Ladder), because a board
        /// that restarts in between would otherwise leave the server off.
        /// </summary>
        public bool PowerCycleUnderWay { get { return _phase >= Phase.PowerHold; } }

        /// <summary>Assert reset for reset_pulse_ms.</summary>
        public void StartPulse()
        {
            _unit.PulseReset = true;
            Enter(Phase.ResetPulse, _ctx.Timing.ResetPulse);
        }

        /// <summary>Hold the power button for power_hold_ms (a forced off), then go on as the power cycle goes.</summary>
        public void StartPowerCycle()
        {
            _unit.PressPower = true;
            Enter(Phase.PowerHold, _ctx.Timing.PowerHold);
        }

        /// <summary>
        /// Board start, with a power cycle of this channel persisted as under way: after one
        /// debounce time, power-good high or a steady heartbeat means the server is on (the forced
        /// off had not taken, or someone powered it on) and nothing is done; power-good low and no
        /// heartbeat means it is still off, and once the board's grace is over it gets the press
        /// that powers it on.
        /// </summary>
        public void Resume()
        {
            Enter(Phase.PowerResume, _ctx.Timing.Debounce);
        }

        /// <summary>Release the pulse or the press and stop (a takeover hold, a fence or maintenance takes over).</summary>
        public void Cancel()
        {
            _unit.PulseReset = false;
            _unit.PressPower = false;
            _phase = Phase.None;
        }

        /// <summary>Moves the sequence on; says what ended in this tick.</summary>
        public WireOutcome Tick()
        {
            long now = _ctx.Now;
            if (_phase == Phase.PowerResume)
            {
                return TickResume(now);
            }

            if (_phase == Phase.PowerConfirm)
            {
                return TickConfirm(now);
            }

            if (_phase == Phase.None || now < _until)
            {
                return WireOutcome.None;
            }

            // The time of the phase is up.
            switch (_phase)
            {
                case Phase.ResetPulse:
                    _unit.PulseReset = false;
                    _phase = Phase.None;
                    return WireOutcome.PulseDone;
                case Phase.PowerHold:
                    _unit.PressPower = false;
                    Enter(Phase.PowerConfirm, _ctx.Timing.PowerOffConfirm);
                    return WireOutcome.None;
                case Phase.PowerOffWait:
                    _unit.PressPower = true;
                    Enter(Phase.PowerPress, _ctx.Timing.PowerPress);
                    return WireOutcome.None;
                default:
                    // PowerPress: the server was pressed on.
                    _unit.PressPower = false;
                    _phase = Phase.None;
                    return WireOutcome.PowerPressed;
            }
        }

        private void Enter(Phase phase, long ticks)
        {
            _phase = phase;
            _until = _ctx.Now + ticks;
            _offSeenAfterHold = false;
        }

        // After the forced off: every power-good must fall within power_off_confirm_ms.
        private WireOutcome TickConfirm(long now)
        {
            if (_unit.AllPowerLow)
            {
                _ctx.Event("power-off-confirmed", Severity.Warning, _unit.Config.Node, _unit.GroupName, "power-good low after the forced off");
                Enter(Phase.PowerOffWait, _ctx.Timing.PowerOffWait);
                _offSeenAfterHold = true;
            }
            else if (now >= _until)
            {
                _ctx.Event("power-off-not-confirmed", Severity.Alert, _unit.Config.Node, _unit.GroupName, "power-good stayed high after holding the power button; the power cycle did not take");
                _phase = Phase.None;
                return WireOutcome.PowerOffNotConfirmed;
            }

            return WireOutcome.None;
        }

        private WireOutcome TickResume(long now)
        {
            if (now < _until)
            {
                return WireOutcome.None;
            }

            bool beating = _unit.Heartbeat.EdgesSinceMark >= 2 && _unit.Heartbeat.Fresh;
            if (!_unit.AllPowerLow || beating)
            {
                // A running server must never get the press: on most boards a short press
                // starts a shutdown. A steady heartbeat overrules a power-good wire that reads low.
                _ctx.Event(
                    "power-cycle-dropped",
                    beating && _unit.AllPowerLow ? Severity.Warning : Severity.Info,
                    _unit.Config.Node,
                    _unit.GroupName,
                    beating && _unit.AllPowerLow
                        ? "the board restarted during a power cycle; power-good reads low but the heartbeat runs, so the server is on (check the power-good wire): not pressing"
                        : "the board restarted during a power cycle and power-good is high: the server is on, nothing to finish");
                _phase = Phase.None;
                return WireOutcome.ResumeDropped;
            }

            if (!_unit.Quiet)
            {
                // Not in the board's grace: no automatic action before the members were
                // heard (safety rule), even the press that powers an off server on.
                _ctx.Event("power-cycle-resumed", Severity.Warning, _unit.Config.Node, _unit.GroupName, "the board restarted during a power cycle and power-good is still low: finishing it (power is pressed after power_off_wait_ms)");
                Enter(Phase.PowerOffWait, _ctx.Timing.PowerOffWait);
            }

            return WireOutcome.None;
        }
    }
}
