using Watchdog.Firmware.Core.Config;
using Watchdog.Protocol.Messages;
using Watchdog.Protocol.Topics;
using Watchdog.Protocol.Wire;

namespace Watchdog.Firmware.Core
{
    /// <summary>
    /// What the channel units, arbiters and the command desk share: timing, the tick count, the
    /// board's epoch counter, and the outbox with its preallocated message objects (rings sized
    /// to the outbox, so one output never reuses an object twice).
    /// </summary>
    internal sealed class CoreContext
    {
        private readonly EventMessage[] _events;
        private readonly Grant[] _grants;
        private readonly AgentRequest[] _requests;
        private int _nextEvent;
        private int _nextGrant;
        private int _nextRequest;
        private long _requestSeq;

        public CoreContext(BoardConfig config, long persistedEpoch, CoreOutput output)
        {
            Config = config;
            Timing = new TickTiming(config);
            Output = output;
            Epoch = persistedEpoch;
            PersistedAtStart = persistedEpoch;
            int capacity = output.Capacity;
            _events = new EventMessage[capacity];
            _grants = new Grant[capacity];
            _requests = new AgentRequest[capacity];
            for (int i = 0; i < capacity; i++)
            {
                _events[i] = new EventMessage();
                _grants[i] = new Grant();
                _requests[i] = new AgentRequest();
            }
        }

        public BoardConfig Config { get; }

        public TickTiming Timing { get; }

        public CoreOutput Output { get; }

        /// <summary>Ticks since the core was created (the first Tick makes it 1).</summary>
        public long Now { get; set; }

        /// <summary>The wall clock of the current call, only for timestamps.</summary>
        public long WallMs { get; set; }

        /// <summary>The highest epoch this board has issued or seen; survives restarts through EpochToPersist.</summary>
        public long Epoch { get; private set; }

        /// <summary>
        /// The epoch persisted before this start (0 on a fresh board), or, on a board of a pair that
        /// took authority, the ceiling it made durable: the highest epoch a grant may have gone out
        /// with that this board did not issue itself (GroupArbiter.Settle's claims count from it).
        /// </summary>
        public long PersistedAtStart { get; private set; }

        /// <summary>A board of a pair took authority: its predecessor may have issued any epoch up to <paramref name="floor"/>.</summary>
        public void ContinueAbove(long floor)
        {
            Adopt(floor);
            if (floor > PersistedAtStart)
            {
                PersistedAtStart = floor;
            }
        }

        public bool BoardGraceOver { get { return Now >= Timing.BoardBootGrace; } }

        /// <summary>A member was commissioned (heard for the first time ever) in this call.</summary>
        public bool CommissioningChanged { get; set; }

        /// <summary>Milliseconds until BoardGraceOver (0 once it is).</summary>
        public long BoardGraceLeftMs { get { return BoardGraceOver ? 0 : (Timing.BoardBootGrace - Now) * (long)Timing.TickMs; } }

        /// <summary>The next epoch, strictly above every epoch issued or seen; the glue persists it before publishing.</summary>
        public long NextEpoch()
        {
            Epoch++;
            Output.EpochToPersist = Epoch;
            return Epoch;
        }

        /// <summary>A member reported an epoch above ours (our store was lost): move above it, durably.</summary>
        public void Adopt(long epoch)
        {
            if (epoch > Epoch)
            {
                Epoch = epoch;
                Output.EpochToPersist = epoch;
            }
        }

        // A full outbox: the message is counted as dropped, and the ring's objects already in the
        // outbox stay untouched.
        private bool DroppedAsFull()
        {
            if (!Output.Full)
            {
                return false;
            }

            Output.Add(TopicKind.Event, "", "", false);
            return true;
        }

        // The ring slot to use now; the next call gets the one after it.
        private static int Take(ref int next, int length)
        {
            int slot = next;
            next = (next + 1) % length;
            return slot;
        }

        public void Event(string kind, Severity severity, string node, string group, string detail)
        {
            if (DroppedAsFull())
            {
                return;
            }

            EventMessage e = _events[Take(ref _nextEvent, _events.Length)];
            e.Source = Config.Board;
            e.Kind = kind;
            e.Severity = severity;
            e.Node = node;
            e.Group = group;
            e.Epoch = Epoch;
            e.Detail = detail;
            e.Timestamp = WallMs;
            Output.Add(TopicKind.Event, Config.Board, e, false);
        }

        public void Grant(string group, string node, NodeRole role, long epoch, string reason)
        {
            if (DroppedAsFull())
            {
                return;
            }

            Grant g = _grants[Take(ref _nextGrant, _grants.Length)];
            g.Group = group;
            g.Node = node;
            g.Role = role;
            g.Epoch = epoch;
            g.Reason = reason;
            g.Timestamp = WallMs;
            Output.Add(TopicKind.NodeGrant, node, g, true);
        }

        public void Request(string node, AgentRequestKind kind, string reason)
        {
            if (DroppedAsFull())
            {
                return;
            }

            AgentRequest r = _requests[Take(ref _nextRequest, _requests.Length)];
            _requestSeq++;
            r.Id = Config.Board + "-" + _requestSeq.ToString();
            r.Node = node;
            r.Kind = kind;
            r.Epoch = Epoch;
            r.Reason = reason;
            r.Timestamp = WallMs;
            Output.Add(TopicKind.NodeRequest, node, r, false);
        }
    }
}
