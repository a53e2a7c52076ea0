using Watchdog.Firmware.Core.Config;
using Watchdog.Protocol.Wire;

namespace Watchdog.Firmware.Core
{
    /// <summary>
    /// The escalation ladder of one channel: notify, ask for a service restart, reset pulse,
    /// power cycle, hold (or fence). A step counts as done only when the wires confirm it (the
    /// heartbeat returns after a reset or power cycle; power-good falls after a forced off).
    /// Back-off doubles with each wire action in the cap window; when the cap is reached the node
    /// is held instead, with a critical alert. Steps start only in Failed and never in a grace
    /// period or maintenance.
    /// </summary>
    internal sealed class EscalationLadder
    {
        private enum Phase
        {
            Idle = 0,
            Waiting = 1,
            AwaitService = 2,
            ResetPulse = 3,
            PowerHold = 4,
            PowerConfirm = 5,
            PowerOffWait = 6,
            PowerPress = 7,
            Done = 8,

            // The board restarted during a power cycle (its ladder record said so): power-good and
            // the heartbeat are read for one debounce time, then the cycle is finished or dropped.
            PowerResume = 9,
        }

        private readonly CoreContext _ctx;
        private readonly ChannelUnit _unit;
        private readonly long[] _attempts;

        // The wall-clock time of each attempt (0: none), kept in the ladder record so that a
        // restarted board still counts them against the cap (rule 5 across board restarts).
        private readonly long[] _attemptWall;
        private LadderStep[] _steps = new LadderStep[0];
        private Phase _phase;
        private long _until;
        private bool _counted;

        public EscalationLadder(CoreContext ctx, ChannelUnit unit)
        {
            _ctx = ctx;
            _unit = unit;
            _attempts = new long[ctx.Config.Escalation.CapAttempts];
            _attemptWall = new long[_attempts.Length];
            for (int i = 0; i < _attempts.Length; i++) { _attempts[i] = long.MinValue / 2; }
            Index = -1;
        }

        /// <summary>The step that runs or runs next; -1 when no ladder runs.</summary>
        public int Index { get; private set; }

        public Verdict Verdict { get; private set; }

        public LadderStep CurrentStep { get { return Index >= 0 && Index < _steps.Length ? _steps[Index] : LadderStep.Notify; } }

        /// <summary>The board forced the node off and saw power-good fall; it stays off until the press.</summary>
        public bool PoweredOff { get { return _phase == Phase.PowerOffWait; } }

        /// <summary>A wire action (pulse, hold of the power button, its confirmation) is in progress.</summary>
        public bool Busy { get { return (_phase >= Phase.ResetPulse && _phase <= Phase.PowerPress) || _phase == Phase.PowerResume; } }

        /// <summary>
        /// A power cycle is under way: from the forced off to the end of the press that powers the
        /// server on again. The glue keeps this durable (CoreOutput.Ladder), because a board
        /// that restarts in between would otherwise leave the server off.
        /// </summary>
        public bool PowerCycleUnderWay { get { return (_phase >= Phase.PowerHold && _phase <= Phase.PowerPress) || _phase == Phase.PowerResume; } }

        /// <summary>
        /// Board start, with a power cycle of this channel persisted as under way: after one
        /// debounce time, power-good high or a steady heartbeat means the server is on (the forced
        /// off had not taken, or someone powered it on) and nothing is done; power-good low and no
        /// heartbeat means it is still off, and once the board's grace is over it gets the press
        /// that powers it on.
        /// Not a ladder step and not counted in the cap: the step was counted before the restart.
        /// </summary>
        public void ResumePowerCycle()
        {
            _counted = false;
            _phase = Phase.PowerResume;
            _until = _ctx.Now + _ctx.Timing.Debounce;
        }

        public int AttemptsInWindow
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

        public bool CapReached { get { return AttemptsInWindow >= _attempts.Length; } }

        /// <summary>Grows whenever the attempts change (recorded, restored or cleared): the core rewrites the ladder record then.</summary>
        public long AttemptsVersion { get; private set; }

