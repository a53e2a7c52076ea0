using System;
using System.Threading;
using Watchdog.Firmware.Core;
using Watchdog.Protocol.Json;
using Watchdog.Protocol.Messages;
using Watchdog.Protocol.Signing;
using Watchdog.Protocol.Topics;
using Watchdog.Protocol.Wire;

namespace Watchdog.Firmware.Glue
{
    /// <summary>Received MQTT messages waiting for the tick thread (the device's MQTT glue implements it).</summary>
    public interface IInboundSource
    {
        bool TryTake(out string topic, out byte[] payload);
    }

    /// <summary>Whether the MQTT link is connected now (the device's MQTT session implements it), for the metrics report.</summary>
    public interface ILinkStatus
    {
        bool Connected { get; }
    }

    /// <summary>
    /// The ESP32 app's tick loop: a schedule on Environment.TickCount64 (monotonic; Thread.Sleep
    /// has about 10 ms resolution there, so ticks are 10 ms or more), received messages stepped
    /// into the core (refusals published as events by RefusalReporter), the wires sampled, the output carried out by CoreGlue, the external watchdog
    /// fed and the supervisor told. A tick a full period or more late re-anchors the schedule: the
    /// missed ticks are skipped, never run back to back, because the core counts time in ticks and
    /// a burst would compress what it measures on the wires (a reset counted as held for
    /// fence_confirm_ms before it was, a heartbeat silence the servers never had). As on the
    /// Linux board (TickClock); with Thread.Sleep's coarse resolution here this stretches the
    /// core's timers a little on a busy device, the safe direction.
    /// </summary>
    public sealed class DeviceTickLoop
    {
        private const long UnixEpochTicks = 621355968000000000;

        private readonly WatchdogCore _core;
        private readonly CoreGlue _glue;
        private readonly ChannelWiring _wiring;
        private readonly InboundDispatcher _dispatcher;
        private readonly RefusalReporter _refusals;
        private readonly IInboundSource _inbound;
        private readonly IBoardSink _sink;
        private readonly TickSupervisor _supervisor;
        private readonly BoardStatus _status = new BoardStatus();
        private readonly string _stateTopic;
        private readonly int _tickMs;
        private readonly int _statusEveryTicks;
        private PairGlue? _pair;
        private RetainedInbox? _kept;
        private BoardMetricsReporter? _report;
        private ILinkStatus? _link;
        private bool _stopped;

        public DeviceTickLoop(WatchdogCore core, CoreGlue glue, ChannelWiring wiring, TopicTree topics, string board, int tickMs,
            int statusIntervalMs, IInboundSource inbound, IBoardSink sink, TickSupervisor supervisor, string firmware, SealedChannel? seals)
        {
            _core = core;
            _glue = glue;
            _wiring = wiring;
            _dispatcher = new InboundDispatcher(topics, core, seals, Watchdog.Firmware.Core.ProtocolCommandVerifier.DefaultMaxClockSkewMs);
            _refusals = new RefusalReporter(topics, board, core, sink);
            _inbound = inbound;
            _sink = sink;
            _supervisor = supervisor;
            _tickMs = tickMs;
            _statusEveryTicks = statusIntervalMs / tickMs < 1 ? 1 : statusIntervalMs / tickMs;
            _stateTopic = topics.BoardState(board);
            _status.Board = board;
            _status.Presence = Presence.Ready;
            _status.Firmware = firmware;
            _status.Channels = core.Input.Count;
        }

        /// <summary>
        /// This board is one of a pair: the pair ticks first each tick, and the core runs (and gets
        /// the broker's messages) only while the pair says it holds authority; meanwhile the node
        /// states are kept and handed to the core when it takes authority. Call before Run.
        /// </summary>
        public void UsePair(PairGlue pair, RetainedInbox kept)
        {
            _pair = pair;
            _kept = kept;
        }

        /// <summary>What the core reported having done (fences, failovers, events), counted after each output is carried out.</summary>
        public BoardCounters Counters { get; } = new BoardCounters();

        /// <summary>Ticks a full period or more late (the schedule re-anchored, the missed ticks skipped).</summary>
        public long TickStalls { get; private set; }

        /// <summary>The latest tick since start, in ms behind its schedule.</summary>
        public long WorstLateMs { get; private set; }

