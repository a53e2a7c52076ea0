using Watchdog.Protocol.Wire;

namespace Watchdog.Firmware.Core
{
    /// <summary>
    /// The channel's verdict: what the wires and the agent say, gathered as VerdictRules facts
    /// and judged by that table; alert-only verdicts are announced here, failures through the
    /// state machine and the ladder.
    /// </summary>
    internal sealed partial class ChannelUnit
    {
        private void UpdateVerdict()
        {
            Verdict before = Verdict;
            Verdict = VerdictRules.Judge(VerdictFacts(), before);
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

        /// <summary>What the wires and the agent say now, as VerdictRules facts.</summary>
        private int VerdictFacts()
        {
            int facts = 0;
            if (AllPowerLow) { facts |= VerdictRules.AllPowerLow; }
            for (int i = 0; i < _powerGood.Length; i++) { if (!_powerGood[i].Value) { facts |= VerdictRules.SomePowerLow; } }
            if (StableTicks(_powerGood) >= _ctx.Timing.HeartbeatSuspect) { facts |= VerdictRules.PowerSettled; }
            if (Heartbeat.Fresh) { facts |= VerdictRules.HeartbeatFresh; }
            if (Heartbeat.Lost) { facts |= VerdictRules.HeartbeatLost; }
            bool allLinkDown = true;
            for (int i = 0; i < _link.Length; i++)
            {
                if (_link[i].Value) { allLinkDown = false; } else { facts |= VerdictRules.SomeLinkDown; }
            }

            if (allLinkDown) { facts |= VerdictRules.AllLinksDown; }
            if (StableTicks(_link) >= _ctx.Timing.Debounce && !PowerGoodFalling()) { facts |= VerdictRules.LinksSettled; }
            if (HeardState && Health == Health.Failing && Presence != Presence.Lost && Presence != Presence.Disconnected && FailingSaidSinceHeartbeatReturned())
            {
                facts |= VerdictRules.SaysFailing;
            }

            if (Reachable) { facts |= VerdictRules.Reachable; }
            return facts;
        }

        /// <summary>
        /// The agent said "failing" since the heartbeat last came back (while it ran, or after it
        /// stopped again: a required check that fails says so and stops the heartbeat, and that
        /// verdict must hold while the heartbeat is late). A required check that
        /// fails stops the heartbeat, and the agent restarts it the moment the check recovers; the
        /// state saying so follows over MQTT tens of milliseconds later (more on a loaded server).
        /// A failing state from before the heartbeat came back is that old news, not a service
        /// failure: judged on it, a member that had just recovered was failed and its role moved.
        /// A check that fails without stopping the heartbeat is said again in the agent's next
        /// state (it republishes every few seconds), and that one counts.
        /// </summary>
        private bool FailingSaidSinceHeartbeatReturned()
        {
            return _heartbeatFreshSince > 0 && _lastStateTick >= _heartbeatFreshSince;
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
    }
}
