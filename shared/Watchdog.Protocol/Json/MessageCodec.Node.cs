using Watchdog.Protocol.Messages;
using Watchdog.Protocol.Wire;

namespace Watchdog.Protocol.Json
{
    // Messages an agent publishes: NodeState (with its CheckResults), NodeMetrics, GrantAck.
    public static partial class MessageCodec
    {
        // ---- NodeState: required node, role, epoch, health, ts; ready absent reads as true ----

        public static byte[] Encode(NodeState m)
        {
            return EncodeWith(NodeStateFields, m);
        }

        public static bool TryDecode(byte[] payload, out NodeState? message, out CodecError? error)
        {
            message = (NodeState?)DecodeWith(NodeStateFields, payload, new NodeState(), out error);
            return message != null;
        }

        private static void NodeStateFields(MessageFields f, object message)
        {
            NodeState m = (NodeState)message;
            m.Node = f.Text("node", m.Node, Required);
            m.Group = f.Text("group", m.Group, Optional);
            m.Role = (NodeRole)f.Word("role", (int)m.Role, WireWords.Roles, Required);
            m.Epoch = f.Integer("epoch", m.Epoch, Required);
            m.Health = (Health)f.Word("health", (int)m.Health, WireWords.Healths, Required);
            m.Ready = f.FlagOr("ready", m.Ready, true);
            m.Reason = f.Text("reason", m.Reason, Optional);
            m.Feeding = f.Flag("feeding", m.Feeding, Optional);
            m.BoardLost = f.Flag("board_lost", m.BoardLost, Optional);
            m.Checks = Checks(f, m.Checks);
            m.GrantProof = f.Text("grant", m.GrantProof, Optional);
            m.Seq = f.Integer("seq", m.Seq, Optional);
            m.Timestamp = f.Integer("ts", m.Timestamp, Required);
        }

        // ---- CheckResult (only inside NodeState.checks): required name, ok ----

        /// <summary>
        /// NodeState's "checks", an array of CheckResult objects (absent reads as none). The one
        /// member whose two directions differ in shape: writing walks the given array, reading
        /// builds a new one; each element goes through CheckResultFields either way.
        /// </summary>
        private static CheckResult[] Checks(MessageFields f, CheckResult[] checks)
        {
            if (f.Writer != null)
            {
                JsonWriter w = f.Writer;
                w.Name("checks");
                w.BeginArray();
                for (int i = 0; checks != null && i < checks.Length; i++)
                {
                    w.BeginObject();
                    CheckResultFields(f, checks[i]);
                    w.EndObject();
                }

                w.EndArray();
                return checks!;
            }

            FieldReader r = f.Reader!;
            JsonNode? array = r.Array("checks");
            if (array == null)
            {
                return checks;
            }

            CheckResult[] list = new CheckResult[array.Count];
            for (int i = 0; i < list.Length && r.Ok; i++)
            {
                FieldReader? e = r.Element("checks", array, i);
                list[i] = new CheckResult();
                if (e != null)
                {
                    CheckResultFields(MessageFields.Reading(e), list[i]);
                }
            }

            return list;
        }

        private static void CheckResultFields(MessageFields f, CheckResult c)
        {
            c.Name = f.Text("name", c.Name, Required);
            c.Ok = f.Flag("ok", c.Ok, Required);
            c.Required = f.Flag("required", c.Required, Optional);
            c.GatesPromotion = f.Flag("gates_promotion", c.GatesPromotion, Optional);
            c.Detail = f.Text("detail", c.Detail, Optional);
        }

        // ---- NodeMetrics: required node, ts; figures default to 0, response_ms to -1, null means NaN ----

        public static byte[] Encode(NodeMetrics m)
        {
            return EncodeWith(NodeMetricsFields, m);
        }

        public static bool TryDecode(byte[] payload, out NodeMetrics? message, out CodecError? error)
        {
            message = (NodeMetrics?)DecodeWith(NodeMetricsFields, payload, new NodeMetrics(), out error);
            return message != null;
        }

        private static void NodeMetricsFields(MessageFields f, object message)
        {
            NodeMetrics m = (NodeMetrics)message;
            m.Node = f.Text("node", m.Node, Required);
            m.CpuPercent = f.Number("cpu_pct", m.CpuPercent, 0);
            m.MemoryPercent = f.Number("mem_pct", m.MemoryPercent, 0);
            m.DiskPercent = f.Number("disk_pct", m.DiskPercent, 0);
            m.DiskIoBytesPerSecond = f.Number("disk_io_bps", m.DiskIoBytesPerSecond, 0);
            m.NetRxBytesPerSecond = f.Number("net_rx_bps", m.NetRxBytesPerSecond, 0);
            m.NetTxBytesPerSecond = f.Number("net_tx_bps", m.NetTxBytesPerSecond, 0);
            m.Load1 = f.Number("load1", m.Load1, 0);
            m.ResponseMs = f.Number("response_ms", m.ResponseMs, -1);
            m.Timestamp = f.Integer("ts", m.Timestamp, Required);
        }

        // ---- GrantAck: required node, role, epoch, ok, ts ----

        public static byte[] Encode(GrantAck m)
        {
            return EncodeWith(GrantAckFields, m);
        }

        public static bool TryDecode(byte[] payload, out GrantAck? message, out CodecError? error)
        {
            message = (GrantAck?)DecodeWith(GrantAckFields, payload, new GrantAck(), out error);
            return message != null;
        }

        private static void GrantAckFields(MessageFields f, object message)
        {
            GrantAck m = (GrantAck)message;
            m.Node = f.Text("node", m.Node, Required);
            m.Group = f.Text("group", m.Group, Optional);
            m.Role = (NodeRole)f.Word("role", (int)m.Role, WireWords.Roles, Required);
            m.Epoch = f.Integer("epoch", m.Epoch, Required);
            m.Ok = f.Flag("ok", m.Ok, Required);
            m.Detail = f.Text("detail", m.Detail, Optional);
            m.Timestamp = f.Integer("ts", m.Timestamp, Required);
        }
    }
}
