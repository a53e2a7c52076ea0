using Watchdog.Firmware.Core.Config;
using Watchdog.Protocol.Messages;
using Watchdog.Protocol.Wire;

namespace Watchdog.Firmware.Core
{
    /// <summary>
    /// One wired server: reads its samples, debounces, judges a verdict, moves through the
    /// ChannelTransitions table and owns the outputs. The escalation ladder and the group arbiter
    /// act through it (pulses, holds, the ROLE line).
    /// </summary>
    internal sealed class ChannelUnit
    {
        private readonly CoreContext _ctx;
        private readonly Debouncer[] _powerGood;
        private readonly Debouncer[] _link;
        private long _graceEnd;
        private bool _heardHeartbeatSinceAction;
        private long _resetAssertedTicks;
        private bool _resetDriven;
        private long _lastStateTick;

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

        // Outputs: pulses belong to the ladder or a command; holds to the ladder, the arbiter or a command.
        public bool PulseReset { get; set; }
        public bool PressPower { get; set; }
        public bool HoldReset { get; private set; }
        public bool HoldFence { get; private set; }
        public bool RoleOut { get; set; }

        /// <summary>
        /// This board has heard the member (a heartbeat edge, its agent's state or presence) in
        /// this run or, by the commissioning record kept with the epoch, in an earlier one. Only a
        /// commissioned member can ever have been granted a role by this board; one that is not
        /// and stays silent through the board's grace is Absent, not failed.
        /// </summary>
        public bool Commissioned { get; set; }

        /// <summary>Heard in this run of the board (the rest of Commissioned comes from the record).</summary>
        public bool HeardSinceStart { get; private set; }

        /// <summary>Held in reset by the arbiter so another member could take over; released (or kept) after the takeover.</summary>
        public bool TakeoverHeld { get; private set; }

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

        public static bool IsFailure(Verdict v)
        {
            return v == Verdict.SoftwareFailure || v == Verdict.PowerFailure || v == Verdict.NetworkFailure || v == Verdict.ServiceFailure;
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
            bool failure = IsFailure(Verdict);
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
                        Fire(ChannelTrigger.BootTimeout, "no steady heartbeat within the boot grace");
                        Ladder.Begin(failure ? Verdict : Verdict.SoftwareFailure);
                        Ladder.TickSteps();
                    }

                    break;
                case ChannelState.Healthy:
                    if (failure)
                    {
                        Fire(ChannelTrigger.Fault, WireWords.Of(Verdict));
                        Ladder.Begin(Verdict);
                        Ladder.TickSteps();
                    }
                    else if (Heartbeat.Late)
                    {
                        Fire(ChannelTrigger.HeartbeatLate, "no heartbeat edge for " + (Heartbeat.TicksSinceEdge * _ctx.Timing.TickMs).ToString() + " ms");
                    }

                    break;
                case ChannelState.Suspect:
                    if (failure)
                    {
                        Fire(ChannelTrigger.Fault, WireWords.Of(Verdict));
                        Ladder.Begin(Verdict);
                        Ladder.TickSteps();
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
                        Fire(ChannelTrigger.Fault, WireWords.Of(Verdict));
                        Ladder.Begin(Verdict);
                        Ladder.TickSteps();
                    }
                    else if (_ctx.Now >= _graceEnd && !Ladder.Busy)
                    {
                        Fire(ChannelTrigger.RecoveryTimeout, "no steady heartbeat within the node boot grace");
                        Ladder.Begin(failure ? Verdict : Verdict.SoftwareFailure);
                        Ladder.TickSteps();
                    }