        /// <summary>
        /// The attempts in the cap window as a ladder-record entry, "&lt;ms&gt;,&lt;ms&gt;:&lt;channel&gt;"
        /// (wall-clock times, oldest first), or "" when there are none.
        /// </summary>
        public string AttemptsEntry()
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

            return times.Length == 0 ? "" : times + ":" + _unit.Config.Name;
        }

        /// <summary>
        /// Board start: an attempt the previous run recorded at <paramref name="wallMs"/>, now
        /// <paramref name="ageMs"/> old. Counted in the cap window from here (before the first tick,
        /// so at a negative tick).
        /// </summary>
        public void RestoreAttempt(long wallMs, long ageMs)
        {
            int oldest = Oldest();
            _attempts[oldest] = _ctx.Now - (ageMs / _ctx.Config.Timing.TickMs);
            _attemptWall[oldest] = wallMs;
            AttemptsVersion++;
        }

        /// <summary>The channel entered Failed with <paramref name="verdict"/>: start a ladder, or go on with the running one.</summary>
        public void Begin(Verdict verdict)
        {
            if (Index < 0)
            {
                Verdict = verdict;
                _steps = _ctx.Config.Escalation.For(verdict);
                Index = 0;
                if (!Busy)
                {
                    // A wire action in progress runs to its end first (Finish moves on from there).
                    _phase = Phase.Waiting;
                    _until = _ctx.Now;
                }
            }
            else if (_phase != Phase.Done && !Busy)
            {
                _phase = Phase.Waiting;
                _until = _ctx.Now + Backoff();
            }
        }

        /// <summary>The node is healthy again: the next failure starts at the bottom (the cap still counts).</summary>
        public void Reset()
        {
            Index = -1;
            if (!Busy)
            {
                // A pulse or power sequence in progress still runs to its end, so no relay is left asserted.
                _phase = Phase.Idle;
            }
        }

        /// <summary>An operator intervened (unfence, maintenance): forget the ladder and the cap window.</summary>
        public void Clear()
        {
            Reset();
            for (int i = 0; i < _attempts.Length; i++) { _attempts[i] = long.MinValue / 2; _attemptWall[i] = 0; }
            AttemptsVersion++;
        }

        public void CancelWireAction()
        {
            if (Busy)
            {
                _unit.PulseReset = false;
                _unit.PressPower = false;
                _phase = Phase.Waiting;
                _until = _ctx.Now + Backoff();
            }
        }

        /// <summary>
        /// A takeover hold was released: if the ladder still has a reset or power cycle to try and
        /// the cap allows it, the hold counts as that step (it was a long reset) and the ladder moves past it.
        /// A node held while no ladder ran (it was fenced only to move the role on, as after a grant
        /// it never acknowledged) was reset by the hold: that counts against the cap, so a node that
        /// keeps being fenced this way is held for good once the cap is reached.
        /// </summary>
        public bool TakeHoldAsReset()
        {
            if (CapReached)
            {
                return false;
            }

            if (Index < 0)
            {
                Record();
                return true;
            }

            for (int i = Index; i < _steps.Length; i++)
            {
                if (_steps[i] == LadderStep.Reset || _steps[i] == LadderStep.PowerCycle)
                {
                    Record();
                    Index = i + 1;
                    _phase = Phase.Waiting;
                    _until = _ctx.Now + Backoff();
                    return true;
                }

                if (_steps[i] == LadderStep.Hold || _steps[i] == LadderStep.Fence)
                {
                    return false;
                }
            }

            return false;
        }

