using Watchdog.Protocol.Messages;
using Watchdog.Protocol.Wire;

namespace Watchdog.Protocol.Json
{
    // Messages the board publishes: BoardStatus, ChannelReading, GroupRoles, Grant, AgentRequest, EventMessage.
    public static partial class MessageCodec
    {
        // ---- BoardStatus: required board, status, epoch, ts ----

        public static byte[] Encode(BoardStatus m)
        {
            return EncodeWith(BoardStatusFields, m);
        }

        public static bool TryDecode(byte[] payload, out BoardStatus? message, out CodecError? error)
        {
            message = (BoardStatus?)DecodeWith(BoardStatusFields, payload, new BoardStatus(), out error);
            return message != null;
        }

        private static void BoardStatusFields(MessageFields f, object message)
        {
            BoardStatus m = (BoardStatus)message;
            m.Board = f.Text("board", m.Board, Required);
            m.Presence = (Presence)f.Word("status", (int)m.Presence, WireWords.Presences, Required);
            m.Epoch = f.Integer("epoch", m.Epoch, Required);
            m.UptimeMs = f.Integer("uptime_ms", m.UptimeMs, Optional);
            m.Firmware = f.Text("firmware", m.Firmware, Optional);
            m.Channels = f.Count("channels", m.Channels, Optional);
            // Both absent from boards before they existed: not settled as far as anyone knows, time left unknown.
            m.Settled = f.Flag("settled", m.Settled, Optional);
            m.SettleLeftMs = f.IntegerOr("settle_left_ms", m.SettleLeftMs, -1);
            // All absent from boards before pairs: such a board is alone, so it holds authority.
            m.Pair = (PairState)f.WordOr("pair", (int)m.Pair, WireWords.PairStates, (int)PairState.Authority);
            m.Peer = f.Text("peer", m.Peer, Optional);
            m.PeerInSync = f.Flag("peer_in_sync", m.PeerInSync, Optional);
            m.PeerHeartbeat = f.Flag("peer_heartbeat", m.PeerHeartbeat, Optional);
            m.PeerLink = f.Flag("peer_link", m.PeerLink, Optional);
            m.Timestamp = f.Integer("ts", m.Timestamp, Required);
        }

        // ---- ChannelReading: required board, channel, state, ts ----

        public static byte[] Encode(ChannelReading m)
        {
            return EncodeWith(ChannelReadingFields, m);
        }

        public static bool TryDecode(byte[] payload, out ChannelReading? message, out CodecError? error)
        {
            message = (ChannelReading?)DecodeWith(ChannelReadingFields, payload, new ChannelReading(), out error);
            return message != null;
        }

        private static void ChannelReadingFields(MessageFields f, object message)
        {
            ChannelReading m = (ChannelReading)message;
            m.Board = f.Text("board", m.Board, Required);
            m.Channel = f.Text("channel", m.Channel, Required);
            m.Node = f.Text("node", m.Node, Optional);
            m.State = (ChannelState)f.Word("state", (int)m.State, WireWords.ChannelStates, Required);
            m.Verdict = (Verdict)f.WordOrFirst("verdict", (int)m.Verdict, WireWords.Verdicts); // absent or "": no verdict
            m.HeartbeatEdges = f.Count("hb_edges", m.HeartbeatEdges, Optional);
            m.HeartbeatAgeMs = f.Integer("hb_age_ms", m.HeartbeatAgeMs, Optional);
            m.PowerGood = f.Flags("power_good", m.PowerGood);
            m.Link = f.Flags("link", m.Link);
            m.Outputs = f.Texts("outputs", m.Outputs);
            m.Timestamp = f.Integer("ts", m.Timestamp, Required);
        }

        // ---- GroupRoles: required group, mode, epoch, ts ----

        public static byte[] Encode(GroupRoles m)
        {
            return EncodeWith(GroupRolesFields, m);
        }

