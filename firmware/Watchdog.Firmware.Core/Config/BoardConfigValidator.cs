using Watchdog.Protocol.Wire;

namespace Watchdog.Firmware.Core.Config
{
    /// <summary>
    /// Checks a BoardConfig and says what is wrong and where, in the JSON field names
    /// ("timing.heartbeat_timeout_ms (150) must be at least 3 heartbeat periods (3 x 100 ms)").
    /// Returns the first problem found, or "" when the configuration is usable.
    /// </summary>
    public static class BoardConfigValidator
    {
        public static string Validate(BoardConfig config)
        {
            if (config == null)
            {
                return "configuration is missing";
            }

            string error = CheckName("board", config.Board);
            if (error.Length > 0) { return error; }
            error = CheckName("cluster", config.Cluster);
            if (error.Length > 0) { return error; }
            error = CheckTiming(config.Timing);
            if (error.Length > 0) { return error; }
            error = CheckChannels(config.Channels);
            if (error.Length > 0) { return error; }
            error = CheckGroups(config);
            if (error.Length > 0) { return error; }
            error = CheckPair(config);
            if (error.Length > 0) { return error; }
            return CheckEscalation(config);
        }

        // The pair's timings obey the same sampling rules as a server's heartbeat, and one more:
        // the passive's takeover rule (BoardPair) needs the link to be judged silent well after a
        // heartbeat period, or a crash that stops both at once could look like two faults.
        private static string CheckPair(BoardConfig config)
        {
            PairConfig? p = config.Pair;
            if (p == null) { return ""; }
            string error = CheckName("pair.peer", p.Peer);
            if (error.Length > 0) { return error; }
            if (p.Peer == config.Board) { return "pair.peer (" + p.Peer + ") names this board itself: name the other board of the pair"; }
            int tick = config.Timing.TickMs;
            if (p.HeartbeatPeriodMs < 2 * tick)
            {
                return "pair.heartbeat_period_ms (" + p.HeartbeatPeriodMs.ToString() + ") must be at least 2 ticks (2 x " + tick.ToString() + " ms) so every period is sampled";
            }

            if (p.PeerTimeoutMs < 3 * p.HeartbeatPeriodMs)
            {
                return "pair.peer_timeout_ms (" + p.PeerTimeoutMs.ToString() + ") must be at least 3 pair heartbeat periods (3 x " + p.HeartbeatPeriodMs.ToString() + " ms)";
            }

            if (p.LinkPeriodMs < tick)
            {
                return "pair.link_period_ms (" + p.LinkPeriodMs.ToString() + ") must be at least one tick (" + tick.ToString() + " ms)";
            }

            if (p.LinkTimeoutMs < 3 * p.LinkPeriodMs || p.LinkTimeoutMs < 2 * (p.HeartbeatPeriodMs + tick))
            {
                return "pair.link_timeout_ms (" + p.LinkTimeoutMs.ToString() + ") must be at least 3 link periods (3 x " + p.LinkPeriodMs.ToString() + " ms) and twice a pair heartbeat period plus a tick (2 x " + (p.HeartbeatPeriodMs + tick).ToString() + " ms)";
            }

            if (p.ConfirmMs < p.PeerTimeoutMs || p.ConfirmMs < p.LinkTimeoutMs)
            {
                return "pair.confirm_ms (" + p.ConfirmMs.ToString() + ") must be at least pair.peer_timeout_ms (" + p.PeerTimeoutMs.ToString() + ") and pair.link_timeout_ms (" + p.LinkTimeoutMs.ToString() + "): a held peer must have had time to show it is still alive";
            }

            // Both boards see the other fall silent up to one timeout apart (sampling, a frame in
            // flight). The authority holds a silent passive after half this delay, the passive the
            // authority after all of it: half must cover the skew, or the authority could lose the race.
            if (p.PriorityDelayMs < 2 * p.PeerTimeoutMs || p.PriorityDelayMs < 2 * p.LinkTimeoutMs)
            {
                return "pair.priority_delay_ms (" + p.PriorityDelayMs.ToString() + ") must be at least twice pair.peer_timeout_ms and pair.link_timeout_ms: the authority holds a silent passive after half of it, and must do so before the passive's delay ends";
            }

            if (p.PeerBootGraceMs < p.LinkTimeoutMs + p.PeerTimeoutMs || p.PeerBootGraceMs > 600000)
            {
                return "pair.peer_boot_grace_ms (" + p.PeerBootGraceMs.ToString() + ") must be at least link_timeout_ms + peer_timeout_ms (" + (p.LinkTimeoutMs + p.PeerTimeoutMs).ToString() + ") and at most 600000";
            }

            if (p.EpochBlock < 4 || p.EpochBlock > 1000000) { return Range("pair.epoch_block", p.EpochBlock, 4, 1000000); }
            return "";
        }