        /// <summary>Pulses and the power sequence run to their end in any state, so no relay is left asserted.</summary>
        public void TickWireActions()
        {
            long now = _ctx.Now;
            switch (_phase)
            {
                case Phase.ResetPulse:
                    if (now >= _until)
                    {
                        _unit.PulseReset = false;
                        Finish("reset pulse done: waiting for the heartbeat");
                    }

                    break;
                case Phase.PowerHold:
                    if (now >= _until)
                    {
                        _unit.PressPower = false;
                        _phase = Phase.PowerConfirm;
                        _until = now + _ctx.Timing.PowerOffConfirm;
                    }

                    break;
                case Phase.PowerConfirm:
                    if (_unit.AllPowerLow)
                    {
                        _ctx.Event("power-off-confirmed", Severity.Warning, _unit.Config.Node, _unit.GroupName, "power-good low after the forced off");
                        _phase = Phase.PowerOffWait;
                        _until = now + _ctx.Timing.PowerOffWait;
                    }
                    else if (now >= _until)
                    {
                        _ctx.Event("power-off-not-confirmed", Severity.Alert, _unit.Config.Node, _unit.GroupName, "power-good stayed high after holding the power button; the power cycle did not take");
                        if (_counted) { Index++; }
                        _phase = Index < 0 ? Phase.Idle : Phase.Waiting;
                        _until = now + Backoff();
                    }

                    break;
                case Phase.PowerResume:
                    if (now < _until)
                    {
                        break;
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
                        _phase = Index < 0 ? Phase.Idle : Phase.Waiting;
                        _until = now;
                    }
                    else if (!_unit.Quiet)
                    {
                        // Not in the board's grace: no automatic action before the members were
                        // heard (safety rule), even the press that powers an off server on.
                        _ctx.Event("power-cycle-resumed", Severity.Warning, _unit.Config.Node, _unit.GroupName, "the board restarted during a power cycle and power-good is still low: finishing it (power is pressed after power_off_wait_ms)");
                        _phase = Phase.PowerOffWait;
                        _until = now + _ctx.Timing.PowerOffWait;
                    }

                    break;
                case Phase.PowerOffWait:
                    if (now >= _until)
                    {
                        _unit.PressPower = true;
                        _phase = Phase.PowerPress;
                        _until = now + _ctx.Timing.PowerPress;
                    }

                    break;
                case Phase.PowerPress:
                    if (now >= _until)
                    {
                        _unit.PressPower = false;
                        Finish("power pressed: waiting for the heartbeat");
                    }

                    break;
            }
        }

        private void Finish(string why)
        {
            if (_counted)
            {
                Index++;
            }

            _phase = Phase.Waiting;
            _until = _ctx.Now + Backoff();
            _unit.Fire(ChannelTrigger.ActionTaken, why);
            _unit.EnterGrace();
            if (!_counted)
            {
                // A command's action, not a ladder step: the ladder stays where it was.
                _phase = Index < 0 ? Phase.Idle : Phase.Waiting;
            }
        }

        /// <summary>Start the next step when its time has come. Only in Failed, never in grace or maintenance.</summary>
        public void TickSteps()
        {
            if (_unit.Quiet || _unit.State != Watchdog.Protocol.Wire.ChannelState.Failed || Index < 0)
            {
                return;
            }

            if (_phase == Phase.AwaitService)
            {
                if (_ctx.Now >= _until)
                {
                    _ctx.Event("restart-service-timeout", Severity.Warning, _unit.Config.Node, _unit.GroupName, "the agent did not report healthy in time");
                    Index++;
                    _phase = Phase.Waiting;
                    _until = _ctx.Now + Backoff();
                }

                return;
            }

            if (_phase != Phase.Waiting || _ctx.Now < _until)
            {
                return;
            }

            if (Index >= _steps.Length)
            {
                _phase = Phase.Done;
                _ctx.Event("ladder-ended", Severity.Alert, _unit.Config.Node, _unit.GroupName, "every step of the " + WireWords.Of(Verdict) + " ladder (" + ConfigWords.Describe(_steps) + ") was taken; the node stays failed");
                return;
            }

            Run(_steps[Index]);
        }

