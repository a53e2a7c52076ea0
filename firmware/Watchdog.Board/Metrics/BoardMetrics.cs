using System.Diagnostics;
using Prometheus;
using Watchdog.Board.Hosting;
using Watchdog.Firmware.Core;
using Watchdog.Metrics;
using Watchdog.Mqtt;
using Watchdog.Protocol.Wire;

namespace Watchdog.Board.Metrics;

/// <summary>
/// The board's Prometheus metrics (names in docs/operations.md, "Metrics"). Gauges are read from
/// the core's views, the pair and the runtime when a scrape asks, on the HTTP thread: each value
/// is one word the tick thread writes, so a scrape may see one tick half applied, never a torn
/// number, and the tick loop never waits on a scraper. Counters of what happened (fences,
/// failovers, events) come from <see cref="BoardEventCounters"/>, which follows the glue's BoardCounters.
/// </summary>
public sealed class BoardMetrics
{
    private static readonly string[] ChannelLabels = ["channel", "node"];
    private static readonly string[] RelayNames = ["reset", "power", "fence", "role"];

    private readonly BoardParts _parts;
    private readonly BoardRuntime _runtime;
    private readonly MqttLink _link;
    private readonly long _started = Stopwatch.GetTimestamp();

    private readonly Gauge _info, _uptime, _settled, _settleLeft, _epoch, _mqttConnected, _scrapeDuration, _tickWorstLate;
    private readonly Counter _tickStalls, _tickCollections, _refused, _outboxDropped;
    private readonly CollectionCounter _collections;
    private readonly StateGauge _channelState, _channelVerdict, _groupPhase, _groupRole, _pairState;
    private readonly Gauge _heartbeatAge, _heartbeatSuspicion, _heartbeatEdges, _powerGood, _link1, _relay;
    private readonly Gauge _ready, _confirmedOut, _quiet, _ladderStep, _ladderAttempts;
    private readonly Gauge _groupEpoch, _groupActive, _groupCountsAsActive, _ticketHeld;
    private readonly Gauge _peerInSync, _peerHeartbeat, _peerLink;