        private static string CheckTiming(TimingConfig t)
        {
            if (t == null) { return "timing is missing"; }
            if (t.TickMs < 5 || t.TickMs > 1000) { return Range("timing.tick_ms", t.TickMs, 5, 1000); }
            if (t.HeartbeatPeriodMs < 2 * t.TickMs)
            {
                return "timing.heartbeat_period_ms (" + t.HeartbeatPeriodMs.ToString() + ") must be at least 2 ticks (2 x " + t.TickMs.ToString() + " ms) so every period is sampled";
            }

            if (t.HeartbeatTimeoutMs < 3 * t.HeartbeatPeriodMs)
            {
                return "timing.heartbeat_timeout_ms (" + t.HeartbeatTimeoutMs.ToString() + ") must be at least 3 heartbeat periods (3 x " + t.HeartbeatPeriodMs.ToString() + " ms)";
            }

            if (t.HeartbeatSuspectMs < t.HeartbeatPeriodMs || t.HeartbeatSuspectMs >= t.HeartbeatTimeoutMs)
            {
                return "timing.heartbeat_suspect_ms (" + t.HeartbeatSuspectMs.ToString() + ") must be at least one heartbeat period (" + t.HeartbeatPeriodMs.ToString() + " ms) and below heartbeat_timeout_ms (" + t.HeartbeatTimeoutMs.ToString() + ")";
            }

            if (t.DebounceMs < t.TickMs || t.DebounceMs >= t.HeartbeatTimeoutMs)
            {
                return "timing.debounce_ms (" + t.DebounceMs.ToString() + ") must be at least one tick (" + t.TickMs.ToString() + " ms) and below heartbeat_timeout_ms (" + t.HeartbeatTimeoutMs.ToString() + ")";
            }

            if (t.BoardBootGraceMs < t.HeartbeatTimeoutMs)
            {
                return "timing.board_boot_grace_ms (" + t.BoardBootGraceMs.ToString() + ") must be at least heartbeat_timeout_ms (" + t.HeartbeatTimeoutMs.ToString() + "): a healthy node must have time to show its heartbeat";
            }

            if (t.NodeBootGraceMs < t.HeartbeatTimeoutMs)
            {
                return "timing.node_boot_grace_ms (" + t.NodeBootGraceMs.ToString() + ") must be at least heartbeat_timeout_ms (" + t.HeartbeatTimeoutMs.ToString() + ")";
            }

            if (t.RecoveryStableMs < t.HeartbeatTimeoutMs)
            {
                return "timing.recovery_stable_ms (" + t.RecoveryStableMs.ToString() + ") must be at least heartbeat_timeout_ms (" + t.HeartbeatTimeoutMs.ToString() + ")";
            }

            if (t.ResetPulseMs < t.TickMs) { return AtLeastTick("timing.reset_pulse_ms", t.ResetPulseMs, t.TickMs); }
            if (t.PowerHoldMs < 4000)
            {
                return "timing.power_hold_ms (" + t.PowerHoldMs.ToString() + ") must be at least 4000: an ATX forced power-off needs the button held for about 4-5 s";
            }

            if (t.PowerPressMs < t.TickMs) { return AtLeastTick("timing.power_press_ms", t.PowerPressMs, t.TickMs); }
            if (t.PowerPressMs >= 4000) { return "timing.power_press_ms (" + t.PowerPressMs.ToString() + ") must be below 4000: a longer press is a forced power-off"; }
            if (t.PowerOffConfirmMs < t.DebounceMs)
            {
                return "timing.power_off_confirm_ms (" + t.PowerOffConfirmMs.ToString() + ") must be at least debounce_ms (" + t.DebounceMs.ToString() + ") so a falling power-good can be seen";
            }

            if (t.PowerOffWaitMs < t.TickMs) { return AtLeastTick("timing.power_off_wait_ms", t.PowerOffWaitMs, t.TickMs); }
            if (t.FenceConfirmMs < t.TickMs) { return AtLeastTick("timing.fence_confirm_ms", t.FenceConfirmMs, t.TickMs); }
            if (t.ResetStopMs < 1) { return "timing.reset_stop_ms (" + t.ResetStopMs.ToString() + ") must be at least 1: no relay and no server stops the moment the pin changes"; }
            if (t.FenceConfirmMs < t.ResetStopMs)
            {
                // Rule 2: a node counts as out after fence_confirm_ms of reset. Shorter than the
                // time its relay and motherboard take to stop it, and it may still act when its
                // successor is granted (the virtual rack once froze a server 146 ms after a 10 ms
                // confirm, and both held the service address).
                return "timing.fence_confirm_ms (" + t.FenceConfirmMs.ToString() + ") must be at least timing.reset_stop_ms (" + t.ResetStopMs.ToString() +
                       "): a server still running when the board counts it out acts beside its successor; measure how long your relays and servers take to stop (hardware/README.md) and set reset_stop_ms to that";
            }

            if (t.RestartServiceTimeoutMs < t.TickMs) { return AtLeastTick("timing.restart_service_timeout_ms", t.RestartServiceTimeoutMs, t.TickMs); }
            if (t.DemoteAckTimeoutMs < t.TickMs) { return AtLeastTick("timing.demote_ack_timeout_ms", t.DemoteAckTimeoutMs, t.TickMs); }
            if (t.GrantAckTimeoutMs < t.TickMs) { return AtLeastTick("timing.grant_ack_timeout_ms", t.GrantAckTimeoutMs, t.TickMs); }
            if (t.NodeSilenceMs != 0 && t.NodeSilenceMs < t.TickMs) { return "timing.node_silence_ms (" + t.NodeSilenceMs.ToString() + ") must be 0 (off) or at least tick_ms (" + t.TickMs.ToString() + ")"; }
            if (t.ReadingPeriodMs < t.TickMs) { return AtLeastTick("timing.reading_period_ms", t.ReadingPeriodMs, t.TickMs); }
            return "";
        }

