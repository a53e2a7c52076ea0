using Watchdog.Protocol.Wire;

namespace Watchdog.Protocol.Messages
{
    // The board's metrics on MQTT (board/<board>/metrics): what the Linux board serves to
    // Prometheus itself, published periodically so a board without an HTTP server (the ESP32)
    // can be scraped through `watchdogctl exporter`. Durations in ms, as everywhere on the wire.

    /// <summary>
    /// Sent on board/&lt;board&gt;/metrics (never retained), sealed by the board's key: the board's
    /// gauges read from its core when published, and its counters since it started.
    /// </summary>
    public sealed class BoardMetricsReport
    {
        public string Board { get; set; } = "";
        public string Firmware { get; set; } = "";

        /// <summary>How often the board publishes this message: a reader counts it stale after three intervals.</summary>
        public int IntervalMs { get; set; }
        public long UptimeMs { get; set; }
        public bool Settled { get; set; }
        public long SettleLeftMs { get; set; }
        public long Epoch { get; set; }
        public bool MqttConnected { get; set; }
        public double TickWorstLateMs { get; set; }
        public long TickStalls { get; set; }
        public long MessagesRefused { get; set; }
        public long OutboxDropped { get; set; }
        public PairState Pair { get; set; } = PairState.Authority;
        public string Peer { get; set; } = "";
        public bool PeerInSync { get; set; }
        public bool PeerHeartbeat { get; set; }
        public bool PeerLink { get; set; }

        /// <summary>The upper bounds (ms) of the duration histograms' buckets, ascending; a last bucket above them all is implied.</summary>
        public long[] BucketBoundsMs { get; set; } = new long[0];
        public ChannelFigures[] Channels { get; set; } = new ChannelFigures[0];
        public GroupFigures[] Groups { get; set; } = new GroupFigures[0];
        public EventCount[] Events { get; set; } = new EventCount[0];
        public long Timestamp { get; set; }
    }

    /// <summary>One channel of a BoardMetricsReport: its wires and state now, and what was done to its node since start.</summary>
    public sealed class ChannelFigures
    {
        public string Channel { get; set; } = "";
        public string Node { get; set; } = "";
        public ChannelState State { get; set; }
        public Verdict Verdict { get; set; }
        public long HeartbeatAgeMs { get; set; }

        /// <summary>Heartbeat silence in percent of the expected interval (100 = one interval late).</summary>
        public int SuspicionPercent { get; set; }
        public int HeartbeatEdges { get; set; }
        public bool[] PowerGood { get; set; } = new bool[0];
        public bool[] Link { get; set; } = new bool[0];

        /// <summary>Asserted outputs: any of "reset", "power", "fence", "role" (as in ChannelReading).</summary>
        public string[] Outputs { get; set; } = new string[0];
        public bool Ready { get; set; }
        public bool ConfirmedOut { get; set; }
        public bool Quiet { get; set; }

        /// <summary>The ladder step running or next (0-based); -1 when no ladder runs.</summary>
        public long LadderStep { get; set; } = -1;
        public int LadderAttempts { get; set; }
        public long Fences { get; set; }
        public long Resets { get; set; }
        public long PowerCycles { get; set; }

        /// <summary>Sum of the timed fences (ms); FenceBuckets holds how many fell in each bucket, empty when none was timed.</summary>
        public long FenceMsSum { get; set; }
        public long[] FenceBuckets { get; set; } = new long[0];
    }

    /// <summary>One group of a BoardMetricsReport: its arbiter now, and its role changes since start.</summary>
    public sealed class GroupFigures
    {
        public string Group { get; set; } = "";
        public long Epoch { get; set; }

        /// <summary>The arbiter's phase, an index into WireWords.AllGroupPhases().</summary>
        public int Phase { get; set; }
        public int ActiveMembers { get; set; }
        public bool SiteTicket { get; set; }
        public bool TicketHeld { get; set; }
        public MemberFigures[] Members { get; set; } = new MemberFigures[0];
        public long RoleChanges { get; set; }
        public long Failovers { get; set; }

        /// <summary>Sum of the timed failovers (ms); FailoverBuckets as ChannelFigures.FenceBuckets.</summary>
        public long FailoverMsSum { get; set; }
        public long[] FailoverBuckets { get; set; } = new long[0];
    }

    /// <summary>One member of a group: the role last granted, and whether it may act as active now.</summary>
    public sealed class MemberFigures
    {
        public string Node { get; set; } = "";
        public NodeRole Role { get; set; }
        public bool CountsAsActive { get; set; }
    }

    /// <summary>How many events of one kind and severity the board published since start.</summary>
    public sealed class EventCount
    {
        public string Kind { get; set; } = "";
        public Severity Severity { get; set; }
        public long Count { get; set; }
    }
}
