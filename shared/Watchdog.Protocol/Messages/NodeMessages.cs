using Watchdog.Protocol.Wire;

namespace Watchdog.Protocol.Messages
{
    // Messages an agent publishes about its server. Timestamps are milliseconds since the Unix
    // epoch (wall clock), so a reader can judge the freshness of a retained value left behind
    // by a broker crash.

    /// <summary>One health check's latest result.</summary>
    public sealed class CheckResult
    {
        public string Name { get; set; } = "";
        public bool Ok { get; set; }
        /// <summary>A required check that fails stops the heartbeat.</summary>
        public bool Required { get; set; }
        /// <summary>A check that gates promotion: while it fails the node is not ready (NodeState.Ready).</summary>
        public bool GatesPromotion { get; set; }
        public string Detail { get; set; } = "";
    }

    /// <summary>Retained on node/&lt;node&gt;/state: the agent's role, epoch and health.</summary>
    public sealed class NodeState
    {
        public string Node { get; set; } = "";
        public string Group { get; set; } = "";
        public NodeRole Role { get; set; }
        public long Epoch { get; set; }
        public Health Health { get; set; }
        /// <summary>
        /// May the board grant this node the active role now? False while a check that gates
        /// promotion fails (a database standby not in sync): the board then never promotes it,
        /// but does not fence it or take the role away when it already holds it. Absent on the
        /// wire reads as true (agents from before the field gate nothing).
        /// </summary>
        public bool Ready { get; set; } = true;
        /// <summary>Why the health or role is what it is, in words for an operator.</summary>
        public string Reason { get; set; } = "";
        /// <summary>True while the agent toggles its heartbeat line.</summary>
        public bool Feeding { get; set; }
        /// <summary>True when the agent has not heard from the board for longer than its timeout.</summary>
        public bool BoardLost { get; set; }
        public CheckResult[] Checks { get; set; } = new CheckResult[0];
        /// <summary>
        /// The sealed grant the role and epoch come from, as it arrived (the payload as text), or ""
        /// when none: evidence the board checks before it believes an epoch it does not know.
        /// </summary>
        public string GrantProof { get; set; } = "";
        public long Seq { get; set; }
        public long Timestamp { get; set; }
    }

    /// <summary>Published on node/&lt;node&gt;/metrics: resource figures from /proc and /sys.</summary>
    public sealed class NodeMetrics
    {
        public string Node { get; set; } = "";
        public double CpuPercent { get; set; }
        public double MemoryPercent { get; set; }
        public double DiskPercent { get; set; }
        public double DiskIoBytesPerSecond { get; set; }
        public double NetRxBytesPerSecond { get; set; }
        public double NetTxBytesPerSecond { get; set; }
        public double Load1 { get; set; }
        /// <summary>Latest application response time in ms; -1 when no HTTP check measures it.</summary>
        public double ResponseMs { get; set; } = -1;
        public long Timestamp { get; set; }
    }

    /// <summary>Published by an agent on node/&lt;node&gt;/grant/ack after carrying out (or failing) a grant.</summary>
    public sealed class GrantAck
    {
        public string Node { get; set; } = "";
        public string Group { get; set; } = "";
        public NodeRole Role { get; set; }
        public long Epoch { get; set; }
        public bool Ok { get; set; }
        public string Detail { get; set; } = "";
        public long Timestamp { get; set; }
    }
}
