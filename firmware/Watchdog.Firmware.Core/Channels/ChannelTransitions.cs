using Watchdog.Protocol.Wire;

namespace Watchdog.Firmware.Core
{
    /// <summary>What makes a channel change state (stateless-style: states and triggers are enums).</summary>
    public enum ChannelTrigger
    {
        /// <summary>The board ticks for the first time.</summary>
        Start = 0,

        /// <summary>The heartbeat is regular (two edges in a boot grace, or fresh for the recovery-stable time).</summary>
        HeartbeatSteady = 1,

        /// <summary>No edge for the suspect time.</summary>
        HeartbeatLate = 2,

        /// <summary>An edge after a late heartbeat.</summary>
        HeartbeatBack = 3,

        /// <summary>A failure verdict: heartbeat lost, power lost, network lost, service failing.</summary>
        Fault = 4,

        /// <summary>The board's or the node's boot grace ended without a steady heartbeat.</summary>
        BootTimeout = 5,

        /// <summary>A reset pulse or power cycle was carried out (or a takeover hold released); the node boots.</summary>
        ActionTaken = 6,

        /// <summary>The failure went away by itself (link back, service healthy, heartbeat back).</summary>
        FaultCleared = 7,

        /// <summary>The node boot grace after an action ended without a steady heartbeat.</summary>
        RecoveryTimeout = 8,

        /// <summary>Reset held (and the fence relay, if any): by the ladder, a takeover or a command.</summary>
        FenceHeld = 9,

        /// <summary>An operator's unfence command released the hold.</summary>
        Unfenced = 10,

        MaintenanceOn = 11,

        MaintenanceOff = 12,

        /// <summary>The board's boot grace ended and this member was never heard and was never commissioned: nothing is installed yet.</summary>
        NeverHeard = 13,

        /// <summary>An absent member was heard for the first time (a heartbeat edge, its agent's state or presence).</summary>
        Heard = 14,
    }

    /// <summary>
    /// The channel state machine's transition table. ChannelUnit moves only through Next, so the
    /// table is the truth; docs/state-machine.dot and docs/state-machine.md are generated from it
    /// by a test and cannot drift.
    /// </summary>
    public static class ChannelTransitions
    {
        private static readonly string[] TriggerWords =
        {
            "start", "heartbeat-steady", "heartbeat-late", "heartbeat-back", "fault", "boot-timeout",
            "action-taken", "fault-cleared", "recovery-timeout", "fence-held", "unfenced", "maintenance-on", "maintenance-off",
            "never-heard", "heard",
        };

        // from, trigger, to: one row per permitted transition.
        private static readonly int[] Table =
        {
            (int)ChannelState.Unknown, (int)ChannelTrigger.Start, (int)ChannelState.Booting,
            (int)ChannelState.Booting, (int)ChannelTrigger.HeartbeatSteady, (int)ChannelState.Healthy,
            (int)ChannelState.Booting, (int)ChannelTrigger.BootTimeout, (int)ChannelState.Failed,
            (int)ChannelState.Booting, (int)ChannelTrigger.FenceHeld, (int)ChannelState.Fenced,
            (int)ChannelState.Booting, (int)ChannelTrigger.MaintenanceOn, (int)ChannelState.Maintenance,
            (int)ChannelState.Booting, (int)ChannelTrigger.ActionTaken, (int)ChannelState.Recovering,
            (int)ChannelState.Booting, (int)ChannelTrigger.NeverHeard, (int)ChannelState.Absent,
            (int)ChannelState.Absent, (int)ChannelTrigger.Heard, (int)ChannelState.Booting,
            (int)ChannelState.Absent, (int)ChannelTrigger.FenceHeld, (int)ChannelState.Fenced,
            (int)ChannelState.Absent, (int)ChannelTrigger.MaintenanceOn, (int)ChannelState.Maintenance,
            (int)ChannelState.Healthy, (int)ChannelTrigger.HeartbeatLate, (int)ChannelState.Suspect,
            (int)ChannelState.Healthy, (int)ChannelTrigger.ActionTaken, (int)ChannelState.Recovering,
            (int)ChannelState.Healthy, (int)ChannelTrigger.Fault, (int)ChannelState.Failed,
            (int)ChannelState.Healthy, (int)ChannelTrigger.FenceHeld, (int)ChannelState.Fenced,
            (int)ChannelState.Healthy, (int)ChannelTrigger.MaintenanceOn, (int)ChannelState.Maintenance,
            (int)ChannelState.Suspect, (int)ChannelTrigger.HeartbeatBack, (int)ChannelState.Healthy,
            (int)ChannelState.Suspect, (int)ChannelTrigger.ActionTaken, (int)ChannelState.Recovering,
            (int)ChannelState.Suspect, (int)ChannelTrigger.Fault, (int)ChannelState.Failed,
            (int)ChannelState.Suspect, (int)ChannelTrigger.FenceHeld, (int)ChannelState.Fenced,
            (int)ChannelState.Suspect, (int)ChannelTrigger.MaintenanceOn, (int)ChannelState.Maintenance,
            (int)ChannelState.Failed, (int)ChannelTrigger.ActionTaken, (int)ChannelState.Recovering,
            (int)ChannelState.Failed, (int)ChannelTrigger.FaultCleared, (int)ChannelState.Recovering,
            (int)ChannelState.Failed, (int)ChannelTrigger.FenceHeld, (int)ChannelState.Fenced,
            (int)ChannelState.Failed, (int)ChannelTrigger.MaintenanceOn, (int)ChannelState.Maintenance,
            (int)ChannelState.Recovering, (int)ChannelTrigger.HeartbeatSteady, (int)ChannelState.Healthy,
            (int)ChannelState.Recovering, (int)ChannelTrigger.Fault, (int)ChannelState.Failed,
            (int)ChannelState.Recovering, (int)ChannelTrigger.RecoveryTimeout, (int)ChannelState.Failed,
            (int)ChannelState.Recovering, (int)ChannelTrigger.FenceHeld, (int)ChannelState.Fenced,
            (int)ChannelState.Recovering, (int)ChannelTrigger.MaintenanceOn, (int)ChannelState.Maintenance,
            (int)ChannelState.Fenced, (int)ChannelTrigger.ActionTaken, (int)ChannelState.Recovering,
            (int)ChannelState.Fenced, (int)ChannelTrigger.Unfenced, (int)ChannelState.Booting,
            (int)ChannelState.Maintenance, (int)ChannelTrigger.MaintenanceOff, (int)ChannelState.Booting,
            (int)ChannelState.Maintenance, (int)ChannelTrigger.FenceHeld, (int)ChannelState.Fenced,
        };

        public static int Count { get { return Table.Length / 3; } }

        public static ChannelState From(int row) { return (ChannelState)Table[row * 3]; }

        public static ChannelTrigger Trigger(int row) { return (ChannelTrigger)Table[(row * 3) + 1]; }

        public static ChannelState To(int row) { return (ChannelState)Table[(row * 3) + 2]; }

        public static string Word(ChannelTrigger trigger) { return TriggerWords[(int)trigger]; }

        /// <summary>Where <paramref name="trigger"/> leads from <paramref name="from"/>; false (and from) when the table does not permit it.</summary>
        public static bool TryNext(ChannelState from, ChannelTrigger trigger, out ChannelState to)
        {
            for (int i = 0; i < Table.Length; i += 3)
            {
                if (Table[i] == (int)from && Table[i + 1] == (int)trigger)
                {
                    to = (ChannelState)Table[i + 2];
                    return true;
                }
            }

            to = from;
            return false;
        }
    }
}
