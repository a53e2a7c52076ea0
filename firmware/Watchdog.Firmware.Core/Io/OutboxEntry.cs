using Watchdog.Protocol.Topics;

namespace Watchdog.Firmware.Core
{
    /// <summary>
    /// One message the glue must publish. The glue builds the topic with TopicTree from Topic and
    /// Name (BoardChannel: Name is the channel and the board is BoardConfig.Board) and encodes
    /// Message with the protocol's JSON codec. Message is one of Grant, GroupRoles, AgentRequest,
    /// EventMessage, CommandAck, ChannelReading, BoardStatus. Entries and their messages are
    /// reused: they are valid until the next call into the core.
    /// </summary>
    public sealed class OutboxEntry
    {
        public TopicKind Topic { get; internal set; }

        /// <summary>The node, board, group, channel, event source or command target in the topic.</summary>
        public string Name { get; internal set; } = "";

        public object Message { get; internal set; } = "";

        /// <summary>Publish with the MQTT retain flag.</summary>
        public bool Retained { get; internal set; }
    }
}