    public BoardMetrics(BoardParts parts, BoardRuntime runtime, MqttLink link)
    {
        _parts = parts;
        _runtime = runtime;
        _link = link;
        Registry = Prometheus.Metrics.NewCustomRegistry();
        MetricFactory f = Prometheus.Metrics.WithCustomRegistry(Registry);
        Events = new BoardEventCounters(f);

        _info = f.CreateGauge("watchdog_board_info", "Always 1; the labels name the board, its firmware and cluster.", ["board", "firmware", "cluster"]);
        _uptime = f.CreateGauge("watchdog_board_uptime_seconds", "Seconds since the board process started.");
        _settled = f.CreateGauge("watchdog_board_settled", "1 once the board's boot grace is over (it grants and fences only then).");
        _settleLeft = f.CreateGauge("watchdog_board_settle_remaining_seconds", "Seconds of boot grace left; 0 once settled.");
        _epoch = f.CreateGauge("watchdog_board_epoch", "The board's epoch: the highest role-change number it issued (made durable first).");
        _mqttConnected = f.CreateGauge("watchdog_board_mqtt_connected", "1 while the board's MQTT link is connected to a broker.");
        _scrapeDuration = f.CreateGauge("watchdog_board_scrape_duration_seconds", "Seconds this scrape took to read the board's state.");
        _tickWorstLate = f.CreateGauge("watchdog_board_tick_worst_late_seconds", "The latest tick since the board started, in seconds behind its schedule.");
        _tickStalls = f.CreateCounter("watchdog_board_tick_stalls_total", "Ticks a full period or more late (the core's time paused).");
        // A collection stops every thread, the tick's too: how many ran, and how many the tick thread ran itself.
        _collections = new CollectionCounter(f, "watchdog_board_gc_collections_total", "board");
        _tickCollections = f.CreateCounter("watchdog_board_gc_tick_collections_total", "Young collections the tick thread ran itself after a tick's work, at its priority; the rest ran on whichever thread allocated past the budget.");
        _refused = f.CreateCounter("watchdog_board_messages_refused_total", "MQTT messages the board refused (seal, decoding, freshness).");
        _outboxDropped = f.CreateCounter("watchdog_board_outbox_dropped_total", "Messages the core's outbox dropped because it was full.");

        string[] states = Enum.GetValues<ChannelState>().Select(WireWords.Of).ToArray();
        string[] verdicts = Enum.GetValues<Verdict>().Select(WireWords.Of).ToArray();
        _channelState = new StateGauge(f, "watchdog_channel_state", "1 for the state the board's wires show the channel's server in, 0 for the others.", ChannelLabels, states);
        _channelVerdict = new StateGauge(f, "watchdog_channel_verdict", "1 for the channel's current failure verdict (none when healthy), 0 for the others.", ChannelLabels, verdicts, "verdict");
        _heartbeatAge = f.CreateGauge("watchdog_channel_heartbeat_age_seconds", "Seconds since the last heartbeat edge on the channel's wire (its lateness).", ChannelLabels);
        _heartbeatSuspicion = f.CreateGauge("watchdog_channel_heartbeat_suspicion_ratio", "Heartbeat silence in expected heartbeat intervals (1 = one interval late); the hard timeout decides, not this.", ChannelLabels);
        _heartbeatEdges = f.CreateGauge("watchdog_channel_heartbeat_edges", "Heartbeat edges counted in the last heartbeat-timeout window.", ChannelLabels);
        _powerGood = f.CreateGauge("watchdog_channel_power_good", "Debounced level of a power-good input (1 high).", [.. ChannelLabels, "input"]);
        _link1 = f.CreateGauge("watchdog_channel_link", "Debounced level of a link input (1 up).", [.. ChannelLabels, "input"]);
        _relay = f.CreateGauge("watchdog_channel_relay", "1 while the board asserts the output (reset, power, fence, role) on the channel.", [.. ChannelLabels, "relay"]);
        _ready = f.CreateGauge("watchdog_channel_ready", "1 while the node's agent says it may be promoted.", ChannelLabels);
        _confirmedOut = f.CreateGauge("watchdog_channel_confirmed_out", "1 while the node is confirmed unable to act (reset held or powered off).", ChannelLabels);
        _quiet = f.CreateGauge("watchdog_channel_quiet", "1 while the channel is in a boot grace or maintenance (nothing is done to it).", ChannelLabels);
        _ladderStep = f.CreateGauge("watchdog_channel_ladder_step", "The escalation ladder step running or next (0-based); -1 when no ladder runs.", ChannelLabels);
        _ladderAttempts = f.CreateGauge("watchdog_channel_ladder_attempts", "Wire actions (reset, power cycle) inside the current cap window.", ChannelLabels);

        _groupEpoch = f.CreateGauge("watchdog_group_epoch", "The epoch of the group's latest role change (0 before the first).", ["group"]);
        _groupActive = f.CreateGauge("watchdog_group_active_members", "Members of the group that count as active now.", ["group"]);
        _groupPhase = new StateGauge(f, "watchdog_group_phase", "1 for what the group's arbiter is doing now, 0 for the rest.", ["group"],
            Enum.GetValues<GroupPhase>().Select(p => p.ToString().ToLowerInvariant()).ToArray(), "phase");
        _groupRole = new StateGauge(f, "watchdog_group_role", "1 for the role last granted to the member, 0 for the others.", ["group", "node"],
            Enum.GetValues<NodeRole>().Select(WireWords.Of).ToArray(), "role");
        _groupCountsAsActive = f.CreateGauge("watchdog_group_member_counts_as_active", "1 while the member may act as active (granted and not yet demoted or confirmed out).", ["group", "node"]);
        _ticketHeld = f.CreateGauge("watchdog_group_site_ticket_held", "1 while this site holds the group's site ticket (groups with a site ticket only).", ["group"]);

        _pairState = new StateGauge(f, "watchdog_pair_state", "1 for this board's place in its pair (authority, passive, ...), 0 for the others. A board without a peer is authority.", ["peer"],
            Enum.GetValues<PairState>().Select(WireWords.Of).ToArray());
        _peerInSync = f.CreateGauge("watchdog_pair_peer_in_sync", "1 while the pair is in sync (the passive board may take over).", ["peer"]);
        _peerHeartbeat = f.CreateGauge("watchdog_pair_peer_heartbeat", "1 while the peer board's heartbeat wire moves.", ["peer"]);
        _peerLink = f.CreateGauge("watchdog_pair_peer_link", "1 while the data link to the peer board carries frames.", ["peer"]);

        _info.WithLabels(parts.Config.Board, "watchdog-board/" + typeof(BoardRuntime).Assembly.GetName().Version, parts.Config.Cluster).Set(1);
        Registry.AddBeforeCollectCallback(Collect);
        runtime.Counters.Listen(Events);
    }

    /// <summary>The registry the endpoint serves (and tests read).</summary>
    public CollectorRegistry Registry { get; }

