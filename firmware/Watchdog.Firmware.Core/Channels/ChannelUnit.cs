using Watchdog.Firmware.Core.Config;
using Watchdog.Protocol.Messages;
using Watchdog.Protocol.Wire;

namespace Watchdog.Firmware.Core
{
    /// <summary>
    /// One wired server: reads its samples, debounces, judges a verdict (ChannelUnit.Verdict.cs,
    /// by the VerdictRules table), moves through the ChannelTransitions table and owns the
    /// outputs (ChannelUnit.Outputs.cs). The escalation ladder and the group arbiter act through
    /// it (pulses, holds, the ROLE line).
    /// </summary>
    internal sealed partial class ChannelUnit
    {
        private readonly CoreContext _ctx;
        private readonly Debouncer[] _powerGood;
        private readonly Debouncer[] _link;
        private long _graceEnd;
        private bool _heardHeartbeatSinceAction;
        private long _resetAssertedTicks;
        private bool _resetDriven;
        private long _lastStateTick;

        // The tick the heartbeat's current (or, while it is late or lost, its last) fresh run began; 0: never fresh.
        private long _heartbeatFreshSince;

        public ChannelUnit(CoreContext ctx, int index, ChannelSample sample)
        {
            _ctx = ctx;
            Index = index;
            Config = ctx.Config.Channels[index];
            Sample = sample;
            TickTiming t = ctx.Timing;
            Heartbeat = new HeartbeatDetector(t.HeartbeatPeriod, t.HeartbeatSuspect, t.HeartbeatTimeout);
            _powerGood = new Debouncer[Config.PowerGoodInputs];
            for (int i = 0; i < _powerGood.Length; i++) { _powerGood[i] = new Debouncer(t.Debounce); }
            _link = new Debouncer[Config.LinkInputs];
            for (int i = 0; i < _link.Length; i++) { _link[i] = new Debouncer(t.Debounce); }
            Ladder = new EscalationLadder(ctx, this);
            Presence = Presence.Init;
        }

        public int Index { get; }
        public ChannelConfig Config { get; }
        public ChannelSample Sample { get; }
        public HeartbeatDetector Heartbeat { get; }
        public EscalationLadder Ladder { get; }
        public GroupArbiter? Group { get; set; }
        public int MemberIndex { get; set; } = -1;
        public string GroupName { get { return Group == null ? "" : Group.Config.Name; } }

        public ChannelState State { get; private set; }
        public Verdict Verdict { get; private set; }
        public long StateSince { get; private set; }

        // What the node's agent said over MQTT.
        public Presence Presence { get; set; }
        public bool HeardState { get; set; }
        public Health Health { get; set; }
        public NodeRole ReportedRole { get; set; }
        public long ReportedEpoch { get; set; }

        /// <summary>
        /// The agent's last word on promotion (NodeState.Ready): false while a check that gates
        /// promotion fails. The arbiter never grants such a member active, and never demotes or
        /// fences one for it. True until a state says otherwise: a member never heard over MQTT
        /// is judged by its wires alone, as before the field existed.
        /// </summary>
        public bool Ready { get; set; } = true;

        /// <summary>The agent's reason from the state that said it is not ready ("" while ready).</summary>
        public string NotReadyReason { get; set; } = "";

        /// <summary>Whether the grant behind the last reported role and epoch checked out (always, without a board key).</summary>
        public bool ClaimProven { get; set; } = true;

        /// <summary>The last unproven epoch an alert was raised for (one alert per epoch, not one per state).</summary>
        public long LastUnprovenEpoch { get; set; }
        public long LastStateTimestamp { get; set; } = long.MinValue;

        /// <summary>
        /// The agent's state arrived. Only a newer one (the agent stamps every republish) proves its
        /// path to the broker now: the retained copy the broker hands a board that resubscribes
        /// carries the same stamp and must not reset the silence count.
        /// </summary>
        public void NoteState(bool newer)
        {
            if (newer || !HeardState)
            {
                _lastStateTick = _ctx.Now;
            }

            HeardState = true;
        }

        /// <summary>The tick of the agent's last state (0: none in this run).</summary>
        public long LastStateTick { get { return _lastStateTick; } }

        /// <summary>
        /// No state from an agent that was heard for node_silence_ms: its path to the broker is
        /// gone (it republishes its state every few seconds), well before the broker's will says so.
        /// </summary>
        public bool Silent
        {
            get { return HeardState && _ctx.Timing.NodeSilence > 0 && _ctx.Now - _lastStateTick >= _ctx.Timing.NodeSilence; }
        }

        /// <summary>Its agent can hear the board now, as far as the board can tell: presence not lost, not silent.</summary>
        public bool Reachable
        {
            get { return Presence != Presence.Lost && Presence != Presence.Disconnected && !Silent; }
        }

