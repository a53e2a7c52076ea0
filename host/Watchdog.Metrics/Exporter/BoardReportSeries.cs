using System.Globalization;
using Watchdog.Protocol.Messages;
using Watchdog.Protocol.Wire;

namespace Watchdog.Metrics.Exporter;

/// <summary>
/// One board's metrics report as the series the Linux board's own Prometheus endpoint serves
/// (firmware/Watchdog.Board/Metrics/BoardMetrics.cs): the same names, types and label names, so the
/// Grafana dashboard reads an ESP32 board through the exporter as it reads a Linux board. Not
/// served: watchdog_board_scrape_duration_seconds (about the board's own HTTP scrape, which an
/// ESP32 does not have). Counters of a node or group are served from 0 on, where the Linux board
/// shows a label set only once it counted something.
/// </summary>
public static class BoardReportSeries
{
    private static readonly string[] RelayNames = ["reset", "power", "fence", "role"];
    private static readonly string[] ChannelStates = WireWords.AllChannelStates();
    private static readonly string[] Verdicts = WireWords.AllVerdicts();
    private static readonly string[] Roles = WireWords.AllRoles();
    private static readonly string[] Phases = WireWords.AllGroupPhases();
    private static readonly string[] PairStates = WireWords.AllPairStates();

    public static void Write(ExpositionWriter w, BoardMetricsReport r, string cluster)
    {
        WriteBoard(w, r, cluster);
        WriteChannels(w, r);
        WriteNodeCounters(w, r);
        WriteGroups(w, r);
        WritePair(w, r);
    }

    private static void WriteBoard(ExpositionWriter w, BoardMetricsReport r, string cluster)
    {
        Gauge(w, "watchdog_board_info", "Always 1; the labels name the board, its firmware and cluster.", 1, "board", r.Board, "firmware", r.Firmware, "cluster", cluster);
        Gauge(w, "watchdog_board_uptime_seconds", "Seconds since the board started (when it published its report).", r.UptimeMs / 1000.0);
        Gauge(w, "watchdog_board_settled", "1 once the board's boot grace is over (it grants and fences only then).", r.Settled ? 1 : 0);
        Gauge(w, "watchdog_board_settle_remaining_seconds", "Seconds of boot grace left; 0 once settled.", Math.Max(0, r.SettleLeftMs) / 1000.0);
        Gauge(w, "watchdog_board_epoch", "The board's epoch: the highest role-change number it issued (made durable first).", r.Epoch);
        Gauge(w, "watchdog_board_mqtt_connected", "1 while the board's MQTT link is connected to a broker.", r.MqttConnected ? 1 : 0);
        Gauge(w, "watchdog_board_tick_worst_late_seconds", "The latest tick since the board started, in seconds behind its schedule.", r.TickWorstLateMs / 1000.0);
        Counter(w, "watchdog_board_tick_stalls_total", "Ticks a full period or more late (the core's time paused).", r.TickStalls);
        Counter(w, "watchdog_board_messages_refused_total", "MQTT messages the board refused (seal, decoding, freshness).", r.MessagesRefused);
        Counter(w, "watchdog_board_outbox_dropped_total", "Messages the core's outbox dropped because it was full.", r.OutboxDropped);
        w.Family("watchdog_board_events_total", "counter", "Events the board published, by kind and severity.");
        foreach (EventCount e in r.Events)
        {
            w.Sample("watchdog_board_events_total", e.Count, "kind", e.Kind, "severity", WireWords.Of(e.Severity));
        }
    }

