using Watchdog.Protocol.Messages;
using Watchdog.Protocol.Wire;

namespace Watchdog.Protocol.Json
{
    // The board's metrics report (board/<board>/metrics) and the objects inside it. Arrays of
    // objects are written as NodeState's checks are: writing walks the given array, reading builds
    // a new one, each element through its own field list either way.
    public static partial class MessageCodec
    {
        // ---- BoardMetricsReport: required board, epoch, ts ----

        public static byte[] Encode(BoardMetricsReport m)
        {
            return EncodeWith(BoardMetricsFields, m);
        }

        public static bool TryDecode(byte[] payload, out BoardMetricsReport? message, out CodecError? error)
        {
            message = (BoardMetricsReport?)DecodeWith(BoardMetricsFields, payload, new BoardMetricsReport(), out error);
            return message != null;
        }

        private static void BoardMetricsFields(MessageFields f, object message)
        {
            BoardMetricsReport m = (BoardMetricsReport)message;
            m.Board = f.Text("board", m.Board, Required);
            m.Firmware = f.Text("firmware", m.Firmware, Optional);
            m.IntervalMs = f.Count("interval_ms", m.IntervalMs, Optional);
            m.UptimeMs = f.Integer("uptime_ms", m.UptimeMs, Optional);
            m.Settled = f.Flag("settled", m.Settled, Optional);
            m.SettleLeftMs = f.Integer("settle_left_ms", m.SettleLeftMs, Optional);
            m.Epoch = f.Integer("epoch", m.Epoch, Required);
            m.MqttConnected = f.Flag("mqtt_connected", m.MqttConnected, Optional);
            m.TickWorstLateMs = f.Number("tick_worst_late_ms", m.TickWorstLateMs, 0);
            m.TickStalls = f.Integer("tick_stalls", m.TickStalls, Optional);
            m.MessagesRefused = f.Integer("refused", m.MessagesRefused, Optional);
            m.OutboxDropped = f.Integer("outbox_dropped", m.OutboxDropped, Optional);
            m.Pair = (PairState)f.WordOr("pair", (int)m.Pair, WireWords.PairStates, (int)PairState.Authority);
            m.Peer = f.Text("peer", m.Peer, Optional);
            m.PeerInSync = f.Flag("peer_in_sync", m.PeerInSync, Optional);
            m.PeerHeartbeat = f.Flag("peer_heartbeat", m.PeerHeartbeat, Optional);
            m.PeerLink = f.Flag("peer_link", m.PeerLink, Optional);
            m.BucketBoundsMs = f.Integers("bucket_ms", m.BucketBoundsMs);
            m.Channels = ChannelFiguresArray(f, m.Channels);
            m.Groups = GroupFiguresArray(f, m.Groups);
            m.Events = EventCountArray(f, m.Events);
            m.Timestamp = f.Integer("ts", m.Timestamp, Required);
        }

        // ---- ChannelFigures (only inside BoardMetricsReport.channels): required channel, state ----

        private static void ChannelFiguresFields(MessageFields f, ChannelFigures c)
        {
            c.Channel = f.Text("channel", c.Channel, Required);
            c.Node = f.Text("node", c.Node, Optional);
            c.State = (ChannelState)f.Word("state", (int)c.State, WireWords.ChannelStates, Required);
            c.Verdict = (Verdict)f.WordOrFirst("verdict", (int)c.Verdict, WireWords.Verdicts);
            c.HeartbeatAgeMs = f.Integer("hb_age_ms", c.HeartbeatAgeMs, Optional);
            c.SuspicionPercent = f.Count("hb_suspicion_pct", c.SuspicionPercent, Optional);
            c.HeartbeatEdges = f.Count("hb_edges", c.HeartbeatEdges, Optional);
            c.PowerGood = f.Flags("power_good", c.PowerGood);
            c.Link = f.Flags("link", c.Link);
            c.Outputs = f.Texts("outputs", c.Outputs);
            c.Ready = f.Flag("ready", c.Ready, Optional);
            c.ConfirmedOut = f.Flag("confirmed_out", c.ConfirmedOut, Optional);
            c.Quiet = f.Flag("quiet", c.Quiet, Optional);
            c.LadderStep = f.IntegerOr("ladder_step", c.LadderStep, -1);
            c.LadderAttempts = f.Count("ladder_attempts", c.LadderAttempts, Optional);
            c.Fences = f.Integer("fences", c.Fences, Optional);
            c.Resets = f.Integer("resets", c.Resets, Optional);
            c.PowerCycles = f.Integer("power_cycles", c.PowerCycles, Optional);
            c.FenceMsSum = f.Integer("fence_ms_sum", c.FenceMsSum, Optional);
            c.FenceBuckets = f.Integers("fence_buckets", c.FenceBuckets);
        }

        // ---- GroupFigures (only inside BoardMetricsReport.groups): required group, epoch, phase ----