        /// <summary>
        /// This board has heard the member (a heartbeat edge, its agent's state or presence) in
        /// this run or, by the commissioning record kept with the epoch, in an earlier one. Only a
        /// commissioned member can ever have been granted a role by this board; one that is not
        /// and stays silent through the board's grace is Absent, not failed.
        /// </summary>
        public bool Commissioned { get; set; }

        /// <summary>Heard in this run of the board (the rest of Commissioned comes from the record).</summary>
        public bool HeardSinceStart { get; private set; }

        public bool PowerGood(int i) { return _powerGood[i].Value; }
        public bool Link(int i) { return _link[i].Value; }

        public bool AllPowerLow
        {
            get
            {
                for (int i = 0; i < _powerGood.Length; i++) { if (_powerGood[i].Value) { return false; } }
                return true;
            }
        }

        /// <summary>Heartbeat fresh and some power good: this server is running, whatever else is wrong.</summary>
        public bool AliveOnWires { get { return Heartbeat.Fresh && !AllPowerLow; } }

        /// <summary>
        /// The node cannot act: reset has been asserted for the fence-confirm time and still is,
        /// or the board itself forced it off and saw every power-good fall. Power-good seen low
        /// on its own is not enough (a sensor wire can lie): the arbiter holds reset first.
        /// </summary>
        public bool ConfirmedOut
        {
            get
            {
                return (_resetDriven && _resetAssertedTicks >= _ctx.Timing.FenceConfirm) || (Ladder.Wires.PoweredOff && AllPowerLow && !Heartbeat.Fresh);
            }
        }

        /// <summary>Nothing automatic is done now: board grace, node boot grace, maintenance.</summary>
        public bool Quiet
        {
            get { return !_ctx.BoardGraceOver || State == ChannelState.Booting || State == ChannelState.Maintenance || State == ChannelState.Unknown || State == ChannelState.Absent; }
        }

        /// <summary>Failed, fenced or recovering from an action: not fit to hold or take a role.</summary>
        public bool Unfit
        {
            get { return State == ChannelState.Failed || State == ChannelState.Fenced || State == ChannelState.Recovering; }
        }

        /// <summary>
        /// Whether this node may be held or fenced: always when it is not alive on the wires; when
        /// it is, only if its group allows fencing the last healthy member or another member is healthy.
        /// </summary>
        public bool CanFence()
        {
            if (!AliveOnWires)
            {
                return true;
            }

            return Group != null && Group.OtherHealthyOrAllowed(this);
        }

        /// <summary>Board start: enter Booting with the board's grace.</summary>
        public void Start()
        {
            Fire(ChannelTrigger.Start, "board started");
            _graceEnd = _ctx.Timing.BoardBootGrace;
        }

        public void Tick()
        {
            // Reset asserted by the previous output was on the wire for one more tick.
            _resetAssertedTicks = _resetDriven ? _resetAssertedTicks + 1 : 0;

            int edges = Sample.HeartbeatEdges;
            Sample.HeartbeatEdges = 0;
            Heartbeat.Observe(edges);
            if (Heartbeat.FreshRun == 1)
            {
                _heartbeatFreshSince = _ctx.Now;
            }
            if (edges > 0 && !HeardSinceStart)
            {
                NoteHeard("a heartbeat edge");
            }
            for (int i = 0; i < _powerGood.Length; i++) { _powerGood[i].Update(Sample.PowerGood[i]); }
            for (int i = 0; i < _link.Length; i++) { _link[i].Update(Sample.Link[i]); }

            UpdateVerdict();
            Ladder.TickWireActions();
            Judge();
        }

        /// <summary>
        /// The member said something: a heartbeat edge, its agent's state or presence. The first
        /// time in this run it counts as heard; a member heard for the first time ever is
        /// commissioned and gets the full node boot grace from now (its agents may have been
        /// installed just now), and an absent one boots.
        /// </summary>
        public void NoteHeard(string how)
        {
            if (HeardSinceStart)
            {
                return;
            }

            HeardSinceStart = true;
            if (Commissioned)
            {
                return;
            }

            Commissioned = true;
            _ctx.CommissioningChanged = true;
            if (State == ChannelState.Absent)
            {
                Fire(ChannelTrigger.Heard, "heard for the first time (" + how + "); the node boot grace starts");
                EnterGrace();
            }
            else if (_graceEnd < _ctx.Now + _ctx.Timing.NodeBootGrace)
            {
                _graceEnd = _ctx.Now + _ctx.Timing.NodeBootGrace;
            }
        }

        /// <summary>Re-judge after a message changed what the agent says (health, presence).</summary>
        public void Rejudge()
        {
            UpdateVerdict();
            if (_ctx.Now > 0)
            {
                Judge();
            }
        }