        /// <summary>
        /// Publishes the sealed metrics report (built on Counters) every report.IntervalMs, as the
        /// Linux board does with --metrics-mqtt-interval-ms. Call before Run.
        /// </summary>
        public void UseMetricsReport(BoardMetricsReporter report, ILinkStatus link)
        {
            _report = report;
            _link = link;
        }

        /// <summary>Wall clock in ms since the Unix epoch (valid once SNTP has set the clock).</summary>
        public static long WallClockMs()
        {
            return (DateTime.UtcNow.Ticks - UnixEpochTicks) / TimeSpan.TicksPerMillisecond;
        }

        /// <summary>Runs until Stop or until an epoch cannot be persisted (then returns false: reboot).</summary>
        public bool Run()
        {
            long start = Environment.TickCount64;
            long next = start + _tickMs;
            long ticks = 0;
            int reportEveryTicks = _report == null ? 0 : (_report.IntervalMs / _tickMs < 1 ? 1 : _report.IntervalMs / _tickMs);
            if (_report != null && _pair != null)
            {
                _report.UsePair(_pair.Pair);
            }

            while (!_stopped)
            {
                long wait = next - Environment.TickCount64;
                if (wait > 0)
                {
                    Thread.Sleep((int)wait);
                }
                else if (-wait >= _tickMs)
                {
                    next = Environment.TickCount64;
                    TickStalls++;
                }

                if (-wait > WorstLateMs)
                {
                    WorstLateMs = -wait;
                }

                next += _tickMs;
                long wall = WallClockMs();
                long now = Environment.TickCount64;
                bool authority = true;
                if (_pair != null)
                {
                    authority = _pair.Tick(wall);
                    if (!_pair.Healthy)
                    {
                        return false;
                    }

                    if (_pair.TookAuthority && _kept != null)
                    {
                        for (int k = 0; k < _kept.Count; k++) { Dispatch(_kept.Topic(k), _kept.Payload(k), now, wall); }
                        _kept.Clear();
                    }
                }

                string topic;
                byte[] payload;
                for (int i = 0; i < 16 && _inbound.TryTake(out topic, out payload); i++)
                {
                    if (!authority)
                    {
                        if (_kept != null) { _kept.Offer(topic, payload); }
                        continue;
                    }

                    Dispatch(topic, payload, now, wall);
                }

                _refusals.Flush(now, wall);

                if (authority)
                {
                    _glue.Tick(wall);
                    Counters.Observe(_core.Output);
                }

                if (!_glue.Healthy)
                {
                    return false;
                }

                _wiring.FeedExternalWatchdog();
                _supervisor.Beat();
                ticks++;
                if (ticks % _statusEveryTicks == 0)
                {
                    _status.Epoch = _core.Epoch;
                    _status.UptimeMs = Environment.TickCount64 - start;
                    // The same retained topic as the core's own status: say what the core says about settling.
                    _status.Settled = _core.Settled;
                    _status.SettleLeftMs = _core.SettleLeftMs;
                    if (_pair != null)
                    {
                        _status.Pair = _pair.Pair.State;
                        _status.Peer = _pair.Pair.Peer;
                        _status.PeerInSync = _pair.Pair.PeerInSync;
                        _status.PeerHeartbeat = _pair.Pair.PeerHeartbeat;
                        _status.PeerLink = _pair.Pair.PeerLink;
                        _status.Settled = authority && _core.Settled;
                    }

                    _status.Timestamp = wall;
                    _sink.Publish(_stateTopic, MessageCodec.Encode(_status), true);
                }

                if (_report != null && ticks % reportEveryTicks == 0)
                {
                    RuntimeFigures r = _report.Runtime;
                    r.UptimeMs = Environment.TickCount64 - start;
                    r.MqttConnected = _link != null && _link.Connected;
                    r.TickWorstLateMs = WorstLateMs;
                    r.TickStalls = TickStalls;
                    r.MessagesRefused = _refusals.Total;
                    _report.Publish(wall);
                }
            }

            return true;
        }

        private void Dispatch(string topic, byte[] payload, long now, long wall)
        {
            CoreOutput? output = _dispatcher.Dispatch(topic, payload, wall);
            if (output != null)
            {
                _glue.Apply(output);
                Counters.Observe(output);
            }
            else if (_dispatcher.Refused)
            {
                _refusals.Refused(_dispatcher.RefusedKind, _dispatcher.RefusedExpected, topic, _dispatcher.RefusedNode, _dispatcher.RefusedReason, now, wall);
            }
        }

        public void Stop()
        {
            _stopped = true;
        }
    }
}
