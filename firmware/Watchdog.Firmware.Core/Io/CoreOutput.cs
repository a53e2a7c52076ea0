namespace Watchdog.Firmware.Core
{
    /// <summary>
    /// What the glue must do after one Tick or Step. The same object is returned every time and
    /// is valid until the next call into the core.
    ///
    /// Ordering rules (the glue must follow them, in this order, before the next call):
    /// 1. If EpochToPersist is not 0, write it to durable storage, together with Commissioned in
    ///    the same record, and wait until it is durable.
    ///    If that fails, publish nothing from this output and stop the board (reboot): a grant
    ///    whose epoch could be reused after a restart breaks safety rule 3.
    ///    If LadderChanged, write Ladder to durable storage too, before the relays (the next
    ///    start hands it to WatchdogCore.RestoreLadder). A failure there is logged and the board
    ///    goes on: it only matters if the board restarts during a power cycle or a failing
    ///    node's ladder.
    /// 2. Drive every channel's relays to Relay(i) (levels, not edges; do it every time, even
    ///    when nothing changed, so a glitched pin is corrected).
    /// 3. Publish Entry(0) .. Entry(Count - 1) in index order (grants of a demotion come before
    ///    the promotion that follows in the same output).
    /// </summary>
    public sealed class CoreOutput
    {
        private readonly RelayLevels[] _relays;
        private readonly OutboxEntry[] _entries;

        internal CoreOutput(int channels, int capacity)
        {
            _relays = new RelayLevels[channels];
            for (int i = 0; i < channels; i++)
            {
                _relays[i] = new RelayLevels();
            }

            _entries = new OutboxEntry[capacity];
            for (int i = 0; i < capacity; i++)
            {
                _entries[i] = new OutboxEntry();
            }
        }

        /// <summary>The epoch to make durable before anything else; 0 when there is none.</summary>
        public long EpochToPersist { get; internal set; }

        /// <summary>
        /// The channels this board has ever heard (the commissioning record), separated by spaces,
        /// kept durable with every epoch (the next start hands it to WatchdogCore.RestoreCommissioned).
        /// Only a commissioned member can have been granted a role: one that is not, and stays
        /// silent through the board's grace, is absent (no reset, no power action, no role).
        /// Always the whole current set; it changes only when a member is heard for the first time.
        /// </summary>
        public string Commissioned { get; internal set; } = "";

        /// <summary>True when Ladder changed in this output and must be written.</summary>
        public bool LadderChanged { get; private set; }

        /// <summary>
        /// What the ladders must remember across a board restart, one entry per fact, separated by
        /// spaces (a channel name holds none): "cycling:&lt;channel&gt;" for a power cycle under way,
        /// "&lt;ms&gt;,&lt;ms&gt;:&lt;channel&gt;" for the wall-clock times of its wire actions in the
        /// cap window. "" when there is nothing to remember. The glue stores it as it is.
        /// </summary>
        public string Ladder { get; private set; } = "";

        /// <summary>Messages to publish in this output.</summary>
        public int Count { get; private set; }

        /// <summary>Messages that did not fit in the outbox this time (periodic readings resend state; events are lost and counted).</summary>
        public int Dropped { get; private set; }

        /// <summary>Total dropped messages since the core was created.</summary>
        public long DroppedTotal { get; private set; }

        public int Capacity { get { return _entries.Length; } }

        internal bool Full { get { return Count >= _entries.Length; } }

        public int RelayCount { get { return _relays.Length; } }

        /// <summary>The output levels of channel <paramref name="channel"/> (config order).</summary>
        public RelayLevels Relay(int channel) { return _relays[channel]; }

        public OutboxEntry Entry(int index)
        {
            if (index < 0 || index >= Count)
            {
                throw new System.ArgumentOutOfRangeException(nameof(index), "outbox has " + Count.ToString() + " entries");
            }

            return _entries[index];
        }

        internal void Clear()
        {
            for (int i = 0; i < Count; i++)
            {
                _entries[i].Message = "";
            }

            EpochToPersist = 0;
            LadderChanged = false;
            Count = 0;
            Dropped = 0;
        }

        internal void SetLadder(string entries)
        {
            Ladder = entries;
            LadderChanged = true;
        }

        internal bool Add(Protocol.Topics.TopicKind topic, string name, object message, bool retained)
        {
            if (Count >= _entries.Length)
            {
                Dropped++;
                DroppedTotal++;
                return false;
            }

            OutboxEntry entry = _entries[Count++];
            entry.Topic = topic;
            entry.Name = name;
            entry.Message = message;
            entry.Retained = retained;
            return true;
        }
    }
}