        private static string CheckChannels(ChannelConfig[] channels)
        {
            if (channels == null || channels.Length == 0) { return "channels: at least one channel is needed"; }
            if (channels.Length > 64) { return "channels: " + channels.Length.ToString() + " channels, at most 64 are supported"; }
            for (int i = 0; i < channels.Length; i++)
            {
                string at = "channels[" + i.ToString() + "]";
                ChannelConfig c = channels[i];
                if (c == null) { return at + " is missing"; }
                string error = CheckName(at + ".name", c.Name);
                if (error.Length > 0) { return error; }
                error = CheckName(at + ".node", c.Node);
                if (error.Length > 0) { return error; }
                if (c.PowerGoodInputs < 1 || c.PowerGoodInputs > 2) { return Range(at + ".power_good_inputs", c.PowerGoodInputs, 1, 2); }
                if (c.LinkInputs < 1 || c.LinkInputs > 2) { return Range(at + ".link_inputs", c.LinkInputs, 1, 2); }
                for (int j = 0; j < i; j++)
                {
                    if (channels[j].Name == c.Name) { return at + ".name: '" + c.Name + "' is used by channels[" + j.ToString() + "] too"; }
                    if (channels[j].Node == c.Node) { return at + ".node: '" + c.Node + "' is wired to channels[" + j.ToString() + "] too"; }
                }
            }

            return "";
        }

