namespace Watchdog.Firmware.Core.Config
{
    /// <summary>
    /// The "pair" section: this board shares the rack with a second board, and only one of the two
    /// holds authority (drives the servers' wires, grants roles, answers commands). Absent for a
    /// board that runs alone. Times in milliseconds; BoardPair converts them to ticks once.
    /// docs/safety-rules.md ("Two boards") says why each one is what it is.
    /// </summary>
    public sealed class PairConfig
    {
        /// <summary>The other board's name.</summary>
        public string Peer { get; set; } = "";

        /// <summary>Exactly one board of a pair: it takes authority when both boot together.</summary>
        public bool Preferred { get; set; }

        /// <summary>Our pair heartbeat output changes level once per period.</summary>
        public int HeartbeatPeriodMs { get; set; } = 20;

        /// <summary>No edge on the peer's heartbeat for this long: that wire is silent.</summary>
        public int PeerTimeoutMs { get; set; } = 80;

        /// <summary>A frame goes to the peer at least this often.</summary>
        public int LinkPeriodMs { get; set; } = 20;

        /// <summary>No frame from the peer for this long: the data link is silent.</summary>
        public int LinkTimeoutMs { get; set; } = 100;

        /// <summary>A passive board waits this long, both paths silent, before it holds the authority in reset; the authority waits half of it before holding a silent passive.</summary>
        public int PriorityDelayMs { get; set; } = 200;

        /// <summary>The peer's reset is held this long, both paths staying silent, before authority is taken.</summary>
        public int ConfirmMs { get; set; } = 100;

        /// <summary>
        /// After a fenced peer is released: the time it has to come back as passive before it is held
        /// in reset for good. Longer than the board's own boot (a Linux board takes many seconds).
        /// </summary>
        public int PeerBootGraceMs { get; set; } = 30000;

        /// <summary>How many epochs ahead the authority reserves with the passive board.</summary>
        public int EpochBlock { get; set; } = 64;
    }
}
