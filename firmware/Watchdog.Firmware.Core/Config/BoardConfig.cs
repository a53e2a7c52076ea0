using Watchdog.Protocol.Wire;

namespace Watchdog.Firmware.Core.Config
{
    /// <summary>
    /// Everything one watchdog board needs to know: which servers are wired to it, how they are
    /// grouped, how fast to judge them and what to do when they fail. Times are in milliseconds;
    /// WatchdogCore converts them to ticks once. Command keys are not part of the configuration:
    /// the glue hands them to the core through a command verifier.
    /// Build one with BoardConfigReader.TryRead (JSON) or in code, then check it with
    /// BoardConfigValidator.Validate before giving it to WatchdogCore (the core validates again).
    /// </summary>
    public sealed class BoardConfig
    {
        /// <summary>The board's name in topics (board/&lt;board&gt;/...).</summary>
        public string Board { get; set; } = "";

        /// <summary>The cluster name under the topic root (watchdog/v1/&lt;cluster&gt;/...).</summary>
        public string Cluster { get; set; } = "";

        /// <summary>One entry per wired server, in the order of the glue's pin map.</summary>
        public ChannelConfig[] Channels { get; set; } = new ChannelConfig[0];

        /// <summary>Groups of servers that share a role (active-standby or active-active).</summary>
        public GroupConfig[] Groups { get; set; } = new GroupConfig[0];

        public TimingConfig Timing { get; set; } = new TimingConfig();

        public EscalationConfig Escalation { get; set; } = new EscalationConfig();

        /// <summary>The other board of a pair, or null for a board that runs alone (always the authority).</summary>
        public PairConfig? Pair { get; set; }

        /// <summary>Index of the channel wired to <paramref name="node"/>, or -1.</summary>
        public int ChannelOfNode(string node)
        {
            for (int i = 0; i < Channels.Length; i++)
            {
                if (Channels[i] != null && Channels[i].Node == node)
                {
                    return i;
                }
            }

            return -1;
        }
    }

    /// <summary>One wired server: its inputs and which optional outputs exist.</summary>
    public sealed class ChannelConfig
    {
        /// <summary>The channel's name in topics (board/&lt;board&gt;/channel/&lt;name&gt;).</summary>
        public string Name { get; set; } = "";

        /// <summary>The server's node name (node/&lt;node&gt;/..., group members).</summary>
        public string Node { get; set; } = "";

        /// <summary>Power-good inputs, one per PSU: 1 or 2.</summary>
        public int PowerGoodInputs { get; set; } = 1;

        /// <summary>Link inputs, one per NIC or bond member: 1 or 2.</summary>
        public int LinkInputs { get; set; } = 1;

        /// <summary>True when a fence relay (contactor, PDU outlet, network isolation) is wired.</summary>
        public bool HasFence { get; set; }

        /// <summary>True when a ROLE output tells the node over a wire that it holds the active grant.</summary>
        public bool HasRole { get; set; }
    }

    /// <summary>When a higher-priority member that has recovered gets its role back.</summary>
    public enum FailbackPolicy
    {
        /// <summary>After it has been healthy for FailbackStableMs, by a planned switchover.</summary>
        Automatic = 0,

        /// <summary>Only when an operator sends a signed failback command.</summary>
        Manual = 1,
    }

    /// <summary>
    /// What the board does with an active whose heartbeat is fine but whose every link is down
    /// (network failure), when a standby is ready.
    /// </summary>
    public enum NetworkFailurePolicy
    {
        /// <summary>Ask it to step down; fence it if no acknowledgement comes within demote_ack_timeout_ms (it may have another path to the broker).</summary>
        Demote = 0,

        /// <summary>Hold its reset at once, then promote the standby: no wait for an acknowledgement that its dead links cannot carry.</summary>
        Fence = 1,
    }

    /// <summary>Servers that share a role.</summary>
    public sealed class GroupConfig
    {
        public string Name { get; set; } = "";

        public GroupMode Mode { get; set; } = GroupMode.ActiveStandby;

        /// <summary>Node names, highest priority first.</summary>
        public string[] Members { get; set; } = new string[0];

        public FailbackPolicy Failback { get; set; } = FailbackPolicy.Automatic;

        /// <summary>How long a preferred member must stay healthy before automatic failback.</summary>
        public int FailbackStableMs { get; set; } = Defaults.FailbackStableMs;

        /// <summary>Demote (default) or fence an active that lost every link.</summary>
        public NetworkFailurePolicy NetworkFailure { get; set; } = NetworkFailurePolicy.Demote;

        /// <summary>Whether the board may fence the last healthy member of this group (default false).</summary>
        public bool AllowFenceLastHealthy { get; set; }

        /// <summary>
        /// The group spans sites and only the site holding its site ticket may run its active
        /// (default false): the board grants active only while the glue says, through
        /// WatchdogCore.SetSiteTicket, that this site holds the ticket, and demotes (or fences)
        /// the active when it is lost. Active-standby groups only.
        /// </summary>
        public bool SiteTicket { get; set; }
    }

