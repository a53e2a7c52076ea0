using System.Diagnostics;
using Watchdog.Board.Persistence;
using Watchdog.Board.Sites;
using Watchdog.Firmware.Core;
using Watchdog.Firmware.Glue;
using Watchdog.Mqtt;
using Watchdog.Platform.Runtime;
using Watchdog.Protocol.Json;
using Watchdog.Protocol.Messages;
using Watchdog.Protocol.Topics;
using Watchdog.Protocol.Wire;

namespace Watchdog.Board.Hosting;

/// <summary>
/// The running board: the tick loop on its own thread (monotonic schedule, see TickClock) and the
/// MQTT link on the thread pool, joined only by lock-free queues. Each tick: drain received
/// messages into the core (Step), sample the wires, Tick, then carry out the output (epoch to disk
/// first, relays, publishes). The loop never waits on the broker.
/// </summary>
public sealed class BoardRuntime : IBoardSink
{
    private readonly BoardParts _parts;
    private readonly MqttLink _link;
    private readonly InboundQueue _received;
    private readonly EpochFile _epochFile;
    private readonly LadderFile _ladderFile;
    private readonly SystemdNotifier _systemd;
    private readonly InboundDispatcher _inbound;
    private readonly RefusalReporter _refusals;
    private readonly CoreGlue _glue;
    private readonly PairGlue? _pair;
    private readonly RetainedInbox? _kept;
    private readonly SiteTickets? _tickets;
    private readonly BoardStatus _status = new();
    private readonly long _startTimestamp = Stopwatch.GetTimestamp();

    /// <summary>How often the tick statistics line is logged by default (--stats-interval-ms).</summary>
    public const int DefaultStatsIntervalMs = 60_000;

    /// <summary>How often the tick statistics line is logged: a bench reads a steady window's tick lateness from it.</summary>
    public int StatsIntervalMs { get; init; } = DefaultStatsIntervalMs;

    /// <summary>A stall at least this long gets a log line of its own.</summary>
    public const int StallLogMs = 100;

    private BoardMetricsReporter? _report;
    private long _lastPersisted;
    private string? _lastCommissioned;
    private TickClock? _clock;
    private readonly RealTimeCollector _collector = new();

    public BoardRuntime(BoardParts parts, MqttLink link, InboundQueue received, EpochFile epochFile, SystemdNotifier systemd, SiteTickets? tickets = null)
    {
        _tickets = tickets;
        _parts = parts;
        _link = link;
        _received = received;
        _epochFile = epochFile;
        _ladderFile = new LadderFile(epochFile.StateDirectory);
        _systemd = systemd;
        _lastPersisted = parts.Core.Epoch;
        _inbound = new InboundDispatcher(parts.Topics, parts.Core, parts.Seals, BoardLoader.MaxClockSkewMs);
        _refusals = new RefusalReporter(parts.Topics, parts.Config.Board, parts.Core, this);
        _glue = new CoreGlue(parts.Core, parts.Wiring, parts.PinChannelOfConfig, new OutboxEncoder(parts.Topics, parts.Config.Board, parts.Seals), this);
        _status.Board = parts.Config.Board;
        _status.Presence = Presence.Ready;
        _status.Firmware = "watchdog-board/" + typeof(BoardRuntime).Assembly.GetName().Version;
        _status.Channels = parts.Config.Channels.Length;
        if (parts.Pair is not null && parts.PairLink is not null)
        {
            _pair = new PairGlue(parts.Pair, parts.Core, parts.Wiring, parts.PairLink, parts.Topics, this);
            _kept = new RetainedInbox(parts.Topics, 4 * parts.Config.Channels.Length + 8);
        }
    }

    /// <summary>
    /// What the core reported having done (fences, failovers, events), counted on the tick thread
    /// after the glue carried out each output of Tick or Step; the Prometheus metrics listen to it
    /// and the metrics report reads it.
    /// </summary>
    public BoardCounters Counters { get; } = new();

    /// <summary>Ticks a full period or more late since the loop started (read from any thread).</summary>
    public long TickStalls => _clock?.Stalls ?? 0;

    /// <summary>The latest tick since the loop started, in ms behind its schedule.</summary>
    public double WorstLateMs => _clock?.WorstLateMs ?? 0;

    /// <summary>Young collections the tick thread ran itself after a tick's work (RealTimeCollector; read from any thread).</summary>
    public long TickCollections => _collector.Collections;

    /// <summary>Messages refused since start (seal, decoding, freshness).</summary>
    public long MessagesRefused => _refusals.Total;

