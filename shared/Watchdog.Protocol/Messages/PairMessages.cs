using Watchdog.Protocol.Wire;

namespace Watchdog.Protocol.Messages
{
    /// <summary>
    /// One frame on the board-to-board data link (a UART pair, or a socket pair on the virtual
    /// rack), never on MQTT. Each board sends one at least every link period and at once when its
    /// state or ceiling changes. The authority hands epochs to the passive board as a ceiling
    /// (synchronous replication: it uses no epoch above the ceiling the passive has made durable
    /// while the pair is in sync); the passive answers with the ceiling it has persisted.
    /// </summary>
    public sealed class PairFrame
    {
        /// <summary>The sending board's name.</summary>
        public string From { get; set; } = "";

        /// <summary>Counts the sender's frames since it started (1, 2, ...).</summary>
        public long Seq { get; set; }

        public PairState State { get; set; }

        /// <summary>The sender's epoch counter (the highest epoch it issued, saw or made durable).</summary>
        public long Epoch { get; set; }

        /// <summary>
        /// From the authority: the highest epoch it asks to be allowed to use. From a passive board:
        /// the highest ceiling it has made durable (its acknowledgement).
        /// </summary>
        public long Ceiling { get; set; }

        /// <summary>The last Seq the sender heard from its peer (0: none yet).</summary>
        public long AckSeq { get; set; }

        /// <summary>From the authority: whether it counts the passive board in sync. From a passive board: whether it believes it is.</summary>
        public bool PeerInSync { get; set; }

        public long Timestamp { get; set; }
    }
}