        private static string CheckGroups(BoardConfig config)
        {
            GroupConfig[] groups = config.Groups;
            if (groups == null) { return "groups is missing"; }
            for (int g = 0; g < groups.Length; g++)
            {
                string at = "groups[" + g.ToString() + "]";
                GroupConfig group = groups[g];
                if (group == null) { return at + " is missing"; }
                string error = CheckName(at + ".name", group.Name);
                if (error.Length > 0) { return error; }
                if (group.Members == null || group.Members.Length == 0) { return at + ".members: a group needs at least one member"; }
                if (group.FailbackStableMs < config.Timing.RecoveryStableMs)
                {
                    return at + ".failback_stable_ms (" + group.FailbackStableMs.ToString() + ") must be at least timing.recovery_stable_ms (" + config.Timing.RecoveryStableMs.ToString() + ")";
                }

                if (group.SiteTicket && group.Mode != GroupMode.ActiveStandby)
                {
                    // The ticket decides which site may run the one active; in active-active every
                    // healthy member is active, so there is no single role for a ticket to gate.
                    return at + ".site_ticket: group '" + group.Name + "' is " + WireWords.Of(group.Mode) + "; a site ticket is for active-standby groups only";
                }

                for (int h = 0; h < g; h++)
                {
                    if (groups[h].Name == group.Name) { return at + ".name: '" + group.Name + "' is used by groups[" + h.ToString() + "] too"; }
                }

                for (int m = 0; m < group.Members.Length; m++)
                {
                    string member = group.Members[m];
                    string mat = at + ".members[" + m.ToString() + "]";
                    if (config.ChannelOfNode(member) < 0) { return mat + ": '" + member + "' has no channel"; }
                    for (int n = 0; n < m; n++)
                    {
                        if (group.Members[n] == member) { return mat + ": '" + member + "' is listed twice"; }
                    }

                    for (int h = 0; h < g; h++)
                    {
                        for (int n = 0; n < groups[h].Members.Length; n++)
                        {
                            if (groups[h].Members[n] == member)
                            {
                                return mat + ": '" + member + "' is already a member of groups[" + h.ToString() + "] ('" + groups[h].Name + "'); a node has one grant topic, so it can be in one group only";
                            }
                        }
                    }
                }
            }

            return "";
        }

        private static string CheckEscalation(BoardConfig config)
        {
            EscalationConfig e = config.Escalation;
            if (e == null) { return "escalation is missing"; }
            string error = CheckLadder(config, "escalation.software_failure", e.SoftwareFailure, true);
            if (error.Length > 0) { return error; }
            error = CheckLadder(config, "escalation.power_failure", e.PowerFailure, true);
            if (error.Length > 0) { return error; }
            error = CheckLadder(config, "escalation.redundancy_lost", e.RedundancyLost, false);
            if (error.Length > 0) { return error; }
            error = CheckLadder(config, "escalation.network_failure", e.NetworkFailure, true);
            if (error.Length > 0) { return error; }
            error = CheckLadder(config, "escalation.broker_path_lost", e.BrokerPathLost, false);
            if (error.Length > 0) { return error; }
            error = CheckLadder(config, "escalation.service_failure", e.ServiceFailure, true);
            if (error.Length > 0) { return error; }
            if (e.BackoffMs < config.Timing.TickMs) { return AtLeastTick("escalation.backoff_ms", e.BackoffMs, config.Timing.TickMs); }
            if (e.BackoffMaxMs < e.BackoffMs)
            {
                return "escalation.backoff_max_ms (" + e.BackoffMaxMs.ToString() + ") must be at least backoff_ms (" + e.BackoffMs.ToString() + ")";
            }

            if (e.CapAttempts < 1 || e.CapAttempts > 16) { return Range("escalation.cap_attempts", e.CapAttempts, 1, 16); }
            if (e.CapWindowMs < e.BackoffMs)
            {
                return "escalation.cap_window_ms (" + e.CapWindowMs.ToString() + ") must be at least backoff_ms (" + e.BackoffMs.ToString() + ")";
            }

            return "";
        }