    /// <summary>
    /// Publishes the sealed metrics report every <paramref name="intervalMs"/> (--metrics-mqtt-interval-ms),
    /// as the ESP32 app does. Call before Run; false with a sentence when the board has no key to seal it with.
    /// </summary>
    public bool EnableMetricsReport(int intervalMs, out string error)
    {
        error = "";
        if (_parts.Seals is not { } seals || seals.SigningKeyId.Length == 0)
        {
            error = $"--metrics-mqtt-interval-ms: the report is sealed with the board's key and --cluster-key-file holds no key of board '{_parts.Config.Board}'";
            return false;
        }

        _report = new BoardMetricsReporter(_parts.Core, Counters, _parts.Topics, _parts.Config.Board, _status.Firmware, intervalMs, seals, this);
        if (_parts.Pair is { } pair)
        {
            _report.UsePair(pair);
        }

        return true;
    }

    /// <summary>The presence word retained on board/&lt;board&gt;/status while we run; the will replaces it with "lost".</summary>
    public static byte[] PresenceWord(Presence p) => MessageCodec.EncodePresence(p);

    /// <summary>Runs ticks until <paramref name="stop"/>; returns the process exit code.</summary>
    public int Run(int statusIntervalMs, CancellationToken stop)
    {
        int tickMs = _parts.Config.Timing.TickMs;
        var clock = new TickClock(tickMs);
        _clock = clock;
        long ticks = 0;
        long nextStatus = 0;
        long nextReport = 0;
        long nextWatchdog = 0;
        long statsEvery = Math.Max(1, StatsIntervalMs / tickMs);
        long nextStats = statsEvery;
        long stallsAtLastStats = 0;
        long watchdogEvery = _systemd.WatchdogInterval is { } w ? Math.Max(1, (long)w.TotalMilliseconds / tickMs) : long.MaxValue;
        _link.Publish(_parts.Topics.BoardStatus(_parts.Config.Board), PresenceWord(Presence.Ready), retain: true);
        _systemd.Ready();
        Log($"board '{_parts.Config.Board}' running: {_parts.Config.Channels.Length} channel(s), tick {tickMs} ms, epoch {_parts.Core.Epoch}, gpio {_parts.Gpio.Description}");

        while (!stop.IsCancellationRequested)
        {
            long skipped = clock.WaitNext(stop);
            if (stop.IsCancellationRequested)
            {
                break;
            }

            if (skipped * tickMs >= StallLogMs)
            {
                // Shorter stalls (a tick a period late on a loaded machine) are counted in the
                // minute's statistics line instead: one line each would flood the log.
                Log($"tick loop stalled: {skipped} ticks ({skipped * tickMs} ms) skipped; the core's time paused with the process");
            }

            long wall = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            if (!TickPair(wall, out bool authority))
            {
                return 3;
            }

            DrainInbound(Environment.TickCount64, wall, authority);
            _tickets?.Apply(_parts.Core);
            if (authority)
            {
                _glue.Tick(wall);
                Applied(_parts.Core.Output);
            }

            if (!_glue.Healthy)
            {
                return 3;
            }

            _parts.Wiring.FeedExternalWatchdog();
            ticks++;
            if (ticks >= nextStatus)
            {
                PublishStatus(wall);
                nextStatus = ticks + Math.Max(1, statusIntervalMs / tickMs);
            }

            if (_report is not null && ticks >= nextReport)
            {
                PublishReport(wall);
                nextReport = ticks + Math.Max(1, _report.IntervalMs / tickMs);
            }

            if (ticks >= nextStats)
            {
                // One line a minute: operators see a loaded board before it misses a heartbeat window.
                Log($"ticks: {statsEvery} in {StatsIntervalMs / 1000.0:0.#} s, worst late {clock.TakeWindowWorstLateMs():F1} ms, "
                    + $"start lateness {clock.TakeWindowLateness()}, "
                    + $"{clock.Stalls - stallsAtLastStats} a period or more late (skipped), {clock.Stalls} since start, "
                    + $"mqtt {(_link.IsConnected ? "connected" : "away")}, {_parts.Core.Output.DroppedTotal} outbox drop(s), {_refusals.Total} message(s) refused"
                    + (_tickets is null ? "" : "; " + _tickets.Summary()));
                stallsAtLastStats = clock.Stalls;
                nextStats = ticks + statsEvery;
            }

            if (ticks >= nextWatchdog)
            {
                _systemd.Watchdog();
                nextWatchdog = ticks + watchdogEvery;
            }

            // After the tick's work, with the rest of the tick to spare, at this thread's priority:
            // not on an MQTT or HTTP thread that a loaded machine sets aside while every thread waits.
            _collector.CollectIfDue();
        }

        Log($"stopping after {ticks} ticks (worst late tick {clock.WorstLateMs:F1} ms, {clock.Stalls} a period or more late, {clock.Skipped} tick(s) skipped)");
        return 0;
    }

