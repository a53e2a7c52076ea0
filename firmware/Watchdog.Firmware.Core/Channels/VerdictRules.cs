using Watchdog.Protocol.Wire;

namespace Watchdog.Firmware.Core
{
    /// <summary>
    /// The failure verdicts as an ordered rule table (docs/safety-rules.md, "Failure verdicts"):
    /// what the wires and the agent say, as facts, and the verdict the first matching rule gives.
    /// A rule may also keep the previous verdict while the wires are still moving (a power loss
    /// takes power-good, the links and the heartbeat down one after the other). ChannelUnit
    /// judges through Judge only; tests/Watchdog.Firmware.Core.Tests/Golden/verdict-rules.txt
    /// prints every combination of facts with its verdict, so a change to the table shows there.
    /// </summary>
    internal static class VerdictRules
    {
        /// <summary>Every power-good input is low (debounced).</summary>
        public const int AllPowerLow = 1;

        /// <summary>At least one power-good input is low.</summary>
        public const int SomePowerLow = 2;

        /// <summary>Every power-good input has held its level for heartbeat_suspect_ms.</summary>
        public const int PowerSettled = 4;

        /// <summary>A heartbeat edge within heartbeat_suspect_ms.</summary>
        public const int HeartbeatFresh = 8;

        /// <summary>No heartbeat edge for heartbeat_timeout_ms (the hard timeout).</summary>
        public const int HeartbeatLost = 16;

        /// <summary>Every link input is down (debounced).</summary>
        public const int AllLinksDown = 32;

        /// <summary>At least one link input is down.</summary>
        public const int SomeLinkDown = 64;

        /// <summary>Every link input has held its level for one more debounce time, and no power-good input is on its way down.</summary>
        public const int LinksSettled = 128;

        /// <summary>
        /// The agent's state says a check is failing, its presence is not lost, and it said so
        /// while the heartbeat was running (a failing state older than the heartbeat's return is
        /// old news, not a service failure).
        /// </summary>
        public const int SaysFailing = 256;

        /// <summary>The agent can hear the board: its presence is not lost and its state is not silent.</summary>
        public const int Reachable = 512;

        /// <summary>The outcome of a rule that keeps the previous verdict.</summary>
        public const int Keep = -1;

        // required facts, forbidden facts, verdict (or Keep): one row per rule, first match wins.
        private static readonly int[] Table =
        {
            AllPowerLow, HeartbeatFresh, (int)Verdict.PowerFailure,

            // Power-good low while the heartbeat is still fresh: at a real power loss the
            // heartbeat stops just after (and the link LEDs go dark with it), so wait the
            // suspect time before calling it anything; after that it is a sensor or PSU
            // problem on a running server (redundancy lost below), never a failover.
            AllPowerLow | HeartbeatFresh, PowerSettled, Keep,
            HeartbeatLost, 0, (int)Verdict.SoftwareFailure,

            // At a power loss the links and power-good fall together, in an order that depends
            // on the NIC and on where power-good is sensed (a PSU's PWR_OK falls first, a
            // front-panel LED may fade after the PHY lost link). Wait one more debounce time,
            // and as long as a power-good input is on its way down, so that a power loss takes
            // the power path (the node is off: the fence is confirmed at once) and not the
            // network path (the node may be running: ask it to demote, fence on timeout).
            AllLinksDown, AllPowerLow | LinksSettled, Keep,
            AllLinksDown, AllPowerLow, (int)Verdict.NetworkFailure,
            SaysFailing, 0, (int)Verdict.ServiceFailure,
            0, Reachable, (int)Verdict.BrokerPathLost,
            SomePowerLow, 0, (int)Verdict.RedundancyLost,
            SomeLinkDown, 0, (int)Verdict.RedundancyLost,
            0, 0, (int)Verdict.None,
        };

        // What each rule reads, in the words of the docs' table.
        private static readonly string[] Says =
        {
            "every power-good low, heartbeat stopped",
            "every power-good low for less than the suspect time, heartbeat still fresh: wait (at a power loss the heartbeat stops just after; later it is a sensor or PSU problem on a running server)",
            "heartbeat stops (hard timeout), power-good high: hang, crash, agent dead",
            "every link down for less than one more debounce time, or a power-good on its way down: wait (at a power loss the links may fall first, and the power path is both true and faster)",
            "heartbeat fine, every link down, some power-good high",
            "the agent reports a failing check, said since its heartbeat last came back",
            "wires fine, the agent's MQTT presence lost or its state silent",
            "one of two PSUs down",
            "one of two bond links down",
            "wires fine, agent fine",
        };

        public static int Count { get { return Table.Length / 3; } }

        /// <summary>The facts rule <paramref name="row"/> needs present.</summary>
        public static int Required(int row) { return Table[row * 3]; }

        /// <summary>The facts rule <paramref name="row"/> needs absent.</summary>
        public static int Forbidden(int row) { return Table[(row * 3) + 1]; }

        /// <summary>The verdict of rule <paramref name="row"/>, as an int, or Keep.</summary>
        public static int Outcome(int row) { return Table[(row * 3) + 2]; }

        /// <summary>What rule <paramref name="row"/> reads, in words.</summary>
        public static string Describe(int row) { return Says[row]; }

        /// <summary>The first rule whose required facts are all in <paramref name="facts"/> and forbidden ones none.</summary>
        public static int Match(int facts)
        {
            for (int i = 0; i < Table.Length; i += 3)
            {
                if ((facts & Table[i]) == Table[i] && (facts & Table[i + 1]) == 0)
                {
                    return i / 3;
                }
            }

            return Count - 1;
        }

        /// <summary>The verdict for <paramref name="facts"/>, given the verdict held until now.</summary>
        public static Verdict Judge(int facts, Verdict previous)
        {
            int outcome = Outcome(Match(facts));
            return outcome == Keep ? previous : (Verdict)outcome;
        }

        /// <summary>A failure verdict (the ladder and the arbiter act); the others are alert-only.</summary>
        public static bool IsFailure(Verdict v)
        {
            return v == Verdict.SoftwareFailure || v == Verdict.PowerFailure || v == Verdict.NetworkFailure || v == Verdict.ServiceFailure;
        }
    }
}