        // Alert-only verdicts (redundancy lost, broker path lost) may only notify: safety rule 4 (docs/safety-rules.md),
        // a healthy node is never fenced because the broker went away or a second PSU failed.
        private static string CheckLadder(BoardConfig config, string at, LadderStep[] ladder, bool mayAct)
        {
            if (ladder == null || ladder.Length == 0) { return at + ": a ladder needs at least one step (notify)"; }
            if (ladder.Length > 8) { return at + ": " + ladder.Length.ToString() + " steps, at most 8"; }
            bool wireAction = false;
            for (int i = 0; i < ladder.Length; i++)
            {
                string sat = at + "[" + i.ToString() + "]";
                LadderStep step = ladder[i];
                if ((int)step < 0 || (int)step > (int)LadderStep.Fence) { return sat + ": unknown step; use one of " + ConfigWords.AllSteps(); }
                if (!mayAct && step != LadderStep.Notify)
                {
                    return sat + ": '" + ConfigWords.Of(step) + "' is not allowed here: this verdict is alert-only, use notify";
                }

                if (step == LadderStep.Reset || step == LadderStep.PowerCycle) { wireAction = true; }
                bool holds = step == LadderStep.Hold || step == LadderStep.Fence;
                if (holds && i != ladder.Length - 1)
                {
                    return sat + ": '" + ConfigWords.Of(step) + "' holds the node until an operator unfences it, so it must be the last step";
                }

                if (step == LadderStep.Fence)
                {
                    for (int c = 0; c < config.Channels.Length; c++)
                    {
                        if (!config.Channels[c].HasFence)
                        {
                            return sat + ": a fence step needs a fence output, but channels[" + c.ToString() + "] ('" + config.Channels[c].Node + "') has has_fence false; use hold";
                        }
                    }
                }
            }

            LadderStep last = ladder[ladder.Length - 1];
            if (wireAction && last != LadderStep.Hold && last != LadderStep.Fence)
            {
                return at + ": a ladder with reset or power-cycle must end with hold or fence, so a node that does not recover is not reset forever (" + ConfigWords.Describe(ladder) + ")";
            }

            return "";
        }

        /// <summary>Non-empty, and usable in a topic: no '/', '+', '#', spaces or control characters.</summary>
        public static string CheckName(string at, string name)
        {
            if (name == null || name.Length == 0) { return at + " is missing or empty"; }
            if (name.Length > 64) { return at + ": '" + name + "' is longer than 64 characters"; }
            for (int i = 0; i < name.Length; i++)
            {
                char c = name[i];
                if (c == '/' || c == '+' || c == '#' || c <= ' ')
                {
                    return at + ": '" + name + "' may not contain '/', '+', '#', spaces or control characters";
                }
            }

            return "";
        }

        private static string Range(string at, int value, int min, int max)
        {
            return at + " (" + value.ToString() + ") must be between " + min.ToString() + " and " + max.ToString();
        }

        private static string AtLeastTick(string at, int value, int tickMs)
        {
            return at + " (" + value.ToString() + ") must be at least one tick (" + tickMs.ToString() + " ms)";
        }
    }
}
