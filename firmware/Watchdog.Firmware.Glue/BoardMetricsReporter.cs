using Watchdog.Firmware.Core;
using Watchdog.Firmware.Core.Pair;
using Watchdog.Protocol.Json;
using Watchdog.Protocol.Messages;
using Watchdog.Protocol.Signing;
using Watchdog.Protocol.Topics;
using Watchdog.Protocol.Wire;

namespace Watchdog.Firmware.Glue
{
    /// <summary>What only the platform knows about itself, filled in by the caller before each Publish.</summary>
    public sealed class RuntimeFigures
    {
        public long UptimeMs { get; set; }
        public bool MqttConnected { get; set; }
        public double TickWorstLateMs { get; set; }
        public long TickStalls { get; set; }
        public long MessagesRefused { get; set; }
    }

    /// <summary>
    /// Publishes the board's metrics on board/&lt;board&gt;/metrics (docs/protocol.md,
    /// BoardMetricsReport), sealed with the board's key, every interval: the figures the Linux
    /// board's Prometheus endpoint serves, read from the core's views, the pair, BoardCounters and
    /// the platform's RuntimeFigures. The ESP32 app has no HTTP server; `watchdogctl exporter`
    /// serves these to Prometheus. Shared by the ESP32 app and the Linux board (--metrics-mqtt),
    /// so the message is tested here with a real board process. Runs on the tick thread; the
    /// report is built fresh each time (a few hundred bytes of garbage every few seconds).
    /// </summary>
    public sealed class BoardMetricsReporter
    {
        private static readonly string[] OutputNames = { "reset", "power", "fence", "role" };

        private readonly WatchdogCore _core;
        private readonly BoardCounters _counters;
        private readonly string _topic;
        private readonly string _board;
        private readonly string _firmware;
        private readonly SealedChannel _seals;
        private readonly IBoardSink _sink;
        private BoardPair? _pair;
        private bool _toldOversize;

        /// <param name="seals">The board's sealed channel: a report is always sealed, the exporter refuses anything else.</param>
        public BoardMetricsReporter(WatchdogCore core, BoardCounters counters, TopicTree topics, string board, string firmware, int intervalMs, SealedChannel seals, IBoardSink sink)
        {
            _core = core;
            _counters = counters;
            _topic = topics.BoardMetrics(board);
            _board = board;
            _firmware = firmware;
            IntervalMs = intervalMs;
            _seals = seals;
            _sink = sink;
        }

        public int IntervalMs { get; }

        /// <summary>Filled in by the caller before each Publish.</summary>
        public RuntimeFigures Runtime { get; } = new RuntimeFigures();

        /// <summary>Reports published, and reports not published because they exceeded the protocol's payload limit.</summary>
        public long Published { get; private set; }
        public long Oversize { get; private set; }

        /// <summary>This board is one of a pair: the report says its place in it.</summary>
        public void UsePair(BoardPair pair)
        {
            _pair = pair;
        }

        /// <summary>Builds, seals and queues one report; false (logged once) when it is larger than a reader accepts.</summary>
        public bool Publish(long wallClockMs)
        {
            byte[] body = MessageCodec.Encode(Build(wallClockMs));
            if (body.Length > JsonLimits.Default.MaxBytes - 512)
            {
                // The seal adds about 200 bytes; a reader refuses anything over the limit whole.
                Oversize++;
                if (!_toldOversize)
                {
                    _toldOversize = true;
                    _sink.Log("metrics report of " + body.Length.ToString() + " bytes is over the protocol's limit: not published (too many channels, groups or event kinds for one message)");
                }

                return false;
            }

            _sink.Publish(_topic, _seals.Seal(_topic, body, wallClockMs), false);
            Published++;
            return true;
        }

