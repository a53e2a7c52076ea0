using Prometheus;
using Watchdog.Firmware.Glue;
using Watchdog.Protocol.Wire;

namespace Watchdog.Board.Metrics;

/// <summary>
/// The Prometheus counters and histograms of what the core reported having done. What counts as
/// a fence, a failover or a ladder action, and how long it took, is decided once, by the glue's
/// BoardCounters (shared with the ESP32 app's metrics report); this class only follows it.
/// Called on the tick thread; prometheus-net's counters and histograms are thread-safe.
/// </summary>
public sealed class BoardEventCounters : IBoardCountsListener
{
    // Seconds, from the shared bounds in ms, so the board's histograms and the exporter's agree.
    private static readonly double[] DurationBuckets = BoardCounters.BucketBoundsMs.Select(ms => ms / 1000.0).ToArray();

    private readonly Counter _events, _fences, _ladderActions, _roleChanges, _failovers;
    private readonly Histogram _fenceDuration, _failoverDuration;

    public BoardEventCounters(MetricFactory f)
    {
        _events = f.CreateCounter("watchdog_board_events_total", "Events the board published, by kind and severity.", ["kind", "severity"]);
        _fences = f.CreateCounter("watchdog_fences_total", "Times a node's channel entered the fenced state (held out by the board).", ["node"]);
        _ladderActions = f.CreateCounter("watchdog_ladder_actions_total", "Wire actions the escalation ladder took on a node.", ["node", "action"]);
        _roleChanges = f.CreateCounter("watchdog_role_changes_total", "Role changes of a group (a new epoch with grants for every member).", ["group"]);
        _failovers = f.CreateCounter("watchdog_failovers_total", "Failovers of a group: another member granted active because the active one failed.", ["group"]);
        _fenceDuration = f.CreateHistogram("watchdog_fence_duration_seconds", "From the start of a node's failure to its channel being fenced.",
            new HistogramConfiguration { LabelNames = ["node"], Buckets = DurationBuckets });
        _failoverDuration = f.CreateHistogram("watchdog_failover_duration_seconds", "From the start of the active member's failure to another member granted active.",
            new HistogramConfiguration { LabelNames = ["group"], Buckets = DurationBuckets });
    }

    public void EventPublished(string kind, Severity severity) => _events.WithLabels(kind, WireWords.Of(severity)).Inc();

    public void Fenced(string node, bool timed, long durationMs)
    {
        _fences.WithLabels(node).Inc();
        if (timed)
        {
            _fenceDuration.WithLabels(node).Observe(durationMs / 1000.0);
        }
    }

    public void LadderAction(string node, string action) => _ladderActions.WithLabels(node, action).Inc();

    public void RoleChanged(string group) => _roleChanges.WithLabels(group).Inc();

    public void FailedOver(string group, bool timed, long durationMs)
    {
        _failovers.WithLabels(group).Inc();
        if (timed)
        {
            _failoverDuration.WithLabels(group).Observe(durationMs / 1000.0);
        }
    }
}