        public static bool TryDecode(byte[] payload, out GroupRoles? message, out CodecError? error)
        {
            message = (GroupRoles?)DecodeWith(GroupRolesFields, payload, new GroupRoles(), out error);
            return message != null;
        }

        private static void GroupRolesFields(MessageFields f, object message)
        {
            GroupRoles m = (GroupRoles)message;
            m.Group = f.Text("group", m.Group, Required);
            m.Mode = (GroupMode)f.Word("mode", (int)m.Mode, WireWords.GroupModes, Required);
            m.Epoch = f.Integer("epoch", m.Epoch, Required);
            m.Active = f.Texts("active", m.Active);
            m.Standby = f.Texts("standby", m.Standby);
            m.Ready = f.Texts("ready", m.Ready); // absent from boards before it existed: read as nobody
            m.Fenced = f.Texts("fenced", m.Fenced);
            m.Reason = f.Text("reason", m.Reason, Optional);
            m.Timestamp = f.Integer("ts", m.Timestamp, Required);
        }

        // ---- Grant: required group, node, role, epoch, ts ----

        public static byte[] Encode(Grant m)
        {
            return EncodeWith(GrantFields, m);
        }

        public static bool TryDecode(byte[] payload, out Grant? message, out CodecError? error)
        {
            message = (Grant?)DecodeWith(GrantFields, payload, new Grant(), out error);
            return message != null;
        }

        private static void GrantFields(MessageFields f, object message)
        {
            Grant m = (Grant)message;
            m.Group = f.Text("group", m.Group, Required);
            m.Node = f.Text("node", m.Node, Required);
            m.Role = (NodeRole)f.Word("role", (int)m.Role, WireWords.Roles, Required);
            m.Epoch = f.Integer("epoch", m.Epoch, Required);
            m.Reason = f.Text("reason", m.Reason, Optional);
            m.Timestamp = f.Integer("ts", m.Timestamp, Required);
        }

        // ---- AgentRequest: required id, node, kind, epoch, ts ----

        public static byte[] Encode(AgentRequest m)
        {
            return EncodeWith(AgentRequestFields, m);
        }

        public static bool TryDecode(byte[] payload, out AgentRequest? message, out CodecError? error)
        {
            message = (AgentRequest?)DecodeWith(AgentRequestFields, payload, new AgentRequest(), out error);
            return message != null;
        }

        private static void AgentRequestFields(MessageFields f, object message)
        {
            AgentRequest m = (AgentRequest)message;
            m.Id = f.Text("id", m.Id, Required);
            m.Node = f.Text("node", m.Node, Required);
            m.Kind = (AgentRequestKind)f.Word("kind", (int)m.Kind, WireWords.AgentRequests, Required);
            m.Epoch = f.Integer("epoch", m.Epoch, Required);
            m.Reason = f.Text("reason", m.Reason, Optional);
            m.Timestamp = f.Integer("ts", m.Timestamp, Required);
        }

        // ---- EventMessage: required source, kind, severity, ts ----

        public static byte[] Encode(EventMessage m)
        {
            return EncodeWith(EventMessageFields, m);
        }

        public static bool TryDecode(byte[] payload, out EventMessage? message, out CodecError? error)
        {
            message = (EventMessage?)DecodeWith(EventMessageFields, payload, new EventMessage(), out error);
            return message != null;
        }

        private static void EventMessageFields(MessageFields f, object message)
        {
            EventMessage m = (EventMessage)message;
            m.Source = f.Text("source", m.Source, Required);
            m.Kind = f.Text("kind", m.Kind, Required);
            m.Severity = (Severity)f.Word("severity", (int)m.Severity, WireWords.Severities, Required);
            m.Node = f.Text("node", m.Node, Optional);
            m.Group = f.Text("group", m.Group, Optional);
            m.Epoch = f.Integer("epoch", m.Epoch, Optional);
            m.Detail = f.Text("detail", m.Detail, Optional);
            m.Timestamp = f.Integer("ts", m.Timestamp, Required);
        }
    }
}