                    break;
            }
        }

        private void UpdateVerdict()
        {
            Verdict before = Verdict;
            Verdict = ComputeVerdict();
            if (before == Verdict)
            {
                return;
            }

            // Alert-only verdicts are announced here; failures through the state machine and the ladder.
            if (Verdict == Verdict.RedundancyLost || Verdict == Verdict.BrokerPathLost)
            {
                _ctx.Event(WireWords.Of(Verdict), Severity.Alert, Config.Node, GroupName, RedundancyDetail());
            }
            else if (Verdict == Verdict.None && (before == Verdict.RedundancyLost || before == Verdict.BrokerPathLost))
            {
                _ctx.Event(WireWords.Of(before) + "-cleared", Severity.Info, Config.Node, GroupName, before == Verdict.BrokerPathLost ? "presence " + WireWords.Of(Presence) + ", its state arrives again" : "every power-good and link input is up");
            }
        }

        private Verdict ComputeVerdict()
        {
            bool allPowerLow = AllPowerLow;
            bool somePowerLow = false;
            for (int i = 0; i < _powerGood.Length; i++) { if (!_powerGood[i].Value) { somePowerLow = true; } }
            bool allLinkDown = true;
            bool someLinkDown = false;
            for (int i = 0; i < _link.Length; i++)
            {
                if (_link[i].Value) { allLinkDown = false; } else { someLinkDown = true; }
            }

            if (allPowerLow)
            {
                if (!Heartbeat.Fresh)
                {
                    return Verdict.PowerFailure;
                }

                // Power-good low while the heartbeat is still fresh: at a real power loss the
                // heartbeat stops just after (and the link LEDs go dark with it), so wait the
                // suspect time before calling it anything; after that it is a sensor or PSU
                // problem on a running server (redundancy lost below), never a failover.
                if (StableTicks(_powerGood) < _ctx.Timing.HeartbeatSuspect)
                {
                    return Verdict;
                }
            }

            if (Heartbeat.Lost)
            {
                return Verdict.SoftwareFailure;
            }

            if (allLinkDown && !allPowerLow)
            {
                // At a power loss the links and power-good fall together, in an order that depends
                // on the NIC and on where power-good is sensed (a PSU's PWR_OK falls first, a
                // front-panel LED may fade after the PHY lost link). Wait one more debounce time,
                // and as long as a power-good input is on its way down, so that a power loss takes
                // the power path (the node is off: the fence is confirmed at once) and not the
                // network path (the node may be running: ask it to demote, fence on timeout).
                if (StableTicks(_link) < _ctx.Timing.Debounce || PowerGoodFalling())
                {
                    return Verdict;
                }

                return Verdict.NetworkFailure;
            }

            if (HeardState && Health == Health.Failing && Presence != Presence.Lost && Presence != Presence.Disconnected && FailingSaidSinceHeartbeatReturned())
            {
                return Verdict.ServiceFailure;
            }

            if (!Reachable)
            {
                return Verdict.BrokerPathLost;
            }

            if (somePowerLow || someLinkDown)
            {
                return Verdict.RedundancyLost;
            }

            return Verdict.None;
        }

        /// <summary>
        /// The agent said "failing" while the heartbeat was already running. A required check that
        /// fails stops the heartbeat, and the agent restarts it the moment the check recovers; the
        /// state saying so follows over MQTT tens of milliseconds later (more on a loaded server).
        /// A failing state from before the heartbeat came back is that old news, not a service
        /// failure: judged on it, a member that had just recovered was failed and its role moved.
        /// A check that fails without stopping the heartbeat is said again in the agent's next
        /// state (it republishes every few seconds), and that one counts.
        /// </summary>
        private bool FailingSaidSinceHeartbeatReturned()
        {
            return Heartbeat.FreshRun > 0 && _lastStateTick > _ctx.Now - Heartbeat.FreshRun;
        }

        /// <summary>Ticks since the most recent change of any of these inputs: how long they have all held their level.</summary>
        private static long StableTicks(Debouncer[] inputs)
        {
            long ticks = long.MaxValue;
            for (int i = 0; i < inputs.Length; i++)
            {
                if (inputs[i].StableTicks < ticks) { ticks = inputs[i].StableTicks; }
            }

            return ticks;
        }

        private bool PowerGoodFalling()
        {
            for (int i = 0; i < _powerGood.Length; i++)
            {
                if (_powerGood[i].Value && _powerGood[i].Changing) { return true; }
            }

            return false;
        }

        private string RedundancyDetail()
        {
            if (Verdict == Verdict.BrokerPathLost)
            {
                return Silent && Presence != Presence.Lost && Presence != Presence.Disconnected
                    ? "wires fine, no state from its agent for " + ((_ctx.Now - _lastStateTick) * _ctx.Timing.TickMs).ToString() + " ms (node_silence_ms " + _ctx.Config.Timing.NodeSilenceMs.ToString() + ")"
                    : "wires fine, MQTT presence " + WireWords.Of(Presence);
            }

            string detail = "";
            for (int i = 0; i < _powerGood.Length; i++) { if (!_powerGood[i].Value) { detail = Join(detail, "power-good " + i.ToString() + " low"); } }
            for (int i = 0; i < _link.Length; i++) { if (!_link[i].Value) { detail = Join(detail, "link " + i.ToString() + " down"); } }
            if (AllPowerLow) { detail = Join(detail, "heartbeat still fresh: a sensor disagrees"); }
            return detail;
        }

        private static string Join(string a, string b) { return a.Length == 0 ? b : a + "; " + b; }

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

        /// <summary>Hold reset (and the fence relay when wanted and wired) and enter Fenced.</summary>
        public void Hold(bool fenceRelay, string why)
        {
            PulseReset = false;
            PressPower = false;
            HoldReset = true;
            HoldFence = fenceRelay && Config.HasFence;
            Fire(ChannelTrigger.FenceHeld, why);
        }

        /// <summary>The arbiter's STONITH: hold reset now so another member can take over.</summary>
        public void TakeoverHold(string why)
        {
            Ladder.CancelWireAction();
            TakeoverHeld = true;
            Hold(Config.HasFence, why);
        }

        /// <summary>
        /// After the takeover is published: the hold counts as the ladder's reset when the ladder
        /// still has a reset or power cycle to try; otherwise the node stays held (isolated).
        /// </summary>
        public void ReleaseAfterTakeover()
        {
            if (!TakeoverHeld)
            {
                return;
            }

            TakeoverHeld = false;
            if (State == ChannelState.Fenced && Ladder.TakeHoldAsReset())
            {
                HoldReset = false;
                HoldFence = false;
                Fire(ChannelTrigger.ActionTaken, "takeover hold released: it served as the reset");
                EnterGrace();
            }
            else if (State == ChannelState.Fenced && Ladder.Verdict == Verdict.PowerFailure && Ladder.Index >= 0)
            {
                // It lost power: holding reset on a dead server protects nothing once its grant
                // says standby; when power returns it boots and its agent reads that grant.
                HoldReset = false;
                HoldFence = false;
                Fire(ChannelTrigger.ActionTaken, "takeover hold released: the node has no power; it will boot as standby");
                EnterGrace();
            }
            else
            {
                _ctx.Event("held-after-takeover", Severity.Critical, Config.Node, GroupName, "the ladder has no reset or power cycle left (or its cap is reached): the node stays held until an operator unfences it");
            }
        }

        /// <summary>An operator's unfence: release everything and boot with a fresh ladder.</summary>
        public void Unfence()
        {
            HoldReset = false;
            HoldFence = false;
            TakeoverHeld = false;
            Ladder.Clear();
            Fire(ChannelTrigger.Unfenced, "unfenced by command");
            EnterGrace();
        }

        public void MaintenanceOn()
        {
            // The ladder stops, but its cap window keeps counting: maintenance does not mend a node.
            Ladder.CancelWireAction();
            Ladder.Reset();
            Fire(ChannelTrigger.MaintenanceOn, "maintenance on by command");
        }

        public void MaintenanceOff()
        {
            Fire(ChannelTrigger.MaintenanceOff, "maintenance off by command");
            EnterGrace();
        }

        /// <summary>Levels for this channel now.</summary>
        public void WriteRelays(RelayLevels levels)
        {
            bool reset = HoldReset || PulseReset;
            levels.Set(reset, PressPower, HoldFence && Config.HasFence, RoleOut && Config.HasRole);
            _resetDriven = reset;
        }
    }
}