    public BoardEventCounters Events { get; }

    private void Collect()
    {
        long start = Stopwatch.GetTimestamp();
        WatchdogCore core = _parts.Core;
        int tickMs = core.Config.Timing.TickMs;
        _uptime.Set(Stopwatch.GetElapsedTime(_started).TotalSeconds);
        _settled.Set(core.Settled ? 1 : 0);
        _settleLeft.Set(Math.Max(0, core.SettleLeftMs) / 1000.0);
        _epoch.Set(core.Epoch);
        _mqttConnected.Set(_link.IsConnected ? 1 : 0);
        _tickWorstLate.Set(_runtime.WorstLateMs / 1000.0);
        _tickStalls.IncTo(_runtime.TickStalls);
        _tickCollections.IncTo(_runtime.TickCollections);
        _collections.Update();

        _refused.IncTo(_runtime.MessagesRefused);
        _outboxDropped.IncTo(core.Output.DroppedTotal);

        for (int i = 0; i < core.ChannelCount; i++)
        {
            ChannelView c = core.Channel(i);
            string[] l = [c.Name, c.Node];
            _channelState.Set(l, WireWords.Of(c.State));
            _channelVerdict.Set(l, WireWords.Of(c.Verdict));
            _heartbeatAge.WithLabels(l).Set(c.HeartbeatAgeTicks * (double)tickMs / 1000.0);
            _heartbeatSuspicion.WithLabels(l).Set(c.SuspicionPercent / 100.0);
            _heartbeatEdges.WithLabels(l).Set(c.HeartbeatEdgesInWindow);
            for (int k = 0; k < core.Config.Channels[i].PowerGoodInputs; k++)
            {
                _powerGood.WithLabels(c.Name, c.Node, k.ToString(System.Globalization.CultureInfo.InvariantCulture)).Set(c.PowerGood(k) ? 1 : 0);
            }

            for (int k = 0; k < core.Config.Channels[i].LinkInputs; k++)
            {
                _link1.WithLabels(c.Name, c.Node, k.ToString(System.Globalization.CultureInfo.InvariantCulture)).Set(c.Link(k) ? 1 : 0);
            }

            if (i < core.Output.RelayCount)
            {
                var r = core.Output.Relay(i);
                bool[] levels = [r.Reset, r.Power, r.Fence, r.Role];
                for (int k = 0; k < RelayNames.Length; k++)
                {
                    _relay.WithLabels(c.Name, c.Node, RelayNames[k]).Set(levels[k] ? 1 : 0);
                }
            }

            _ready.WithLabels(l).Set(c.Ready ? 1 : 0);
            _confirmedOut.WithLabels(l).Set(c.ConfirmedOut ? 1 : 0);
            _quiet.WithLabels(l).Set(c.Quiet ? 1 : 0);
            _ladderStep.WithLabels(l).Set(c.LadderIndex);
            _ladderAttempts.WithLabels(l).Set(c.AttemptsInWindow);
        }

        for (int g = 0; g < core.GroupCount; g++)
        {
            GroupView v = core.Group(g);
            _groupEpoch.WithLabels(v.Name).Set(v.Epoch);
            _groupActive.WithLabels(v.Name).Set(v.ActiveCount);
            _groupPhase.Set([v.Name], v.Phase.ToString().ToLowerInvariant());
            for (int m = 0; m < v.MemberCount; m++)
            {
                _groupRole.Set([v.Name, v.Member(m)], WireWords.Of(v.GrantedRole(m)));
                _groupCountsAsActive.WithLabels(v.Name, v.Member(m)).Set(v.CountsAsActive(m) ? 1 : 0);
            }

            if (v.SiteTicket)
            {
                _ticketHeld.WithLabels(v.Name).Set(v.TicketHeld ? 1 : 0);
            }
        }

        CollectPair();
        _scrapeDuration.Set(Stopwatch.GetElapsedTime(start).TotalSeconds);
    }

    private void CollectPair()
    {
        if (_parts.Pair is not { } pair)
        {
            _pairState.Set([""], WireWords.Of(PairState.Authority));
            return;
        }

        string[] l = [pair.Peer];
        _pairState.Set(l, WireWords.Of(pair.State));
        _peerInSync.WithLabels(l).Set(pair.PeerInSync ? 1 : 0);
        _peerHeartbeat.WithLabels(l).Set(pair.PeerHeartbeat ? 1 : 0);
        _peerLink.WithLabels(l).Set(pair.PeerLink ? 1 : 0);
    }
}