        private static void GroupFiguresFields(MessageFields f, GroupFigures g)
        {
            g.Group = f.Text("group", g.Group, Required);
            g.Epoch = f.Integer("epoch", g.Epoch, Required);
            g.Phase = f.Word("phase", g.Phase, WireWords.GroupPhases, Required);
            g.ActiveMembers = f.Count("active_members", g.ActiveMembers, Optional);
            g.SiteTicket = f.Flag("site_ticket", g.SiteTicket, Optional);
            g.TicketHeld = f.Flag("ticket_held", g.TicketHeld, Optional);
            g.Members = MemberFiguresArray(f, g.Members);
            g.RoleChanges = f.Integer("role_changes", g.RoleChanges, Optional);
            g.Failovers = f.Integer("failovers", g.Failovers, Optional);
            g.FailoverMsSum = f.Integer("failover_ms_sum", g.FailoverMsSum, Optional);
            g.FailoverBuckets = f.Integers("failover_buckets", g.FailoverBuckets);
        }

        // ---- MemberFigures (only inside GroupFigures.members): required node, role ----

        private static void MemberFiguresFields(MessageFields f, MemberFigures mf)
        {
            mf.Node = f.Text("node", mf.Node, Required);
            mf.Role = (NodeRole)f.Word("role", (int)mf.Role, WireWords.Roles, Required);
            mf.CountsAsActive = f.Flag("counts_active", mf.CountsAsActive, Optional);
        }

        // ---- EventCount (only inside BoardMetricsReport.events): required kind, severity, n ----

        private static void EventCountFields(MessageFields f, EventCount e)
        {
            e.Kind = f.Text("kind", e.Kind, Required);
            e.Severity = (Severity)f.Word("severity", (int)e.Severity, WireWords.Severities, Required);
            e.Count = f.Integer("n", e.Count, Required);
        }

        private static ChannelFigures[] ChannelFiguresArray(MessageFields f, ChannelFigures[] items)
        {
            const string name = "channels";
            if (f.Writer != null)
            {
                BeginObjects(f.Writer, name);
                for (int i = 0; items != null && i < items.Length; i++)
                {
                    f.Writer.BeginObject();
                    ChannelFiguresFields(f, items[i]);
                    f.Writer.EndObject();
                }

                f.Writer.EndArray();
                return items!;
            }

            JsonNode? array = f.Reader!.Array(name);
            if (array == null)
            {
                return items;
            }

            ChannelFigures[] list = new ChannelFigures[array.Count];
            for (int i = 0; i < list.Length; i++)
            {
                list[i] = new ChannelFigures();
                FieldReader? e = f.Reader.Ok ? f.Reader.Element(name, array, i) : null;
                if (e != null)
                {
                    ChannelFiguresFields(MessageFields.Reading(e), list[i]);
                }
            }

            return list;
        }

        private static GroupFigures[] GroupFiguresArray(MessageFields f, GroupFigures[] items)
        {
            const string name = "groups";
            if (f.Writer != null)
            {
                BeginObjects(f.Writer, name);
                for (int i = 0; items != null && i < items.Length; i++)
                {
                    f.Writer.BeginObject();
                    GroupFiguresFields(f, items[i]);
                    f.Writer.EndObject();
                }

                f.Writer.EndArray();
                return items!;
            }

            JsonNode? array = f.Reader!.Array(name);
            if (array == null)
            {
                return items;
            }

            GroupFigures[] list = new GroupFigures[array.Count];
            for (int i = 0; i < list.Length; i++)
            {
                list[i] = new GroupFigures();
                FieldReader? e = f.Reader.Ok ? f.Reader.Element(name, array, i) : null;
                if (e != null)
                {
                    GroupFiguresFields(MessageFields.Reading(e), list[i]);
                }
            }

            return list;
        }

        private static MemberFigures[] MemberFiguresArray(MessageFields f, MemberFigures[] items)
        {
            const string name = "members";
            if (f.Writer != null)
            {
                BeginObjects(f.Writer, name);
                for (int i = 0; items != null && i < items.Length; i++)
                {
                    f.Writer.BeginObject();
                    MemberFiguresFields(f, items[i]);
                    f.Writer.EndObject();
                }

                f.Writer.EndArray();
                return items!;
            }

            JsonNode? array = f.Reader!.Array(name);
            if (array == null)
            {
                return items;
            }

            MemberFigures[] list = new MemberFigures[array.Count];
            for (int i = 0; i < list.Length; i++)
            {
                list[i] = new MemberFigures();
                FieldReader? e = f.Reader.Ok ? f.Reader.Element(name, array, i) : null;
                if (e != null)
                {
                    MemberFiguresFields(MessageFields.Reading(e), list[i]);
                }
            }

            return list;
        }

        private static EventCount[] EventCountArray(MessageFields f, EventCount[] items)
        {
            const string name = "events";
            if (f.Writer != null)
            {
                BeginObjects(f.Writer, name);
                for (int i = 0; items != null && i < items.Length; i++)
                {
                    f.Writer.BeginObject();
                    EventCountFields(f, items[i]);
                    f.Writer.EndObject();
                }

                f.Writer.EndArray();
                return items!;
            }

            JsonNode? array = f.Reader!.Array(name);
            if (array == null)
            {
                return items;
            }

            EventCount[] list = new EventCount[array.Count];
            for (int i = 0; i < list.Length; i++)
            {
                list[i] = new EventCount();
                FieldReader? e = f.Reader.Ok ? f.Reader.Element(name, array, i) : null;
                if (e != null)
                {
                    EventCountFields(MessageFields.Reading(e), list[i]);
                }
            }

            return list;
        }

        private static void BeginObjects(JsonWriter w, string name)
        {
            w.Name(name);
            w.BeginArray();
        }
    }
}
