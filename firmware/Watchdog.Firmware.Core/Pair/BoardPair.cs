using Watchdog.Firmware.Core.Config;
using Watchdog.Protocol.Messages;
using Watchdog.Protocol.Wire;

namespace Watchdog.Firmware.Core.Pair
{
    /// <summary>
    /// Which board of a pair holds authority: a plain object with no I/O, no clock and no threads,
    /// like WatchdogCore. The glue calls Tick every tick with the edges counted on the peer's
    /// heartbeat wire, hands every frame from the data link to Receive, makes CeilingToPersist
    /// durable and reports it with Persisted, drives HeartbeatLevel and PeerReset, sends Frame when
    /// it is not null, publishes Events, and ticks WatchdogCore only while IsAuthority.
    ///
    /// The rules (docs/safety-rules.md, "Two boards"):
    /// - The peer failed only when both of its paths are silent: its heartbeat wire and the link.
    ///   One path silent is a wire fault: said, never acted on.
    /// - The authority holds a silent passive in reset after half of PriorityDelayMs; a passive
    ///   waits all of it, so when both are alive and cut off from each other the authority wins.
    /// - A passive takes authority only after holding the peer in reset for ConfirmMs with both
    ///   paths staying silent, and only when in sync: the authority hands it every epoch it may use
    ///   (a ceiling, made durable here before it is acknowledged) before using it. The new
    ///   authority continues above that ceiling.
    /// </summary>
    public sealed partial class BoardPair
    {
        private const int MaxEvents = 8;

        private readonly string _self;
        private readonly PairConfig _cfg;
        private readonly int _tickMs;
        private readonly long _heartbeatPeriod;
        private readonly long _peerTimeout;
        private readonly long _linkPeriod;
        private readonly long _linkTimeout;
        private readonly long _priorityDelay;
        private readonly long _confirm;
        private readonly long _peerBootGrace;
        private readonly long _bootListen;
        private readonly EventMessage[] _events = new EventMessage[MaxEvents];
        private readonly PairFrame _frame = new PairFrame();
        private readonly PairFrame _peer = new PairFrame();
        private int _eventCount;
        private long _wallMs;

        private long _now;
        private long _lastEdge = -1;
        private long _lastFrame = -1;
        private bool _heardFrame;
        private long _nextToggle;
        private long _seq;
        private long _lastSent = long.MinValue / 2;
        private bool _sendNow = true;

        private long _holdStart = -1;
        private bool _holdForGood;
        private bool _saidIneffective;
        private long _releasedAt = -1;

        private long _silentSince = -1;
        private bool _mayTakeOver;
        private bool _bootedAlone;

        private long _durable;
        private long _pendingPersist;
        private long _requested;
        private long _requestedAt;
        private long _acked;
        private bool _syncedAtLastFrame;
        private bool _syncChanged;
        private bool _saidHeartbeat = true;
        private bool _saidLink = true;

        /// <param name="self">This board's name (frames carry it).</param>
        /// <param name="config">The "pair" section (validated with the board's configuration).</param>
        /// <param name="tickMs">The board's tick.</param>
        /// <param name="durableEpoch">The epoch in durable storage at start: the floor this board continues above.</param>
        public BoardPair(string self, PairConfig config, int tickMs, long durableEpoch)
        {
            if (config == null) { throw new System.ArgumentNullException(nameof(config)); }
            if (tickMs <= 0) { throw new System.ArgumentOutOfRangeException(nameof(tickMs)); }
            _self = self;
            _cfg = config;
            _tickMs = tickMs;
            _heartbeatPeriod = Ticks(config.HeartbeatPeriodMs, tickMs);
            _peerTimeout = Ticks(config.PeerTimeoutMs, tickMs);
            _linkPeriod = Ticks(config.LinkPeriodMs, tickMs);
            _linkTimeout = Ticks(config.LinkTimeoutMs, tickMs);
            _priorityDelay = Ticks(config.PriorityDelayMs, tickMs);
            _confirm = Ticks(config.ConfirmMs, tickMs);
            _peerBootGrace = Ticks(config.PeerBootGraceMs, tickMs);
            // Long enough to hear a running peer's frame (it sends one every link period).
            _bootListen = _linkTimeout + _linkPeriod;
            _durable = durableEpoch;
            State = PairState.Booting;
            for (int i = 0; i < MaxEvents; i++) { _events[i] = new EventMessage(); }
        }

        public PairState State { get; private set; }

        /// <summary>Only then may the board drive a server's wires, grant roles or answer commands.</summary>
        public bool IsAuthority { get { return State == PairState.Authority; } }

        public string Peer { get { return _cfg.Peer; } }