    /// <summary>Timing in milliseconds. See Defaults for each value's reason and BoardConfigValidator for the ranges.</summary>
    public sealed class TimingConfig
    {
        public int TickMs { get; set; } = Defaults.TickMs;
        public int HeartbeatPeriodMs { get; set; } = Defaults.HeartbeatPeriodMs;
        public int HeartbeatSuspectMs { get; set; } = Defaults.HeartbeatSuspectMs;
        public int HeartbeatTimeoutMs { get; set; } = Defaults.HeartbeatTimeoutMs;
        public int DebounceMs { get; set; } = Defaults.DebounceMs;
        public int BoardBootGraceMs { get; set; } = Defaults.BoardBootGraceMs;
        public int NodeBootGraceMs { get; set; } = Defaults.NodeBootGraceMs;
        public int RecoveryStableMs { get; set; } = Defaults.RecoveryStableMs;
        public int ResetPulseMs { get; set; } = Defaults.ResetPulseMs;
        public int PowerHoldMs { get; set; } = Defaults.PowerHoldMs;
        public int PowerPressMs { get; set; } = Defaults.PowerPressMs;
        public int PowerOffConfirmMs { get; set; } = Defaults.PowerOffConfirmMs;
        public int PowerOffWaitMs { get; set; } = Defaults.PowerOffWaitMs;
        public int FenceConfirmMs { get; set; } = Defaults.FenceConfirmMs;

        /// <summary>The measured worst case from the reset output driven to the server stopped (relay and motherboard); fence_confirm_ms covers it.</summary>
        public int ResetStopMs { get; set; } = Defaults.ResetStopMs;
        public int RestartServiceTimeoutMs { get; set; } = Defaults.RestartServiceTimeoutMs;
        public int DemoteAckTimeoutMs { get; set; } = Defaults.DemoteAckTimeoutMs;

        /// <summary>How long a grant of active may go unacknowledged before the board alerts and moves the role on.</summary>
        public int GrantAckTimeoutMs { get; set; } = Defaults.GrantAckTimeoutMs;

        /// <summary>An agent whose state has not arrived for this long has lost its path to the broker (0: only its will says so).</summary>
        public int NodeSilenceMs { get; set; } = Defaults.NodeSilenceMs;
        public int ReadingPeriodMs { get; set; } = Defaults.ReadingPeriodMs;
    }

    /// <summary>One rung of the escalation ladder.</summary>
    public enum LadderStep
    {
        /// <summary>Publish an alert event; nothing on the wires.</summary>
        Notify = 0,

        /// <summary>Ask the agent (AgentRequest restart-service) and wait for it to report healthy.</summary>
        RestartService = 1,

        /// <summary>Pulse the reset line; done when the heartbeat returns within the node boot grace.</summary>
        Reset = 2,

        /// <summary>Hold the power button (forced off), confirm power-good low, wait, press; done when the heartbeat returns.</summary>
        PowerCycle = 3,

        /// <summary>Hold reset asserted (the fast fence) until an operator unfences.</summary>
        Hold = 4,

        /// <summary>Assert the fence relay and hold reset; needs a fence output on every channel.</summary>
        Fence = 5,
    }

    /// <summary>The escalation ladder for each verdict, with back-off and a cap per window.</summary>
    public sealed class EscalationConfig
    {
        public LadderStep[] SoftwareFailure { get; set; } = Defaults.SoftwareFailureLadder();
        public LadderStep[] PowerFailure { get; set; } = Defaults.PowerFailureLadder();
        public LadderStep[] RedundancyLost { get; set; } = Defaults.NotifyOnlyLadder();
        public LadderStep[] NetworkFailure { get; set; } = Defaults.NotifyOnlyLadder();
        public LadderStep[] BrokerPathLost { get; set; } = Defaults.NotifyOnlyLadder();
        public LadderStep[] ServiceFailure { get; set; } = Defaults.ServiceFailureLadder();

        /// <summary>Wait before the first step after notify; doubles with every attempt in the window.</summary>
        public int BackoffMs { get; set; } = Defaults.BackoffMs;

        /// <summary>Upper bound of the doubling back-off.</summary>
        public int BackoffMaxMs { get; set; } = Defaults.BackoffMaxMs;

        /// <summary>How many wire actions (reset, power cycle) one channel may get per window before it is held.</summary>
        public int CapAttempts { get; set; } = Defaults.CapAttempts;

        public int CapWindowMs { get; set; } = Defaults.CapWindowMs;

        /// <summary>The ladder for <paramref name="verdict"/>; an empty ladder for None.</summary>
        public LadderStep[] For(Verdict verdict)
        {
            switch (verdict)
            {
                case Verdict.SoftwareFailure: return SoftwareFailure;
                case Verdict.PowerFailure: return PowerFailure;
                case Verdict.RedundancyLost: return RedundancyLost;
                case Verdict.NetworkFailure: return NetworkFailure;
                case Verdict.BrokerPathLost: return BrokerPathLost;
                case Verdict.ServiceFailure: return ServiceFailure;
                default: return EmptyLadder;
            }
        }

        private static readonly LadderStep[] EmptyLadder = new LadderStep[0];
    }
}