    private static void WriteChannels(ExpositionWriter w, BoardMetricsReport r)
    {
        ChannelFigures[] ch = r.Channels;
        States(w, "watchdog_channel_state", "1 for the state the board's wires show the channel's server in, 0 for the others.", ch, "state", ChannelStates, c => WireWords.Of(c.State));
        States(w, "watchdog_channel_verdict", "1 for the channel's current failure verdict (none when healthy), 0 for the others.", ch, "verdict", Verdicts, c => WireWords.Of(c.Verdict));
        PerChannel(w, "watchdog_channel_heartbeat_age_seconds", "Seconds since the last heartbeat edge on the channel's wire (its lateness).", ch, c => c.HeartbeatAgeMs / 1000.0);
        PerChannel(w, "watchdog_channel_heartbeat_suspicion_ratio", "Heartbeat silence in expected heartbeat intervals (1 = one interval late); the hard timeout decides, not this.", ch, c => c.SuspicionPercent / 100.0);
        PerChannel(w, "watchdog_channel_heartbeat_edges", "Heartbeat edges counted in the last heartbeat-timeout window.", ch, c => c.HeartbeatEdges);
        Inputs(w, "watchdog_channel_power_good", "Debounced level of a power-good input (1 high).", ch, c => c.PowerGood);
        Inputs(w, "watchdog_channel_link", "Debounced level of a link input (1 up).", ch, c => c.Link);
        w.Family("watchdog_channel_relay", "gauge", "1 while the board asserts the output (reset, power, fence, role) on the channel.");
        foreach (ChannelFigures c in ch)
        {
            foreach (string relay in RelayNames)
            {
                w.Sample("watchdog_channel_relay", c.Outputs.Contains(relay), "channel", c.Channel, "node", c.Node, "relay", relay);
            }
        }

        PerChannel(w, "watchdog_channel_ready", "1 while the node's agent says it may be promoted.", ch, c => c.Ready ? 1 : 0);
        PerChannel(w, "watchdog_channel_confirmed_out", "1 while the node is confirmed unable to act (reset held or powered off).", ch, c => c.ConfirmedOut ? 1 : 0);
        PerChannel(w, "watchdog_channel_quiet", "1 while the channel is in a boot grace or maintenance (nothing is done to it).", ch, c => c.Quiet ? 1 : 0);
        PerChannel(w, "watchdog_channel_ladder_step", "The escalation ladder step running or next (0-based); -1 when no ladder runs.", ch, c => c.LadderStep);
        PerChannel(w, "watchdog_channel_ladder_attempts", "Wire actions (reset, power cycle) inside the current cap window.", ch, c => c.LadderAttempts);
    }

    private static void WriteNodeCounters(ExpositionWriter w, BoardMetricsReport r)
    {
        w.Family("watchdog_fences_total", "counter", "Times a node's channel entered the fenced state (held out by the board).");
        foreach (ChannelFigures c in r.Channels)
        {
            w.Sample("watchdog_fences_total", c.Fences, "node", c.Node);
        }

        w.Family("watchdog_ladder_actions_total", "counter", "Wire actions the escalation ladder took on a node.");
        foreach (ChannelFigures c in r.Channels)
        {
            w.Sample("watchdog_ladder_actions_total", c.Resets, "node", c.Node, "action", "reset");
            w.Sample("watchdog_ladder_actions_total", c.PowerCycles, "node", c.Node, "action", "power_cycle");
        }

        w.Family("watchdog_fence_duration_seconds", "histogram", "From the start of a node's failure to its channel being fenced.");
        foreach (ChannelFigures c in r.Channels)
        {
            Histogram(w, "watchdog_fence_duration_seconds", r.BucketBoundsMs, c.FenceBuckets, c.FenceMsSum, "node", c.Node);
        }
    }

    private static void WriteGroups(ExpositionWriter w, BoardMetricsReport r)
    {
        GroupFigures[] gs = r.Groups;
        PerGroup(w, "watchdog_group_epoch", "The epoch of the group's latest role change (0 before the first).", gs, g => g.Epoch);
        PerGroup(w, "watchdog_group_active_members", "Members of the group that count as active now.", gs, g => g.ActiveMembers);
        w.Family("watchdog_group_phase", "gauge", "1 for what the group's arbiter is doing now, 0 for the rest.");
        foreach (GroupFigures g in gs)
        {
            for (int p = 0; p < Phases.Length; p++)
            {
                w.Sample("watchdog_group_phase", g.Phase == p, "group", g.Group, "phase", Phases[p]);
            }
        }

        w.Family("watchdog_group_role", "gauge", "1 for the role last granted to the member, 0 for the others.");
        foreach (GroupFigures g in gs)
        {
            foreach (MemberFigures m in g.Members)
            {
                foreach (string role in Roles)
                {
                    w.Sample("watchdog_group_role", WireWords.Of(m.Role) == role, "group", g.Group, "node", m.Node, "role", role);
                }
            }
        }

        w.Family("watchdog_group_member_counts_as_active", "gauge", "1 while the member may act as active (granted and not yet demoted or confirmed out).");
        foreach (GroupFigures g in gs)
        {
            foreach (MemberFigures m in g.Members)
            {
                w.Sample("watchdog_group_member_counts_as_active", m.CountsAsActive, "group", g.Group, "node", m.Node);
            }
        }

        w.Family("watchdog_group_site_ticket_held", "gauge", "1 while this site holds the group's site ticket (groups with a site ticket only).");
        foreach (GroupFigures g in gs.Where(g => g.SiteTicket))
        {
            w.Sample("watchdog_group_site_ticket_held", g.TicketHeld, "group", g.Group);
        }

        w.Family("watchdog_role_changes_total", "counter", "Role changes of a group (a new epoch with grants for every member).");
        foreach (GroupFigures g in gs)
        {
            w.Sample("watchdog_role_changes_total", g.RoleChanges, "group", g.Group);
        }

        w.Family("watchdog_failovers_total", "counter", "Failovers of a group: another member granted active because the active one failed.");
        foreach (GroupFigures g in gs)
        {
            w.Sample("watchdog_failovers_total", g.Failovers, "group", g.Group);
        }

        w.Family("watchdog_failover_duration_seconds", "histogram", "From the start of the active member's failure to another member granted active.");
        foreach (GroupFigures g in gs)
        {
            Histogram(w, "watchdog_failover_duration_seconds", r.BucketBoundsMs, g.FailoverBuckets, g.FailoverMsSum, "group", g.Group);
        }
    }

