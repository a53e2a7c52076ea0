using Watchdog.Firmware.Core.Config;
using Watchdog.Protocol.Wire;

namespace Watchdog.Firmware.Core
{
    /// <summary>
    /// The escalation ladder of one channel: notify, ask for a service restart, reset pulse,
    /// power cycle, hold (or fence). A step counts as done only when the wires confirm it (the
    /// heartbeat returns after a reset or power cycle; power-good falls after a forced off).
    /// The wire actions run in the channel's PowerResetSequence; each one counts in its
    /// CapWindow, which sets the back-off between steps and, when full, holds the node instead,
    /// with a critical alert. Steps start only in Failed and never in a grace period or maintenance.
    /// </summary>
    internal sealed class EscalationLadder
    {
        // Where the step sequence is; while Wires is busy the ladder waits for it to end.
        private enum Phase { Idle = 0, Waiting = 1, AwaitService = 2, Done = 3 }

        private readonly CoreContext _ctx;
        private readonly ChannelUnit _unit;
        private LadderStep[] _steps = new LadderStep[0];
        private Phase _phase;
        private long _until;

        // The running wire action is a ladder step (it moves the ladder on), not a command's or a resumed one.
        private bool _counted;

        public EscalationLadder(CoreContext ctx, ChannelUnit unit)
        {
            _ctx = ctx;
            _unit = unit;
            Cap = new CapWindow(ctx);
            Wires = new PowerResetSequence(ctx, unit);
            Index = -1;
        }

        /// <summary>The wire actions of the cap window, and the back-off they set.</summary>
        public CapWindow Cap { get; }

        /// <summary>The reset and power wires: the pulse or the power cycle in progress.</summary>
        public PowerResetSequence Wires { get; }

        /// <summary>The step that runs or runs next; -1 when no ladder runs.</summary>
        public int Index { get; private set; }

        public Verdict Verdict { get; private set; }

        public LadderStep CurrentStep { get { return Index >= 0 && Index < _steps.Length ? _steps[Index] : LadderStep.Notify; } }

        /// <summary>A wire action is in progress (Wires.Busy).</summary>
        public bool Busy { get { return Wires.Busy; } }

        /// <summary>
        /// Board start, with a power cycle of this channel persisted as under way (see
        /// PowerResetSequence.Resume). Not a ladder step and not counted in the cap: the step was
        /// counted before the restart.
        /// </summary>
        public void ResumePowerCycle()
        {
            _counted = false;
            Wires.Resume();
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
                WaitBackoff();
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

        /// <summary>An operator intervened (unfence): forget the ladder and the cap window.</summary>
        public void Clear()
        {
            Reset();
            Cap.Clear();
        }

        public void CancelWireAction()
        {
            if (Busy)
            {
                Wires.Cancel();
                WaitBackoff();
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
            if (Cap.Reached)
            {
                return false;
            }

            if (Index < 0)
            {
                Cap.Record();
                return true;
            }

            for (int i = Index; i < _steps.Length; i++)
            {
                if (_steps[i] == LadderStep.Reset || _steps[i] == LadderStep.PowerCycle)
                {
                    Cap.Record();
                    Index = i + 1;
                    WaitBackoff();
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
            switch (Wires.Tick())
            {
                case WireOutcome.PulseDone:
                    Finish("reset pulse done: waiting for the heartbeat");
                    break;
                case WireOutcome.PowerPressed:
                    Finish("power pressed: waiting for the heartbeat");
                    break;
                case WireOutcome.PowerOffNotConfirmed:
                    if (_counted) { Index++; }
                    _phase = Index < 0 ? Phase.Idle : Phase.Waiting;
                    _until = _ctx.Now + Cap.Backoff();
                    break;
                case WireOutcome.ResumeDropped:
                    _phase = Index < 0 ? Phase.Idle : Phase.Waiting;
                    _until = _ctx.Now;
                    break;
            }
        }

        private void Finish(string why)
        {
            if (_counted)
            {
                Index++;
            }

            WaitBackoff();
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
            if (_unit.Quiet || _unit.State != Watchdog.Protocol.Wire.ChannelState.Failed || Index < 0 || Busy)
            {
                return;
            }

            if (_phase == Phase.AwaitService)
            {
                if (_ctx.Now >= _until)
                {
                    _ctx.Event("restart-service-timeout", Severity.Warning, _unit.Config.Node, _unit.GroupName, "the agent did not report healthy in time");
                    Index++;
                    WaitBackoff();
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
                    WaitBackoff();
                    break;
                case LadderStep.RestartService:
                    _ctx.Request(node, AgentRequestKind.RestartService, WireWords.Of(Verdict));
                    _ctx.Event("restart-service-requested", Severity.Warning, node, group, WireWords.Of(Verdict));
                    _phase = Phase.AwaitService;
                    _until = _ctx.Now + _ctx.Timing.RestartServiceTimeout;
                    break;
                case LadderStep.Reset:
                case LadderStep.PowerCycle:
                    RunWireStep(step == LadderStep.PowerCycle);
                    break;
                default:
                    HoldForGood(step == LadderStep.Fence, "fenced-and-held", "the " + WireWords.Of(Verdict) + " ladder ended in " + ConfigWords.Of(step) + "; unfence to release");
                    break;
            }
        }

        // A reset or power cycle step: counted in the cap window, or the node is held once it is full.
        private void RunWireStep(bool powerCycle)
        {
            if (Cap.Reached)
            {
                HoldForGood(true, "ladder-cap-reached", Cap.Size.ToString() + " wire actions in the cap window: no more resets, the node is held; unfence to release");
                return;
            }

            Cap.Record();
            _counted = true;
            string attempt = "attempt " + Cap.Count.ToString() + " of " + Cap.Size.ToString();
            if (powerCycle)
            {
                Wires.StartPowerCycle();
                _ctx.Event("power-cycle", Severity.Warning, _unit.Config.Node, _unit.GroupName, "holding power for a forced off; " + attempt);
            }
            else
            {
                Wires.StartPulse();
                _ctx.Event("reset-pulse", Severity.Warning, _unit.Config.Node, _unit.GroupName, attempt + " in the window");
            }
        }

        private void WaitBackoff()
        {
            _phase = Phase.Waiting;
            _until = _ctx.Now + Cap.Backoff();
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
                Wires.StartPowerCycle();
            }
            else
            {
                Wires.StartPulse();
            }

            return true;
        }

        private string Next()
        {
            return Index + 1 < _steps.Length ? ConfigWords.Of(_steps[Index + 1]) : "nothing";
        }
    }
}
