namespace Watchdog.Protocol.Topics
{
    /// <summary>Every topic the system uses. See docs/protocol.md for payloads and retain flags.</summary>
    public enum TopicKind
    {
        Unknown = 0,
        /// <summary>node/&lt;node&gt;/status: retained presence word; the agent's will publishes "lost".</summary>
        NodeStatus,
        /// <summary>node/&lt;node&gt;/state: retained NodeState JSON.</summary>
        NodeState,
        /// <summary>node/&lt;node&gt;/metrics: NodeMetrics JSON, not retained.</summary>
        NodeMetrics,
        /// <summary>node/&lt;node&gt;/grant: retained Grant JSON from the board.</summary>
        NodeGrant,
        /// <summary>node/&lt;node&gt;/grant/ack: GrantAck JSON from the agent, not retained.</summary>
        NodeGrantAck,
        /// <summary>node/&lt;node&gt;/request: AgentRequest JSON from the board, not retained.</summary>
        NodeRequest,
        /// <summary>board/&lt;board&gt;/status: retained presence word; the board's will publishes "lost".</summary>
        BoardStatus,
        /// <summary>board/&lt;board&gt;/state: retained BoardStatus JSON.</summary>
        BoardState,
        /// <summary>board/&lt;board&gt;/channel/&lt;channel&gt;: retained ChannelReading JSON.</summary>
        BoardChannel,
        /// <summary>group/&lt;group&gt;/roles: retained GroupRoles JSON.</summary>
        GroupRoles,
        /// <summary>events/&lt;source&gt;: EventMessage JSON, never retained.</summary>
        Event,
        /// <summary>command/&lt;target&gt;: SignedCommand JSON, never retained.</summary>
        Command,
        /// <summary>command/&lt;target&gt;/ack: CommandAck JSON, never retained.</summary>
        CommandAck,
        /// <summary>board/&lt;board&gt;/metrics: BoardMetricsReport JSON, sealed by the board, not retained.</summary>
        BoardMetrics,
    }
}
