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
            lock (Gate)
            {
                Write(Restart(m), m);
                return SharedWriter.ToUtf8();
            }
        }

        public static void Write(JsonWriter w, BoardStatus m)
        {
            w.BeginObject();
            w.Member("board", m.Board);
            w.Member("status", WireWords.Of(m.Presence));
            w.Member("epoch", m.Epoch);
            w.Member("uptime_ms", m.UptimeMs);
            w.Member("firmware", m.Firmware);
            w.Member("channels", m.Channels);
            w.Member("settled", m.Settled);
            w.Member("settle_left_ms", m.SettleLeftMs);
            w.Member("ts", m.Timestamp);
            w.EndObject();
        }

        public static bool TryDecode(byte[] payload, out BoardStatus? message, out CodecError? error)
        {
            FieldReader? r = Open(payload, out error);
            BoardStatus? m = r == null ? null : Read(r, new BoardStatus());
            message = Close(r, ref error) ? m : null;
            return message != null;
        }

        private static BoardStatus Read(FieldReader r, BoardStatus m)
        {
            m.Board = r.Text("board", true);
            m.Presence = (Presence)r.WordIndex("status", true, WireWords.Presences);
            m.Epoch = r.Integer("epoch", true);
            m.UptimeMs = r.Integer("uptime_ms", false);
            m.Firmware = r.Text("firmware", false);
            m.Channels = r.Count("channels", false);
            // Both absent from boards before they existed: not settled as far as anyone knows, time left unknown.
            m.Settled = r.Flag("settled", false);
            m.SettleLeftMs = r.Has("settle_left_ms") ? r.Integer("settle_left_ms", false) : -1;
            m.Timestamp = r.Integer("ts", true);
            return m;
        }

        // ---- ChannelReading: required board, channel, state, ts ----

        public static byte[] Encode(ChannelReading m)
        {
            lock (Gate)
            {
                Write(Restart(m), m);
                return SharedWriter.ToUtf8();
            }
        }

        public static void Write(JsonWriter w, ChannelReading m)
        {
            w.BeginObject();
            w.Member("board", m.Board);
            w.Member("channel", m.Channel);
            w.Member("node", m.Node);
            w.Member("state", WireWords.Of(m.State));
            w.Member("verdict", WireWords.Of(m.Verdict));
            w.Member("hb_edges", m.HeartbeatEdges);
            w.Member("hb_age_ms", m.HeartbeatAgeMs);
            w.Member("power_good", m.PowerGood);
            w.Member("link", m.Link);
            w.Member("outputs", m.Outputs);
            w.Member("ts", m.Timestamp);
            w.EndObject();
        }

        public static bool TryDecode(byte[] payload, out ChannelReading? message, out CodecError? error)
        {
            FieldReader? r = Open(payload, out error);
            ChannelReading? m = r == null ? null : Read(r, new ChannelReading());
            message = Close(r, ref error) ? m : null;
            return message != null;
        }

        private static ChannelReading Read(FieldReader r, ChannelReading m)
        {
            m.Board = r.Text("board", true);
            m.Channel = r.Text("channel", true);
            m.Node = r.Text("node", false);
            m.State = (ChannelState)r.WordIndex("state", true, WireWords.ChannelStates);
            string verdict = r.Word("verdict", false); // absent or "": no verdict
            m.Verdict = verdict.Length == 0 ? Verdict.None : (Verdict)r.IndexOfWord("verdict", verdict, WireWords.Verdicts);
            m.HeartbeatEdges = r.Count("hb_edges", false);
            m.HeartbeatAgeMs = r.Integer("hb_age_ms", false);
            m.PowerGood = r.Flags("power_good");
            m.Link = r.Flags("link");
            m.Outputs = r.Texts("outputs");
            m.Timestamp = r.Integer("ts", true);
            return m;
        }

        // ---- GroupRoles: required group, mode, epoch, ts ----

        public static byte[] Encode(GroupRoles m)
        {
            lock (Gate)
            {
                Write(Restart(m), m);
                return SharedWriter.ToUtf8();
            }
        }

        public static void Write(JsonWriter w, GroupRoles m)
        {
            w.BeginObject();
            w.Member("group", m.Group);
            w.Member("mode", WireWords.Of(m.Mode));
            w.Member("epoch", m.Epoch);
            w.Member("active", m.Active);
            w.Member("standby", m.Standby);
            w.Member("ready", m.Ready);
            w.Member("fenced", m.Fenced);
            w.Member("reason", m.Reason);
            w.Member("ts", m.Timestamp);
            w.EndObject();
        }

        public static bool TryDecode(byte[] payload, out GroupRoles? message, out CodecError? error)
        {
            FieldReader? r = Open(payload, out error);
            GroupRoles? m = r == null ? null : Read(r, new GroupRoles());
            message = Close(r, ref error) ? m : null;
            return message != null;
        }

        private static GroupRoles Read(FieldReader r, GroupRoles m)
        {
            m.Group = r.Text("group", true);
            m.Mode = (GroupMode)r.WordIndex("mode", true, WireWords.GroupModes);
            m.Epoch = r.Integer("epoch", true);
            m.Active = r.Texts("active");
            m.Standby = r.Texts("standby");
            m.Ready = r.Texts("ready"); // absent from boards before it existed: read as nobody
            m.Fenced = r.Texts("fenced");
            m.Reason = r.Text("reason", false);
            m.Timestamp = r.Integer("ts", true);
            return m;
        }

        // ---- Grant: required group, node, role, epoch, ts ----

        public static byte[] Encode(Grant m)
        {
            lock (Gate)
            {
                Write(Restart(m), m);
                return SharedWriter.ToUtf8();
            }
        }

        public static void Write(JsonWriter w, Grant m)
        {
            w.BeginObject();
            w.Member("group", m.Group);
            w.Member("node", m.Node);
            w.Member("role", WireWords.Of(m.Role));
            w.Member("epoch", m.Epoch);
            w.Member("reason", m.Reason);
            w.Member("ts", m.Timestamp);
            w.EndObject();
        }

        public static bool TryDecode(byte[] payload, out Grant? message, out CodecError? error)
        {
            FieldReader? r = Open(payload, out error);
            Grant? m = r == null ? null : Read(r, new Grant());
            message = Close(r, ref error) ? m : null;
            return message != null;
        }

        private static Grant Read(FieldReader r, Grant m)
        {
            m.Group = r.Text("group", true);
            m.Node = r.Text("node", true);
            m.Role = (NodeRole)r.WordIndex("role", true, WireWords.Roles);
            m.Epoch = r.Integer("epoch", true);
            m.Reason = r.Text("reason", false);
            m.Timestamp = r.Integer("ts", true);
            return m;
        }

        // ---- AgentRequest: required id, node, kind, epoch, ts ----

        public static byte[] Encode(AgentRequest m)
        {
            lock (Gate)
            {
                Write(Restart(m), m);
                return SharedWriter.ToUtf8();
            }
        }

        public static void Write(JsonWriter w, AgentRequest m)
        {
            w.BeginObject();
            w.Member("id", m.Id);
            w.Member("node", m.Node);
            w.Member("kind", WireWords.Of(m.Kind));
            w.Member("epoch", m.Epoch);
            w.Member("reason", m.Reason);
            w.Member("ts", m.Timestamp);
            w.EndObject();
        }

        public static bool TryDecode(byte[] payload, out AgentRequest? message, out CodecError? error)
        {
            FieldReader? r = Open(payload, out error);
            AgentRequest? m = r == null ? null : Read(r, new AgentRequest());
            message = Close(r, ref error) ? m : null;
            return message != null;
        }

        private static AgentRequest Read(FieldReader r, AgentRequest m)
        {
            m.Id = r.Text("id", true);
            m.Node = r.Text("node", true);
            m.Kind = (AgentRequestKind)r.WordIndex("kind", true, WireWords.AgentRequests);
            m.Epoch = r.Integer("epoch", true);
            m.Reason = r.Text("reason", false);
            m.Timestamp = r.Integer("ts", true);
            return m;
        }

        // ---- EventMessage: required source, kind, severity, ts ----

        public static byte[] Encode(EventMessage m)
        {
            lock (Gate)
            {
                Write(Restart(m), m);
                return SharedWriter.ToUtf8();
            }
        }

        public static void Write(JsonWriter w, EventMessage m)
        {
            w.BeginObject();
            w.Member("source", m.Source);
            w.Member("kind", m.Kind);
            w.Member("severity", WireWords.Of(m.Severity));
            w.Member("node", m.Node);
            w.Member("group", m.Group);
            w.Member("epoch", m.Epoch);
            w.Member("detail", m.Detail);
            w.Member("ts", m.Timestamp);
            w.EndObject();
        }

        public static bool TryDecode(byte[] payload, out EventMessage? message, out CodecError? error)
        {
            FieldReader? r = Open(payload, out error);
            EventMessage? m = r == null ? null : Read(r, new EventMessage());
            message = Close(r, ref error) ? m : null;
            return message != null;
        }

        private static EventMessage Read(FieldReader r, EventMessage m)
        {
            m.Source = r.Text("source", true);
            m.Kind = r.Text("kind", true);
            m.Severity = (Severity)r.WordIndex("severity", true, WireWords.Severities);
            m.Node = r.Text("node", false);
            m.Group = r.Text("group", false);
            m.Epoch = r.Integer("epoch", false);
            m.Detail = r.Text("detail", false);
            m.Timestamp = r.Integer("ts", true);
            return m;
        }
    }
}
