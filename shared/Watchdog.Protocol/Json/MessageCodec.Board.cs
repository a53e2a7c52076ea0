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
            Require(m);
            lock (Gate)
            {
                SharedWriter.Reset();
                Write(SharedWriter, m);
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
            message = null;
            FieldReader? r = Open(payload, out error);
            if (r == null)
            {
                return false;
            }

            BoardStatus m = new BoardStatus();
            m.Board = r.Text("board", true);
            string status = r.Word("status", true);
            Presence presence;
            if (!WireWords.TryParse(status, out presence))
            {
                r.UnknownWord("status", status, WireWords.Join(WireWords.AllPresences()));
            }

            m.Presence = presence;
            m.Epoch = r.Integer("epoch", true);
            m.UptimeMs = r.Integer("uptime_ms", false);
            m.Firmware = r.Text("firmware", false);
            m.Channels = r.Count("channels", false);
            // Both absent from boards before they existed: not settled as far as anyone knows, time left unknown.
            m.Settled = r.Flag("settled", false);
            m.SettleLeftMs = r.Has("settle_left_ms") ? r.Integer("settle_left_ms", false) : -1;
            m.Timestamp = r.Integer("ts", true);
            if (!Close(r, out error))
            {
                return false;
            }

            message = m;
            return true;
        }

        // ---- ChannelReading: required board, channel, state, ts ----

        public static byte[] Encode(ChannelReading m)
        {
            Require(m);
            lock (Gate)
            {
                SharedWriter.Reset();
                Write(SharedWriter, m);
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
            message = null;
            FieldReader? r = Open(payload, out error);
            if (r == null)
            {
                return false;
            }

            ChannelReading m = new ChannelReading();
            m.Board = r.Text("board", true);
            m.Channel = r.Text("channel", true);
            m.Node = r.Text("node", false);
            string state = r.Word("state", true);
            ChannelState stateValue;
            if (!WireWords.TryParse(state, out stateValue))
            {
                r.UnknownWord("state", state, WireWords.Join(WireWords.AllChannelStates()));
            }

            m.State = stateValue;
            string verdict = r.Word("verdict", false);
            Verdict verdictValue = Verdict.None;
            if (verdict.Length > 0 && !WireWords.TryParse(verdict, out verdictValue))
            {
                r.UnknownWord("verdict", verdict, WireWords.Join(WireWords.AllVerdicts()));
            }

            m.Verdict = verdictValue;
            m.HeartbeatEdges = r.Count("hb_edges", false);
            m.HeartbeatAgeMs = r.Integer("hb_age_ms", false);
            m.PowerGood = r.Flags("power_good");
            m.Link = r.Flags("link");
            m.Outputs = r.Texts("outputs");
            m.Timestamp = r.Integer("ts", true);
            if (!Close(r, out error))
            {
                return false;
            }

            message = m;
            return true;
        }

        // ---- GroupRoles: required group, mode, epoch, ts ----

        public static byte[] Encode(GroupRoles m)
        {
            Require(m);
            lock (Gate)
            {
                SharedWriter.Reset();
                Write(SharedWriter, m);
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
            message = null;
            FieldReader? r = Open(payload, out error);
            if (r == null)
            {
                return false;
            }

            GroupRoles m = new GroupRoles();
            m.Group = r.Text("group", true);
            string mode = r.Word("mode", true);
            GroupMode modeValue;
            if (!WireWords.TryParse(mode, out modeValue))
            {
                r.UnknownWord("mode", mode, WireWords.Join(WireWords.AllGroupModes()));
            }

            m.Mode = modeValue;
            m.Epoch = r.Integer("epoch", true);
            m.Active = r.Texts("active");
            m.Standby = r.Texts("standby");
            m.Ready = r.Texts("ready"); // absent from boards before it existed: read as nobody
            m.Fenced = r.Texts("fenced");
            m.Reason = r.Text("reason", false);
            m.Timestamp = r.Integer("ts", true);
            if (!Close(r, out error))
            {
                return false;
            }

            message = m;
            return true;
        }

        // ---- Grant: required group, node, role, epoch, ts ----

        public static byte[] Encode(Grant m)
        {
            Require(m);
            lock (Gate)
            {
                SharedWriter.Reset();
                Write(SharedWriter, m);
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
            message = null;
            FieldReader? r = Open(payload, out error);
            if (r == null)
            {
                return false;
            }

            Grant m = new Grant();
            m.Group = r.Text("group", true);
            m.Node = r.Text("node", true);
            string role = r.Word("role", true);
            NodeRole roleValue;
            if (!WireWords.TryParse(role, out roleValue))
            {
                r.UnknownWord("role", role, WireWords.Join(WireWords.AllRoles()));
            }

            m.Role = roleValue;
            m.Epoch = r.Integer("epoch", true);
            m.Reason = r.Text("reason", false);
            m.Timestamp = r.Integer("ts", true);
            if (!Close(r, out error))
            {
                return false;
            }

            message = m;
            return true;
        }

        // ---- AgentRequest: required id, node, kind, epoch, ts ----

        public static byte[] Encode(AgentRequest m)
        {
            Require(m);
            lock (Gate)
            {
                SharedWriter.Reset();
                Write(SharedWriter, m);
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
            message = null;
            FieldReader? r = Open(payload, out error);
            if (r == null)
            {
                return false;
            }

            AgentRequest m = new AgentRequest();
            m.Id = r.Text("id", true);
            m.Node = r.Text("node", true);
            string kind = r.Word("kind", true);
            AgentRequestKind kindValue;
            if (!WireWords.TryParse(kind, out kindValue))
            {
                r.UnknownWord("kind", kind, WireWords.Join(WireWords.AllAgentRequests()));
            }

            m.Kind = kindValue;
            m.Epoch = r.Integer("epoch", true);
            m.Reason = r.Text("reason", false);
            m.Timestamp = r.Integer("ts", true);
            if (!Close(r, out error))
            {
                return false;
            }

            message = m;
            return true;
        }

        // ---- EventMessage: required source, kind, severity, ts ----

        public static byte[] Encode(EventMessage m)
        {
            Require(m);
            lock (Gate)
            {
                SharedWriter.Reset();
                Write(SharedWriter, m);
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
            message = null;
            FieldReader? r = Open(payload, out error);
            if (r == null)
            {
                return false;
            }

            EventMessage m = new EventMessage();
            m.Source = r.Text("source", true);
            m.Kind = r.Text("kind", true);
            string severity = r.Word("severity", true);
            Severity severityValue;
            if (!WireWords.TryParse(severity, out severityValue))
            {
                r.UnknownWord("severity", severity, WireWords.Join(WireWords.AllSeverities()));
            }

            m.Severity = severityValue;
            m.Node = r.Text("node", false);
            m.Group = r.Text("group", false);
            m.Epoch = r.Integer("epoch", false);
            m.Detail = r.Text("detail", false);
            m.Timestamp = r.Integer("ts", true);
            if (!Close(r, out error))
            {
                return false;
            }

            message = m;
            return true;
        }
    }
}