    public bool PersistEpoch(long epoch, string commissioned)
    {
        if (epoch < _lastPersisted || (epoch == _lastPersisted && commissioned == _lastCommissioned))
        {
            return true;
        }

        try
        {
            _epochFile.Save(epoch, commissioned);
            _lastPersisted = epoch;
            _lastCommissioned = commissioned;
            _tickets?.NoteEpoch(epoch);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Log($"cannot persist epoch {epoch} to {_epochFile.FilePath}: {e.Message}");
            return false;
        }
    }

    public bool PersistLadder(string entries)
    {
        try
        {
            _ladderFile.Save(entries);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Log($"cannot persist the ladder record to {_ladderFile.FilePath}: {e.Message}");
            return false;
        }
    }

    public void Publish(string topic, byte[] payload, bool retain) => _link.Publish(topic, payload, retain);

    public void Log(string line) => BoardLog.Write(line);

    // A board alone always holds authority. A board of a pair ticks its pair first; in the tick it
    // takes authority, the core gets the node states it kept meanwhile, as a restarted board would.
    private bool TickPair(long wall, out bool authority)
    {
        authority = true;
        if (_pair is null)
        {
            return true;
        }

        authority = _pair.Tick(wall);
        if (!_pair.Healthy)
        {
            return false;
        }

        if (_pair.TookAuthority && _kept is not null)
        {
            Log($"authority taken: the core continues above epoch {_parts.Pair!.EpochFloor}, with {_kept.Count} kept node state(s)");
            for (int i = 0; i < _kept.Count; i++)
            {
                Dispatch(_kept.Topic(i), _kept.Payload(i), Environment.TickCount64, wall);
            }

            _kept.Clear();
        }

        return true;
    }

    /// <param name="now">Monotonic ms for the refusal events' rate limit (the ESP32 loop passes the same clock).</param>
    private void DrainInbound(long now, long wall, bool authority)
    {
        // Bounded per tick so a flood of messages cannot stretch one tick.
        for (int i = 0; i < 64 && _received.TryTake(out MqttInbound message); i++)
        {
            if (!authority)
            {
                // A passive board's core does not run: it keeps what a restarted board would be handed.
                _kept?.Offer(message.Topic, message.Payload);
                continue;
            }

            Dispatch(message.Topic, message.Payload, now, wall);
        }

        _refusals.Flush(now, wall);
    }

    private void Dispatch(string topic, byte[] payload, long now, long wall)
    {
        CoreOutput? output = _inbound.Dispatch(topic, payload, wall);
        if (output is not null)
        {
            _glue.Apply(output);
            Applied(output);
        }
        else if (_inbound.Refused)
        {
            _refusals.Refused(_inbound.RefusedKind, _inbound.RefusedExpected, topic, _inbound.RefusedNode, _inbound.RefusedReason, now, wall);
        }
    }

    private void Applied(CoreOutput output)
    {
        Counters.Observe(output);
    }

    private void PublishReport(long wall)
    {
        RuntimeFigures r = _report!.Runtime;
        r.UptimeMs = (long)Stopwatch.GetElapsedTime(_startTimestamp).TotalMilliseconds;
        r.MqttConnected = _link.IsConnected;
        r.TickWorstLateMs = WorstLateMs;
        r.TickStalls = TickStalls;
        r.MessagesRefused = MessagesRefused;
        _report.Publish(wall);
    }

    private void PublishStatus(long wall)
    {
        _status.Epoch = _parts.Core.Epoch;
        _status.UptimeMs = (long)Stopwatch.GetElapsedTime(_startTimestamp).TotalMilliseconds;
        // The same retained topic as the core's own status: say what the core says about settling.
        _status.Settled = _parts.Core.Settled;
        _status.SettleLeftMs = _parts.Core.SettleLeftMs;
        if (_parts.Pair is { } pair)
        {
            _status.Pair = pair.State;
            _status.Peer = pair.Peer;
            _status.PeerInSync = pair.PeerInSync;
            _status.PeerHeartbeat = pair.PeerHeartbeat;
            _status.PeerLink = pair.PeerLink;
            // A passive board's core has not settled anything: it says so only once it holds authority.
            _status.Settled = pair.IsAuthority && _parts.Core.Settled;
        }

        _status.Timestamp = wall;
        _link.Publish(_parts.Topics.BoardState(_parts.Config.Board), MessageCodec.Encode(_status), retain: true);
    }
}
