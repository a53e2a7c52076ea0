using Watchdog.Protocol.Messages;
using Watchdog.Protocol.Wire;

namespace Watchdog.Protocol.Json
{
    // Messages an agent publishes: NodeState (with its CheckResults), NodeMetrics, GrantAck.
    public static partial class MessageCodec
    {
        // ---- NodeState: required node, role, epoch, health, ts ----

        public static byte[] Encode(NodeState m)
        {
            Require(m);
            lock (Gate)
            {
                SharedWriter.Reset();
                Write(SharedWriter, m);
                return SharedWriter.ToUtf8();
            }
        }

        public static void Write(JsonWriter w, NodeState m)
        {
            w.BeginObject();
            w.Member("node", m.Node);
            w.Member("group", m.Group);
            w.Member("role", WireWords.Of(m.Role));
            w.Member("epoch", m.Epoch);
            w.Member("health", WireWords.Of(m.Health));
            w.Member("reason", m.Reason);
            w.Member("feeding", m.Feeding);
            w.Member("board_lost", m.BoardLost);
            w.Name("checks");
            w.BeginArray();
            CheckResult[] checks = m.Checks;
            for (int i = 0; checks != null && i < checks.Length; i++)
            {
                Write(w, checks[i]);
            }

            w.EndArray();
            w.Member("grant", m.GrantProof);
            w.Member("seq", m.Seq);
            w.Member("ts", m.Timestamp);
            w.EndObject();
        }

        public static bool TryDecode(byte[] payload, out NodeState? message, out CodecError? error)
        {
            message = null;
            FieldReader? r = Open(payload, out error);
            if (r == null)
            {
                return false;
            }

            NodeState m = new NodeState();
            m.Node = r.Text("node", true);
            m.Group = r.Text("group", false);
            string role = r.Word("role", true);
            NodeRole roleValue;
            if (!WireWords.TryParse(role, out roleValue))
            {
                r.UnknownWord("role", role, WireWords.Join(WireWords.AllRoles()));
            }

            m.Role = roleValue;
            m.Epoch = r.Integer("epoch", true);
            string health = r.Word("health", true);
            Health healthValue;
            if (!WireWords.TryParse(health, out healthValue))
            {
                r.UnknownWord("health", health, WireWords.Join(WireWords.AllHealths()));
            }

            m.Health = healthValue;
            m.Reason = r.Text("reason", false);
            m.Feeding = r.Flag("feeding", false);
            m.BoardLost = r.Flag("board_lost", false);
            JsonNode? checks = r.Array("checks");
            if (checks != null)
            {
                CheckResult[] list = new CheckResult[checks.Count];
                for (int i = 0; i < list.Length && r.Ok; i++)
                {
                    FieldReader? e = r.Element("checks", checks, i);
                    list[i] = e == null ? new CheckResult() : ReadCheck(e);
                }

                m.Checks = list;
            }

            m.GrantProof = r.Text("grant", false);
            m.Seq = r.Integer("seq", false);
            m.Timestamp = r.Integer("ts", true);
            if (!Close(r, out error))
            {
                return false;
            }

            message = m;
            return true;
        }

        // ---- CheckResult (only inside NodeState.checks): required name, ok ----

        public static void Write(JsonWriter w, CheckResult c)
        {
            w.BeginObject();
            w.Member("name", c.Name);
            w.Member("ok", c.Ok);
            w.Member("required", c.Required);
            w.Member("detail", c.Detail);
            w.EndObject();
        }

        private static CheckResult ReadCheck(FieldReader r)
        {
            CheckResult c = new CheckResult();
            c.Name = r.Text("name", true);
            c.Ok = r.Flag("ok", true);
            c.Required = r.Flag("required", false);
            c.Detail = r.Text("detail", false);
            return c;
        }

        // ---- NodeMetrics: required node, ts; figures default to 0, response_ms to -1, null means NaN ----

        public static byte[] Encode(NodeMetrics m)
        {
            Require(m);
            lock (Gate)
            {
                SharedWriter.Reset();
                Write(SharedWriter, m);
                return SharedWriter.ToUtf8();
            }
        }

        public static void Write(JsonWriter w, NodeMetrics m)
        {
            w.BeginObject();
            w.Member("node", m.Node);
            w.MemberDouble("cpu_pct", m.CpuPercent);
            w.MemberDouble("mem_pct", m.MemoryPercent);
            w.MemberDouble("disk_pct", m.DiskPercent);
            w.MemberDouble("disk_io_bps", m.DiskIoBytesPerSecond);
            w.MemberDouble("net_rx_bps", m.NetRxBytesPerSecond);
            w.MemberDouble("net_tx_bps", m.NetTxBytesPerSecond);
            w.MemberDouble("load1", m.Load1);
            w.MemberDouble("response_ms", m.ResponseMs);
            w.Member("ts", m.Timestamp);
            w.EndObject();
        }

        public static bool TryDecode(byte[] payload, out NodeMetrics? message, out CodecError? error)
        {
            message = null;
            FieldReader? r = Open(payload, out error);
            if (r == null)
            {
                return false;
            }

            NodeMetrics m = new NodeMetrics();
            m.Node = r.Text("node", true);
            m.CpuPercent = r.Number("cpu_pct", 0);
            m.MemoryPercent = r.Number("mem_pct", 0);
            m.DiskPercent = r.Number("disk_pct", 0);
            m.DiskIoBytesPerSecond = r.Number("disk_io_bps", 0);
            m.NetRxBytesPerSecond = r.Number("net_rx_bps", 0);
            m.NetTxBytesPerSecond = r.Number("net_tx_bps", 0);
            m.Load1 = r.Number("load1", 0);
            m.ResponseMs = r.Number("response_ms", -1);
            m.Timestamp = r.Integer("ts", true);
            if (!Close(r, out error))
            {
                return false;
            }

            message = m;
            return true;
        }

        // ---- GrantAck: required node, role, epoch, ok, ts ----

        public static byte[] Encode(GrantAck m)
        {
            Require(m);
            lock (Gate)
            {
                SharedWriter.Reset();
                Write(SharedWriter, m);
                return SharedWriter.ToUtf8();
            }
        }

        public static void Write(JsonWriter w, GrantAck m)
        {
            w.BeginObject();
            w.Member("node", m.Node);
            w.Member("group", m.Group);
            w.Member("role", WireWords.Of(m.Role));
            w.Member("epoch", m.Epoch);
            w.Member("ok", m.Ok);
            w.Member("detail", m.Detail);
            w.Member("ts", m.Timestamp);
            w.EndObject();
        }

        public static bool TryDecode(byte[] payload, out GrantAck? message, out CodecError? error)
        {
            message = null;
            FieldReader? r = Open(payload, out error);
            if (r == null)
            {
                return false;
            }

            GrantAck m = new GrantAck();
            m.Node = r.Text("node", true);
            m.Group = r.Text("group", false);
            string role = r.Word("role", true);
            NodeRole roleValue;
            if (!WireWords.TryParse(role, out roleValue))
            {
                r.UnknownWord("role", role, WireWords.Join(WireWords.AllRoles()));
            }

            m.Role = roleValue;
            m.Epoch = r.Integer("epoch", true);
            m.Ok = r.Flag("ok", true);
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
