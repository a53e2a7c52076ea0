using Watchdog.Firmware.Core;
using Watchdog.Firmware.Core.Pair;
using Watchdog.Protocol.Json;
using Watchdog.Protocol.Messages;
using Watchdog.Protocol.Topics;

namespace Watchdog.Firmware.Glue
{
    /// <summary>
    /// Binds a BoardPair to its wires and its data link, once per tick before the core: frames in,
    /// the pair's tick, its ceiling made durable before it is acknowledged, its wires driven, its
    /// frame out, its events published. The core runs only while the pair says this board holds
    /// authority; the first tick with authority lifts the core to the pair's epoch floor. The ESP32
    /// app and the Linux board share it.
    /// </summary>
    public sealed class PairGlue
    {
        private readonly BoardPair _pair;
        private readonly WatchdogCore _core;
        private readonly ChannelWiring _wiring;
        private readonly IPairLink _link;
        private readonly TopicTree _topics;
        private readonly IBoardSink _sink;
        private bool _wasAuthority;

        public PairGlue(BoardPair pair, WatchdogCore core, ChannelWiring wiring, IPairLink link, TopicTree topics, IBoardSink sink)
        {
            _pair = pair;
            _core = core;
            _wiring = wiring;
            _link = link;
            _topics = topics;
            _sink = sink;
        }

        public BoardPair Pair { get { return _pair; } }

        /// <summary>Frames from the link that could not be decoded (noise on a UART, a foreign sender).</summary>
        public long BadFrames { get; private set; }

        /// <summary>True in the tick this board took authority (the runtime hands the core what it kept meanwhile).</summary>
        public bool TookAuthority { get; private set; }

        /// <summary>False once a ceiling could not be made durable: the board must stop, as for an epoch.</summary>
        public bool Healthy { get; private set; } = true;

        /// <summary>One tick of the pair; returns whether the core may run this tick.</summary>
        public bool Tick(long wallClockMs)
        {
            for (byte[]? data = _link.Receive(); data != null; data = _link.Receive())
            {
                PairFrame? frame;
                CodecError? error;
                if (MessageCodec.TryDecode(data, out frame, out error) && frame != null)
                {
                    _pair.Receive(frame);
                }
                else if (++BadFrames == 1 || BadFrames % 1000 == 0)
                {
                    _sink.Log("pair link: " + BadFrames.ToString() + " frame(s) could not be read, the last: " + (error == null ? "unknown error" : error.ToString()));
                }
            }

            _pair.Tick(_wiring.TakePeerHeartbeatEdges(), _core.Epoch, wallClockMs);
            long ceiling = _pair.CeilingToPersist;
            if (ceiling > 0)
            {
                if (!_sink.PersistEpoch(ceiling, _core.Output.Commissioned))
                {
                    // Never acknowledge a ceiling that is not durable: the authority would count on it.
                    Healthy = false;
                    _sink.Log("epoch ceiling " + ceiling.ToString() + " could not be made durable: stopping");
                    return false;
                }

                _pair.Persisted(ceiling);
            }

            _wiring.SetPairOutputs(_pair.HeartbeatLevel, _pair.PeerReset);
            PairFrame? outgoing = _pair.Frame;
            if (outgoing != null)
            {
                _link.Send(MessageCodec.Encode(outgoing));
            }

            for (int i = 0; i < _pair.EventCount; i++)
            {
                EventMessage e = _pair.Event(i);
                _sink.Publish(_topics.Event(e.Source), MessageCodec.Encode(e), false);
                _sink.Log("pair: " + e.Kind + ": " + e.Detail);
            }

            _core.DescribePair(_pair.State, _pair.Peer, _pair.PeerInSync, _pair.PeerHeartbeat, _pair.PeerLink);
            bool authority = _pair.IsAuthority;
            TookAuthority = authority && !_wasAuthority;
            if (TookAuthority)
            {
                _core.ContinueAbove(_pair.EpochFloor);
            }
            else if (!authority && _wasAuthority)
            {
                // Yielded (never by design; BoardPair says when): stop driving at once.
                _wiring.ReleaseAll();
            }

            _wasAuthority = authority;
            return authority;
        }
    }
}
