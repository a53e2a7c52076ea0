using Watchdog.Firmware.Core;
using Watchdog.Protocol.Messages;
using Watchdog.Protocol.Wire;

namespace Watchdog.Firmware.Glue
{
    /// <summary>
    /// Told each thing BoardCounters counts, as it counts it: the Linux board's Prometheus
    /// counters and histograms follow the same decisions this way. Called on the tick thread.
    /// </summary>
    public interface IBoardCountsListener
    {
        void EventPublished(string kind, Severity severity);

        /// <summary>A node's channel entered fenced; timed is false when the failure's start is unknown.</summary>
        void Fenced(string node, bool timed, long durationMs);

        /// <summary>action is "reset" or "power_cycle".</summary>
        void LadderAction(string node, string action);

        void RoleChanged(string group);

        /// <summary>A member was granted active because the active one failed; timed as Fenced.</summary>
        void FailedOver(string group, bool timed, long durationMs);
    }

    /// <summary>
    /// Counts what the core reports having done, from the messages of each output it hands the
    /// glue (events and group roles): the one home of these counts, shared by the Linux board
    /// (its Prometheus endpoint, through IBoardCountsListener) and the ESP32 app (its metrics
    /// report on MQTT, through BoardMetricsReporter). The core keeps no counters of its own.
    /// A failure starts at the first suspect, failed or failure event of a node after it was last
    /// healthy; a fence and a failover are timed from there to the event or roles message that
    /// completes them. A board that restarted mid-failure does not know the start and times
    /// nothing. Runs on the tick thread only; the tables grow with the names seen (the nodes and
    /// groups of the configuration, the event kinds of the core) and never shrink.
    /// </summary>
    public sealed class BoardCounters
    {
        /// <summary>The duration histograms' bucket bounds in ms: fence confirmation is a few hundred ms, a failover over a demotion ack seconds.</summary>
        public static readonly long[] BucketBoundsMs = { 100, 250, 500, 1000, 2000, 5000, 10000, 30000, 60000, 120000 };

        private const string FailoverPrefix = "failover: ";
        private const string Promoted = " becomes active";

        private NodeCounts[] _nodes = new NodeCounts[4];
        private int _nodeCount;
        private GroupCounts[] _groups = new GroupCounts[4];
        private int _groupCount;
        private EventCount[] _events = new EventCount[16];
        private int _eventCount;
        private IBoardCountsListener? _listener;

        /// <summary>Told of every count as it is made (the Linux board's Prometheus metrics); one at most.</summary>
        public void Listen(IBoardCountsListener listener)
        {
            _listener = listener;
        }

        public int NodeCount { get { return _nodeCount; } }
        public NodeCounts Node(int i) { return _nodes[i]; }
        public int GroupCount { get { return _groupCount; } }
        public GroupCounts Group(int i) { return _groups[i]; }
        public int EventKindCount { get { return _eventCount; } }
        public EventCount EventKind(int i) { return _events[i]; }

        /// <summary>The counts of a node, or null when nothing was counted for it yet.</summary>
        public NodeCounts? FindNode(string node)
        {
            for (int i = 0; i < _nodeCount; i++)
            {
                if (_nodes[i].Node == node) { return _nodes[i]; }
            }

            return null;
        }

        /// <summary>The counts of a group, or null when nothing was counted for it yet.</summary>
        public GroupCounts? FindGroup(string group)
        {
            for (int i = 0; i < _groupCount; i++)
            {
                if (_groups[i].Group == group) { return _groups[i]; }
            }

            return null;
        }

        /// <summary>Reads one output of Tick or Step after the glue carried it out.</summary>
        public void Observe(CoreOutput output)
        {
            for (int i = 0; i < output.Count; i++)
            {
                object m = output.Entry(i).Message;
                if (m is EventMessage) { OnEvent((EventMessage)m); }
                else if (m is GroupRoles) { OnRoles((GroupRoles)m); }
            }
        }

        private void OnEvent(EventMessage e)
        {
            CountEvent(e.Kind, e.Severity);
            if (_listener != null) { _listener.EventPublished(e.Kind, e.Severity); }

            string k = e.Kind;
            if (k == "state-suspect" || k == "state-failed" || k == "failure")
            {
                NodeCounts n = NodeOf(e.Node);
                if (n.FailingSinceMs < 0) { n.FailingSinceMs = e.Timestamp; }
            }
            else if (k == "state-healthy")
            {
                NodeOf(e.Node).FailingSinceMs = -1;
            }
            else if (k == "state-fenced")
            {
                NodeCounts n = NodeOf(e.Node);
                n.Fences++;
                bool timed = n.FailingSinceMs >= 0;
                long ms = timed ? NonNegative(e.Timestamp - n.FailingSinceMs) : 0;
                if (timed) { n.FenceDurations.Observe(ms); }
                if (_listener != null) { _listener.Fenced(e.Node, timed, ms); }
            }
            else if (k == "reset-pulse")
            {
                NodeOf(e.Node).Resets++;
                if (_listener != null) { _listener.LadderAction(e.Node, "reset"); }
            }
            else if (k == "power-cycle")
            {
                NodeOf(e.Node).PowerCycles++;
                if (_listener != null) { _listener.LadderAction(e.Node, "power_cycle"); }
            }
        }