    private static void WritePair(ExpositionWriter w, BoardMetricsReport r)
    {
        w.Family("watchdog_pair_state", "gauge", "1 for this board's place in its pair (authority, passive, ...), 0 for the others. A board without a peer is authority.");
        foreach (string state in PairStates)
        {
            w.Sample("watchdog_pair_state", WireWords.Of(r.Pair) == state, "peer", r.Peer, "state", state);
        }

        if (r.Peer.Length == 0)
        {
            return; // the Linux board serves the peer gauges for boards of a pair only
        }

        Gauge(w, "watchdog_pair_peer_in_sync", "1 while the pair is in sync (the passive board may take over).", r.PeerInSync ? 1 : 0, "peer", r.Peer);
        Gauge(w, "watchdog_pair_peer_heartbeat", "1 while the peer board's heartbeat wire moves.", r.PeerHeartbeat ? 1 : 0, "peer", r.Peer);
        Gauge(w, "watchdog_pair_peer_link", "1 while the data link to the peer board carries frames.", r.PeerLink ? 1 : 0, "peer", r.Peer);
    }

    /// <summary>
    /// A histogram from per-bucket counts (not cumulative, the last above every bound): cumulative
    /// "le" buckets in seconds, "+Inf", the sum and the count. No counts: every bucket 0.
    /// </summary>
    private static void Histogram(ExpositionWriter w, string name, long[] boundsMs, long[] buckets, long sumMs, string label, string value)
    {
        long cumulative = 0;
        for (int i = 0; i < boundsMs.Length; i++)
        {
            cumulative += i < buckets.Length ? buckets[i] : 0;
            w.Sample(name + "_bucket", cumulative, label, value, "le", ExpositionWriter.Number(boundsMs[i] / 1000.0));
        }

        long count = buckets.Sum();
        w.Sample(name + "_bucket", count, label, value, "le", "+Inf");
        w.Sample(name + "_sum", sumMs / 1000.0, label, value);
        w.Sample(name + "_count", count, label, value);
    }

    private static void Gauge(ExpositionWriter w, string name, string help, double value, params string[] labels)
    {
        w.Family(name, "gauge", help);
        w.Sample(name, value, labels);
    }

    private static void Counter(ExpositionWriter w, string name, string help, double value)
    {
        w.Family(name, "counter", help);
        w.Sample(name, value);
    }

    private static void PerChannel(ExpositionWriter w, string name, string help, ChannelFigures[] channels, Func<ChannelFigures, double> value)
    {
        w.Family(name, "gauge", help);
        foreach (ChannelFigures c in channels)
        {
            w.Sample(name, value(c), "channel", c.Channel, "node", c.Node);
        }
    }

    private static void PerGroup(ExpositionWriter w, string name, string help, GroupFigures[] groups, Func<GroupFigures, double> value)
    {
        w.Family(name, "gauge", help);
        foreach (GroupFigures g in groups)
        {
            w.Sample(name, value(g), "group", g.Group);
        }
    }

    private static void States(ExpositionWriter w, string name, string help, ChannelFigures[] channels, string label, string[] words, Func<ChannelFigures, string> current)
    {
        w.Family(name, "gauge", help);
        foreach (ChannelFigures c in channels)
        {
            string now = current(c);
            foreach (string word in words)
            {
                w.Sample(name, word == now, "channel", c.Channel, "node", c.Node, label, word);
            }
        }
    }

    private static void Inputs(ExpositionWriter w, string name, string help, ChannelFigures[] channels, Func<ChannelFigures, bool[]> levels)
    {
        w.Family(name, "gauge", help);
        foreach (ChannelFigures c in channels)
        {
            bool[] l = levels(c);
            for (int k = 0; k < l.Length; k++)
            {
                w.Sample(name, l[k], "channel", c.Channel, "node", c.Node, "input", k.ToString(CultureInfo.InvariantCulture));
            }
        }
    }
}
