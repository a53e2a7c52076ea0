using Watchdog.Firmware.Core;
using Watchdog.Protocol.Json;
using Watchdog.Protocol.Messages;
using Watchdog.Protocol.Signing;
using Watchdog.Protocol.Topics;
using Watchdog.Protocol.Wire;

namespace Watchdog.Firmware.Glue
{
    /// <summary>
    /// Turns the core's outbox entries into MQTT topics (always through TopicTree) and payloads
    /// (always through MessageCodec), sealed with the board's key when it has one: grants,
    /// requests, roles, channel readings (an agent's sign that its board is alive) and command
    /// acknowledgements. Events, presence words and the board's status stay plain: nothing moves a
    /// role on them. Shared by the ESP32 app
    /// and the Linux board so both publish byte-for-byte the same thing.
    /// </summary>
    public sealed class OutboxEncoder
    {
        private readonly TopicTree _topics;
        private readonly string _board;
        private readonly SealedChannel? _seals;

        public OutboxEncoder(TopicTree topics, string board)
            : this(topics, board, null)
        {
        }

        /// <param name="seals">The board's sealed channel; null publishes unsealed (no board key).</param>
        public OutboxEncoder(TopicTree topics, string board, SealedChannel? seals)
        {
            _topics = topics;
            _board = board;
            _seals = seals;
        }

        /// <summary>The payload for an entry on topic, sealed when the board has a key and the kind is sealed; null for a type the codec does not know.</summary>
        public byte[]? PayloadOf(OutboxEntry entry, string topic, long wallClockMs)
        {
            byte[]? body = PayloadOf(entry);
            if (body == null || _seals == null || !IsSealed(entry.Topic))
            {
                return body;
            }

            return _seals.Seal(topic, body, wallClockMs);
        }

        /// <summary>The kinds the board seals.</summary>
        public static bool IsSealed(TopicKind kind)
        {
            return kind == TopicKind.NodeGrant || kind == TopicKind.NodeRequest || kind == TopicKind.GroupRoles
                || kind == TopicKind.BoardChannel || kind == TopicKind.CommandAck;
        }

        /// <summary>The topic for an entry; "" for a kind the board never publishes (a bug in the core, logged by the caller).</summary>
        public string TopicOf(OutboxEntry entry)
        {
            switch (entry.Topic)
            {
                case TopicKind.NodeGrant: return _topics.NodeGrant(entry.Name);
                case TopicKind.NodeRequest: return _topics.NodeRequest(entry.Name);
                case TopicKind.BoardStatus: return _topics.BoardStatus(entry.Name.Length == 0 ? _board : entry.Name);
                case TopicKind.BoardState: return _topics.BoardState(entry.Name.Length == 0 ? _board : entry.Name);
                case TopicKind.BoardChannel: return _topics.BoardChannel(_board, entry.Name);
                case TopicKind.GroupRoles: return _topics.GroupRoles(entry.Name);
                case TopicKind.Event: return _topics.Event(entry.Name.Length == 0 ? _board : entry.Name);
                case TopicKind.CommandAck: return _topics.CommandAck(entry.Name);
                default: return "";
            }
        }

        /// <summary>The payload for an entry by the message's type; null for a type the codec does not know.</summary>
        public static byte[]? PayloadOf(OutboxEntry entry)
        {
            object m = entry.Message;
            if (m is Grant) { return MessageCodec.Encode((Grant)m); }
            if (m is EventMessage) { return MessageCodec.Encode((EventMessage)m); }
            if (m is ChannelReading) { return MessageCodec.Encode((ChannelReading)m); }
            if (m is GroupRoles) { return MessageCodec.Encode((GroupRoles)m); }
            if (m is AgentRequest) { return MessageCodec.Encode((AgentRequest)m); }
            if (m is CommandAck) { return MessageCodec.Encode((CommandAck)m); }
            if (m is BoardStatus) { return MessageCodec.Encode((BoardStatus)m); }
            if (m is Presence) { return MessageCodec.EncodePresence((Presence)m); }
            return null;
        }
    }
}