        private void OnRoles(GroupRoles r)
        {
            // The roles topic is republished with the same epoch; a change is a new epoch.
            GroupCounts g = GroupOf(r.Group);
            if (g.LastEpoch >= 0 && r.Epoch <= g.LastEpoch)
            {
                return;
            }

            g.LastEpoch = r.Epoch;
            g.RoleChanges++;
            if (_listener != null) { _listener.RoleChanged(r.Group); }
            if (!r.Reason.StartsWith(FailoverPrefix) || !r.Reason.EndsWith(Promoted))
            {
                return;
            }

            g.Failovers++;
            string rest = r.Reason.Substring(FailoverPrefix.Length);
            int space = rest.IndexOf(' ');
            NodeCounts? failed = FindNode(space < 0 ? rest : rest.Substring(0, space));
            bool timed = failed != null && failed.FailingSinceMs >= 0;
            long ms = timed ? NonNegative(r.Timestamp - failed!.FailingSinceMs) : 0;
            if (timed) { g.FailoverDurations.Observe(ms); }
            if (_listener != null) { _listener.FailedOver(r.Group, timed, ms); }
        }

        private void CountEvent(string kind, Severity severity)
        {
            for (int i = 0; i < _eventCount; i++)
            {
                if (_events[i].Kind == kind && _events[i].Severity == severity)
                {
                    _events[i].Count++;
                    return;
                }
            }

            if (_eventCount == _events.Length)
            {
                EventCount[] more = new EventCount[_eventCount * 2];
                System.Array.Copy(_events, more, _eventCount);
                _events = more;
            }

            EventCount e = new EventCount();
            e.Kind = kind;
            e.Severity = severity;
            e.Count = 1;
            _events[_eventCount++] = e;
        }

        private NodeCounts NodeOf(string node)
        {
            NodeCounts? found = FindNode(node);
            if (found != null) { return found; }
            if (_nodeCount == _nodes.Length)
            {
                NodeCounts[] more = new NodeCounts[_nodeCount * 2];
                System.Array.Copy(_nodes, more, _nodeCount);
                _nodes = more;
            }

            NodeCounts n = new NodeCounts(node);
            _nodes[_nodeCount++] = n;
            return n;
        }

        private GroupCounts GroupOf(string group)
        {
            GroupCounts? found = FindGroup(group);
            if (found != null) { return found; }
            if (_groupCount == _groups.Length)
            {
                GroupCounts[] more = new GroupCounts[_groupCount * 2];
                System.Array.Copy(_groups, more, _groupCount);
                _groups = more;
            }

            GroupCounts g = new GroupCounts(group);
            _groups[_groupCount++] = g;
            return g;
        }

        private static long NonNegative(long ms)
        {
            return ms < 0 ? 0 : ms;
        }
    }

    /// <summary>What BoardCounters counted for one node.</summary>
    public sealed class NodeCounts
    {
        public NodeCounts(string node)
        {
            Node = node;
        }

        public string Node { get; }
        public long Fences { get; internal set; }
        public long Resets { get; internal set; }
        public long PowerCycles { get; internal set; }
        public DurationCounts FenceDurations { get; } = new DurationCounts();

        /// <summary>Wall clock (ms) of the first sign of the node's current failure; -1 while healthy or unknown.</summary>
        internal long FailingSinceMs { get; set; } = -1;
    }

    /// <summary>What BoardCounters counted for one group.</summary>
    public sealed class GroupCounts
    {
        public GroupCounts(string group)
        {
            Group = group;
        }

        public string Group { get; }
        public long RoleChanges { get; internal set; }
        public long Failovers { get; internal set; }
        public DurationCounts FailoverDurations { get; } = new DurationCounts();
        internal long LastEpoch { get; set; } = -1;
    }

    /// <summary>A histogram of durations over BoardCounters.BucketBoundsMs: a count per bucket (the last above every bound) and the sum.</summary>
    public sealed class DurationCounts
    {
        private readonly long[] _buckets = new long[BoardCounters.BucketBoundsMs.Length + 1];

        public long Count { get; private set; }
        public long SumMs { get; private set; }

        /// <summary>A copy of the per-bucket counts (not cumulative); empty while nothing was observed, to keep the report short.</summary>
        public long[] Buckets()
        {
            if (Count == 0) { return new long[0]; }
            long[] copy = new long[_buckets.Length];
            System.Array.Copy(_buckets, copy, _buckets.Length);
            return copy;
        }

        internal void Observe(long ms)
        {
            int i = 0;
            while (i < BoardCounters.BucketBoundsMs.Length && ms > BoardCounters.BucketBoundsMs[i])
            {
                i++;
            }

            _buckets[i]++;
            Count++;
            SumMs += ms;
        }
    }
}