        /// <summary>The level of our heartbeat output to the peer.</summary>
        public bool HeartbeatLevel { get; private set; }

        /// <summary>Whether the peer's reset line is to be asserted now.</summary>
        public bool PeerReset { get { return _holdStart >= 0; } }

        /// <summary>The frame to send on the link after this tick, or null.</summary>
        public PairFrame? Frame { get; private set; }

        /// <summary>A ceiling to make durable (the glue's epoch store), then report with Persisted; 0 when none.</summary>
        public long CeilingToPersist { get { return _pendingPersist > _durable ? _pendingPersist : 0; } }

        /// <summary>The epoch this board's core must continue above once it holds authority.</summary>
        public long EpochFloor { get { return _durable; } }

        /// <summary>
        /// True when this board took authority after booting without hearing its peer on either
        /// path: its floor is only its own durable epoch, and the core's epoch from sealed evidence
        /// (as for a replaced board) is what lifts it above anything the peer used.
        /// </summary>
        public bool AuthorityUnsynced { get; private set; }

        /// <summary>The authority: the passive is in sync (may take over). A passive: it is.</summary>
        public bool PeerInSync { get; private set; }

        /// <summary>The peer's heartbeat wire carries edges now.</summary>
        public bool PeerHeartbeat { get { return _lastEdge >= 0 && _now - _lastEdge < _peerTimeout; } }

        /// <summary>The data link brought a frame recently.</summary>
        public bool PeerLink { get { return _lastFrame >= 0 && _now - _lastFrame < _linkTimeout; } }

        public int EventCount { get { return _eventCount; } }

        public EventMessage Event(int index) { return _events[index]; }

        /// <summary>Ticks so far.</summary>
        public long Now { get { return _now; } }

        /// <summary>
        /// One tick. <paramref name="peerHeartbeatEdges"/>: edges on the peer's heartbeat wire since
        /// the last tick. <paramref name="coreEpoch"/>: WatchdogCore.Epoch (the authority reserves
        /// ceilings above it).
        /// </summary>
        public void Tick(int peerHeartbeatEdges, long coreEpoch, long wallClockMs)
        {
            _now++;
            _eventCount = 0;
            _wallMs = wallClockMs;
            Frame = null;
            if (peerHeartbeatEdges > 0) { _lastEdge = _now; }
            if (_now >= _nextToggle)
            {
                HeartbeatLevel = !HeartbeatLevel;
                _nextToggle = _now + _heartbeatPeriod;
            }

            if (_syncChanged)
            {
                // Frames and persists arrive between ticks; their consequences (and events) are judged here.
                _syncChanged = false;
                NoteSync();
            }

            bool heartbeat = PeerHeartbeat;
            bool link = PeerLink;
            NotePaths(heartbeat, link);
            if (State == PairState.Booting) { TickBooting(heartbeat); }
            else if (State == PairState.Passive) { TickPassive(heartbeat, link); }
            else if (State == PairState.Confirming) { TickConfirming(heartbeat, link); }
            else { TickAuthority(heartbeat, link, coreEpoch); }

            if (_now - _lastSent >= _linkPeriod || _sendNow)
            {
                FillFrame(coreEpoch);
            }
        }

        /// <summary>A frame from the data link (the glue decoded it). Frames from anyone but the peer are ignored.</summary>
        public void Receive(PairFrame frame)
        {
            if (frame == null || frame.From != _cfg.Peer) { return; }
            _peer.From = frame.From;
            _peer.Seq = frame.Seq;
            _peer.State = frame.State;
            _peer.Epoch = frame.Epoch;
            _peer.Ceiling = frame.Ceiling;
            _peer.AckSeq = frame.AckSeq;
            _peer.PeerInSync = frame.PeerInSync;
            _peer.Timestamp = frame.Timestamp;
            _lastFrame = _now;
            _heardFrame = true;
            if (frame.State == PairState.Authority && State != PairState.Authority)
            {
                if (frame.Ceiling > _durable && frame.Ceiling > _pendingPersist) { _pendingPersist = frame.Ceiling; }
                _syncChanged = true;
            }
            else if (frame.State == PairState.Passive && State == PairState.Authority && frame.Ceiling > _acked)
            {
                _acked = frame.Ceiling;
            }
        }

        /// <summary>The glue made <paramref name="ceiling"/> durable: it may be acknowledged now.</summary>
        public void Persisted(long ceiling)
        {
            if (ceiling > _durable) { _durable = ceiling; }
            if (_pendingPersist <= _durable) { _pendingPersist = 0; }
            _sendNow = true;
            _syncChanged = true;
        }

        private static long Ticks(int ms, int tickMs)
        {
            return (ms + tickMs - 1) / tickMs;
        }
    }
}
