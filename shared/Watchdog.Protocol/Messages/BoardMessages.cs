using Watchdog.Protocol.Wire;

namespace Watchdog.Protocol.Messages
{
    // Messages the board publishes. Timestamps are milliseconds since the Unix epoch.

    /// <summary>Retained on board/&lt;board&gt;/state: the board's own state; its will sets status to lost.</summary>
    public sealed class BoardStatus
    {
        public string Board { get; set; } = "";
        public Presence Presence { get; set; }
        public long Epoch { get; set; }
        public long UptimeMs { get; set; }
        public string Firmware { get; set; } = "";
        public int Channels { get; set; }

        /// <summary>
        /// True once the board's boot grace is over: before, it grants nothing new, fences nobody
        /// and refuses commands. False when absent (a board from before this field).
        /// </summary>
        public bool Settled { get; set; }

        /// <summary>
        /// Milliseconds of boot grace left when published (0 once settled), so a reader knows how
        /// long to wait; -1 when not reported (a board from before this field).
        /// </summary>
        public long SettleLeftMs { get; set; } = -1;

        /// <summary>The board's place in its pair; Authority for a board without a peer (and from a board before this field).</summary>
        public PairState Pair { get; set; } = PairState.Authority;

        /// <summary>The other board of the pair; empty without one.</summary>
        public string Peer { get; set; } = "";

        /// <summary>The authority: whether the passive board is in sync (may take over). A passive board: whether it is.</summary>
        public bool PeerInSync { get; set; }

        /// <summary>Whether the peer's heartbeat wire and the data link carry its signs of life now.</summary>
        public bool PeerHeartbeat { get; set; }

        public bool PeerLink { get; set; }
        public long Timestamp { get; set; }
    }

    /// <summary>Retained on board/&lt;board&gt;/channel/&lt;channel&gt;: what the wires of one server say.</summary>
    public sealed class ChannelReading
    {
        public string Board { get; set; } = "";
        public string Channel { get; set; } = "";
        public string Node { get; set; } = "";
        public ChannelState State { get; set; }
        public Verdict Verdict { get; set; }
        /// <summary>Heartbeat edges counted in the last detection window.</summary>
        public int HeartbeatEdges { get; set; }
        /// <summary>Milliseconds since the last heartbeat edge.</summary>
        public long HeartbeatAgeMs { get; set; }
        public bool[] PowerGood { get; set; } = new bool[0];
        public bool[] Link { get; set; } = new bool[0];
        /// <summary>Which output relays are asserted now: any of "reset", "power", "fence", "role".</summary>
        public string[] Outputs { get; set; } = new string[0];
        public long Timestamp { get; set; }
    }

    /// <summary>Retained on group/&lt;group&gt;/roles: who holds which role, under which epoch.</summary>
    public sealed class GroupRoles
    {
        public string Group { get; set; } = "";
        public GroupMode Mode { get; set; }
        public long Epoch { get; set; }
        public string[] Active { get; set; } = new string[0];
        /// <summary>Granted standby, fit or not: a failed, recovering or powered-off member is listed here too.</summary>
        public string[] Standby { get; set; } = new string[0];

        /// <summary>
        /// The members of Standby that could take over now (healthy on the board's wires and by
        /// their agent). Empty means a failure of the active would leave the group without one.
        /// </summary>
        public string[] Ready { get; set; } = new string[0];
        public string[] Fenced { get; set; } = new string[0];
        public string Reason { get; set; } = "";
        public long Timestamp { get; set; }
    }

    /// <summary>
    /// Retained on node/&lt;node&gt;/grant: the role the board grants a member. An agent acts on a
    /// grant only when its epoch is at least the highest it has seen.
    /// </summary>
    public sealed class Grant
    {
        public string Group { get; set; } = "";
        public string Node { get; set; } = "";
        public NodeRole Role { get; set; }
        public long Epoch { get; set; }
        public string Reason { get; set; } = "";
        public long Timestamp { get; set; }
    }

    /// <summary>Sent on node/&lt;node&gt;/request: the board asks the agent to act (restart its service, demote).</summary>
    public sealed class AgentRequest
    {
        public string Id { get; set; } = "";
        public string Node { get; set; } = "";
        public AgentRequestKind Kind { get; set; }
        public long Epoch { get; set; }
        public string Reason { get; set; } = "";
        public long Timestamp { get; set; }
    }

    /// <summary>Sent on events/&lt;source&gt; (never retained): something happened that an operator may want to know.</summary>
    public sealed class EventMessage
    {
        public string Source { get; set; } = "";
        /// <summary>A stable dash-separated word such as "reset-pulse", "fence-confirmed", "command-refused".</summary>
        public string Kind { get; set; } = "";
        public Severity Severity { get; set; }
        public string Node { get; set; } = "";
        public string Group { get; set; } = "";
        public long Epoch { get; set; }
        public string Detail { get; set; } = "";
        public long Timestamp { get; set; }
    }
}