        private void Run(LadderStep step)
        {
            string node = _unit.Config.Node;
            string group = _unit.GroupName;
            switch (step)
            {
                case LadderStep.Notify:
                    _ctx.Event("failure", Severity.Alert, node, group, WireWords.Of(Verdict) + "; next: " + Next());
                    Index++;
                    _phase = Phase.Waiting;
                    _until = _ctx.Now + Backoff();
                    break;
                case LadderStep.RestartService:
                    _ctx.Request(node, AgentRequestKind.RestartService, WireWords.Of(Verdict));
                    _ctx.Event("restart-service-requested", Severity.Warning, node, group, WireWords.Of(Verdict));
                    _phase = Phase.AwaitService;
                    _until = _ctx.Now + _ctx.Timing.RestartServiceTimeout;
                    break;
                case LadderStep.Reset:
                    if (CapReached) { HoldAtCap(); break; }
                    Record();
                    _counted = true;
                    _unit.PulseReset = true;
                    _phase = Phase.ResetPulse;
                    _until = _ctx.Now + _ctx.Timing.ResetPulse;
                    _ctx.Event("reset-pulse", Severity.Warning, node, group, "attempt " + AttemptsInWindow.ToString() + " of " + _attempts.Length.ToString() + " in the window");
                    break;
                case LadderStep.PowerCycle:
                    if (CapReached) { HoldAtCap(); break; }
                    Record();
                    _counted = true;
                    _unit.PressPower = true;
                    _phase = Phase.PowerHold;
                    _until = _ctx.Now + _ctx.Timing.PowerHold;
                    _ctx.Event("power-cycle", Severity.Warning, node, group, "holding power for a forced off; attempt " + AttemptsInWindow.ToString() + " of " + _attempts.Length.ToString());
                    break;
                default:
                    HoldForGood(step == LadderStep.Fence, "fenced-and-held", "the " + WireWords.Of(Verdict) + " ladder ended in " + ConfigWords.Of(step) + "; unfence to release");
                    break;
            }
        }

        private void HoldAtCap()
        {
            HoldForGood(true, "ladder-cap-reached", _attempts.Length.ToString() + " wire actions in the cap window: no more resets, the node is held; unfence to release");
        }

        private void HoldForGood(bool fenceRelay, string kind, string detail)
        {
            _phase = Phase.Done;
            if (!_unit.CanFence())
            {
                _ctx.Event("fence-refused", Severity.Critical, _unit.Config.Node, _unit.GroupName, "it is the last healthy member of its group (allow_fence_last_healthy is false); " + detail);
                return;
            }

            _unit.Hold(fenceRelay, kind);
            _ctx.Event(kind, Severity.Critical, _unit.Config.Node, _unit.GroupName, detail);
        }

        /// <summary>A wire action ordered by a signed command: not a ladder step, not counted in the cap.</summary>
        public bool StartCommanded(bool powerCycle)
        {
            if (Busy)
            {
                return false;
            }

            _counted = false;

            // The node is taken down on purpose: from now on it is recovering (its boot grace
            // starts), so the silence the action causes is not judged as a new failure.
            _unit.Fire(ChannelTrigger.ActionTaken, powerCycle ? "power cycle by command" : "reset by command");
            _unit.EnterGrace();
            if (powerCycle)
            {
                _unit.PressPower = true;
                _phase = Phase.PowerHold;
                _until = _ctx.Now + _ctx.Timing.PowerHold;
            }
            else
            {
                _unit.PulseReset = true;
                _phase = Phase.ResetPulse;
                _until = _ctx.Now + _ctx.Timing.ResetPulse;
            }

            return true;
        }

        private void Record()
        {
            int oldest = Oldest();
            _attempts[oldest] = _ctx.Now;
            _attemptWall[oldest] = _ctx.WallMs;
            AttemptsVersion++;
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

        private long Backoff()
        {
            long ticks = _ctx.Timing.Backoff;
            int attempts = AttemptsInWindow;
            for (int i = 0; i < attempts && ticks < _ctx.Timing.BackoffMax; i++) { ticks *= 2; }
            return ticks > _ctx.Timing.BackoffMax ? _ctx.Timing.BackoffMax : ticks;
        }

        private string Next()
        {
            return Index + 1 < _steps.Length ? ConfigWords.Of(_steps[Index + 1]) : "nothing";
        }
    }
}