        /// <summary>The report as it stands now.</summary>
        public BoardMetricsReport Build(long wallClockMs)
        {
            WatchdogCore core = _core;
            BoardMetricsReport r = new BoardMetricsReport();
            r.Board = _board;
            r.Firmware = _firmware;
            r.IntervalMs = IntervalMs;
            r.UptimeMs = Runtime.UptimeMs;
            r.Settled = core.Settled;
            r.SettleLeftMs = core.SettleLeftMs < 0 ? 0 : core.SettleLeftMs;
            r.Epoch = core.Epoch;
            r.MqttConnected = Runtime.MqttConnected;
            r.TickWorstLateMs = Runtime.TickWorstLateMs;
            r.TickStalls = Runtime.TickStalls;
            r.MessagesRefused = Runtime.MessagesRefused;
            r.OutboxDropped = core.Output.DroppedTotal;
            if (_pair != null)
            {
                r.Pair = _pair.State;
                r.Peer = _pair.Peer;
                r.PeerInSync = _pair.PeerInSync;
                r.PeerHeartbeat = _pair.PeerHeartbeat;
                r.PeerLink = _pair.PeerLink;
            }

            r.BucketBoundsMs = BoardCounters.BucketBoundsMs;
            r.Channels = new ChannelFigures[core.ChannelCount];
            for (int i = 0; i < r.Channels.Length; i++)
            {
                r.Channels[i] = ChannelOf(core, i);
            }

            r.Groups = new GroupFigures[core.GroupCount];
            for (int g = 0; g < r.Groups.Length; g++)
            {
                r.Groups[g] = GroupOf(core.Group(g));
            }

            r.Events = new EventCount[_counters.EventKindCount];
            for (int e = 0; e < r.Events.Length; e++)
            {
                r.Events[e] = _counters.EventKind(e);
            }

            r.Timestamp = wallClockMs;
            return r;
        }

        private ChannelFigures ChannelOf(WatchdogCore core, int i)
        {
            ChannelView v = core.Channel(i);
            ChannelFigures c = new ChannelFigures();
            c.Channel = v.Name;
            c.Node = v.Node;
            c.State = v.State;
            c.Verdict = v.Verdict;
            c.HeartbeatAgeMs = v.HeartbeatAgeTicks * core.Config.Timing.TickMs;
            c.SuspicionPercent = v.SuspicionPercent < 0 ? 0 : v.SuspicionPercent;
            c.HeartbeatEdges = v.HeartbeatEdgesInWindow;
            c.PowerGood = new bool[core.Config.Channels[i].PowerGoodInputs];
            for (int k = 0; k < c.PowerGood.Length; k++) { c.PowerGood[k] = v.PowerGood(k); }
            c.Link = new bool[core.Config.Channels[i].LinkInputs];
            for (int k = 0; k < c.Link.Length; k++) { c.Link[k] = v.Link(k); }
            c.Outputs = i < core.Output.RelayCount ? OutputsOf(core.Output.Relay(i).Mask) : new string[0];
            c.Ready = v.Ready;
            c.ConfirmedOut = v.ConfirmedOut;
            c.Quiet = v.Quiet;
            c.LadderStep = v.LadderIndex;
            c.LadderAttempts = v.AttemptsInWindow;
            NodeCounts? n = _counters.FindNode(v.Node);
            if (n != null)
            {
                c.Fences = n.Fences;
                c.Resets = n.Resets;
                c.PowerCycles = n.PowerCycles;
                c.FenceMsSum = n.FenceDurations.SumMs;
                c.FenceBuckets = n.FenceDurations.Buckets();
            }

            return c;
        }

        private GroupFigures GroupOf(GroupView v)
        {
            GroupFigures g = new GroupFigures();
            g.Group = v.Name;
            g.Epoch = v.Epoch;
            g.Phase = (int)v.Phase;
            g.ActiveMembers = v.ActiveCount;
            g.SiteTicket = v.SiteTicket;
            g.TicketHeld = v.SiteTicket && v.TicketHeld;
            g.Members = new MemberFigures[v.MemberCount];
            for (int m = 0; m < g.Members.Length; m++)
            {
                MemberFigures f = new MemberFigures();
                f.Node = v.Member(m);
                f.Role = v.GrantedRole(m);
                f.CountsAsActive = v.CountsAsActive(m);
                g.Members[m] = f;
            }

            GroupCounts? c = _counters.FindGroup(v.Name);
            if (c != null)
            {
                g.RoleChanges = c.RoleChanges;
                g.Failovers = c.Failovers;
                g.FailoverMsSum = c.FailoverDurations.SumMs;
                g.FailoverBuckets = c.FailoverDurations.Buckets();
            }

            return g;
        }

        private static string[] OutputsOf(int mask)
        {
            int count = 0;
            for (int b = 0; b < OutputNames.Length; b++) { if ((mask & (1 << b)) != 0) { count++; } }
            string[] words = new string[count];
            int w = 0;
            for (int b = 0; b < OutputNames.Length; b++) { if ((mask & (1 << b)) != 0) { words[w++] = OutputNames[b]; } }
            return words;
        }
    }
}