        private void Judge()
        {
            bool failure = VerdictRules.IsFailure(Verdict);
            switch (State)
            {
                case ChannelState.Booting:
                    if (Heartbeat.EdgesSinceMark >= 2 && Heartbeat.Fresh && !Ladder.Busy)
                    {
                        Fire(ChannelTrigger.HeartbeatSteady, "heartbeat steady");
                    }
                    else if (_ctx.Now >= _graceEnd && _ctx.BoardGraceOver && !Commissioned)
                    {
                        // Nothing was ever heard from it: no agent installed yet, or a server not
                        // racked. Resetting or powering it would do nothing useful and could hurt
                        // a server someone is setting up; it waits, loudly, until it is heard.
                        Fire(ChannelTrigger.NeverHeard, "never heard since the board started and never before: no reset, no power action, no role until it is heard or an operator acts");
                    }
                    else if (_ctx.Now >= _graceEnd && _ctx.BoardGraceOver)
                    {
                        Fail(ChannelTrigger.BootTimeout, "no steady heartbeat within the boot grace", failure ? Verdict : Verdict.SoftwareFailure);
                    }

                    break;
                case ChannelState.Healthy:
                    if (failure)
                    {
                        Fail(ChannelTrigger.Fault, WireWords.Of(Verdict), Verdict);
                    }
                    else if (Heartbeat.Late)
                    {
                        Fire(ChannelTrigger.HeartbeatLate, "no heartbeat edge for " + (Heartbeat.TicksSinceEdge * _ctx.Timing.TickMs).ToString() + " ms");
                    }

                    break;
                case ChannelState.Suspect:
                    if (failure)
                    {
                        Fail(ChannelTrigger.Fault, WireWords.Of(Verdict), Verdict);
                    }
                    else if (Heartbeat.Fresh)
                    {
                        Fire(ChannelTrigger.HeartbeatBack, "heartbeat back");
                    }

                    break;
                case ChannelState.Failed:
                    if (!failure && Heartbeat.Fresh && !Ladder.Busy)
                    {
                        Fire(ChannelTrigger.FaultCleared, "the failure cleared by itself");
                        EnterGrace();
                    }
                    else
                    {
                        Ladder.TickSteps();
                    }

                    break;
                case ChannelState.Recovering:
                    if (Heartbeat.EdgesSinceMark >= 2 && Heartbeat.Fresh)
                    {
                        _heardHeartbeatSinceAction = true;
                    }

                    if (!failure && !Ladder.Busy && Heartbeat.FreshRun >= _ctx.Timing.RecoveryStable && _ctx.Now - StateSince >= _ctx.Timing.RecoveryStable)
                    {
                        Fire(ChannelTrigger.HeartbeatSteady, "heartbeat steady for the recovery time");
                        Ladder.Reset();
                    }
                    else if (failure && _heardHeartbeatSinceAction && !Ladder.Busy)
                    {
                        Fail(ChannelTrigger.Fault, WireWords.Of(Verdict), Verdict);
                    }
                    else if (_ctx.Now >= _graceEnd && !Ladder.Busy)
                    {
                        Fail(ChannelTrigger.RecoveryTimeout, "no steady heartbeat within the node boot grace", failure ? Verdict : Verdict.SoftwareFailure);
                    }

                    break;
            }
        }

        // Into Failed (or on with the ladder already running): the ladder takes its next step now.
        private void Fail(ChannelTrigger trigger, string why, Verdict verdict)
        {
            Fire(trigger, why);
            Ladder.Begin(verdict);
            Ladder.TickSteps();
        }

        public void Fire(ChannelTrigger trigger, string why)
        {
            ChannelState to;
            if (!ChannelTransitions.TryNext(State, trigger, out to))
            {
                return;
            }

            ChannelState from = State;
            State = to;
            StateSince = _ctx.Now;
            Severity severity = to == ChannelState.Failed || to == ChannelState.Fenced || to == ChannelState.Absent ? Severity.Alert : Severity.Info;
            _ctx.Event("state-" + WireWords.Of(to), severity, Config.Node, GroupName, WireWords.Of(from) + " -> " + WireWords.Of(to) + ": " + why);
        }

        public bool CanFire(ChannelTrigger trigger)
        {
            ChannelState to;
            return ChannelTransitions.TryNext(State, trigger, out to);
        }

        /// <summary>The node boots (after an action, an unfence or maintenance): nothing is judged until the node boot grace ends.</summary>
        public void EnterGrace()
        {
            _graceEnd = _ctx.Now + _ctx.Timing.NodeBootGrace;
            _heardHeartbeatSinceAction = false;
            Heartbeat.Mark();

            // What the agent said before the node restarted no longer holds; wait for it to say again.
            Health = Health.Unknown;
        }
    }
}
