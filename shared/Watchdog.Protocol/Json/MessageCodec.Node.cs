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
            lock (Gate)
            {
                Write(Restart(m), m);
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
            FieldReader? r = Open(payload, out error);
            NodeState? m = r == null ? null : Read(r, new NodeState());
            message = Close(r, ref error) ? m : null;
            return message != null;
        }

        private static NodeState Read(FieldReader r, NodeState m)
        {
            m.Node = r.Text("node", true);
            m.Group = r.Text("group", false);
            m.Role = (NodeRole)r.WordIndex("role", true, WireWords.Roles);
            m.Epoch = r.Integer("epoch", true);
            m.Health = (Health)r.WordIndex("health", true, WireWords.Healths);
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
                    list[i] = e == null ? new CheckResult() : Read(e, new CheckResult());
                }

                m.Checks = list;
            }

            m.GrantProof = r.Text("grant", false);
            m.Seq = r.Integer("seq", false);
            m.Timestamp = r.Integer("ts", true);
            return m;
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

        private static CheckResult Read(FieldReader r, CheckResult c)
        {
            c.Name = r.Text("name", true);
            c.Ok = r.Flag("ok", true);
            c.Required = r.Flag("required", false);
            c.Detail = r.Text("detail", false);
            return c;
        }

        // ---- NodeMetrics: required node, ts; figures default to 0, response_ms to -1, null means NaN ----

        public static byte[] Encode(NodeMetrics m)
        {
            lock (Gate)
            {
                Write(Restart(m), m);
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
            FieldReader? r = Open(payload, out error);
            NodeMetrics? m = r == null ? null : Read(r, new NodeMetrics());
            message = Close(r, ref error) ? m : null;
            return message != null;
        }

        private static NodeMetrics Read(FieldReader r, NodeMetrics m)
        {
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
            return m;
        }

        // ---- GrantAck: required node, role, epoch, ok, ts ----

        public static byte[] Encode(GrantAck m)
        {
            lock (Gate)
            {
                Write(Restart(m), m);
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
            FieldReader? r = Open(payload, out error);
            GrantAck? m = r == null ? null : Read(r, new GrantAck());
            message = Close(r, ref error) ? m : null;
            return message != null;
        }

        private static GrantAck Read(FieldReader r, GrantAck m)
        {
            m.Node = r.Text("node", true);
            m.Group = r.Text("group", false);
            m.Role = (NodeRole)r.WordIndex("role", true, WireWords.Roles);
            m.Epoch = r.Integer("epoch", true);
            m.Ok = r.Flag("ok", true);
            m.Detail = r.Text("detail", false);
            m.Timestamp = r.Integer("ts", true);
            return m;
        }
    }
}
