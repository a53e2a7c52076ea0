using Prometheus;
using Watchdog.Firmware.Core;
using Watchdog.Protocol.Messages;
using Watchdog.Protocol.Wire;

namespace Watchdog.Board.Metrics;

/// <summary>
/// Counts what the core reports having done, from the messages of each output it hands the glue
/// (events and group roles): the core keeps no counters of its own, and needs none for this.
/// Runs on the tick thread; prometheus-net's counters and histograms are thread-safe.
/// A failure starts at the first suspect, failed or failure event of a node after it was last
/// healthy; a fence and a failover are timed from there to the event or roles message that
/// completes them. A board that restarted mid-failure does not know the start and times nothing.
/// </summary>
public sealed class BoardEventCounters
{
    private const string FailoverPrefix = "failover: ";
    private const string Promoted = " becomes active";

    // Seconds: fence confirmation is a few hundred ms; a failover over a demotion ack, seconds.
    private static readonly double[] DurationBuckets = [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120];

    private readonly Counter _events, _fences, _ladderActions, _roleChanges, _failovers;
    private readonly Histogram _fenceDuration, _failoverDuration;
    private readonly Dictionary<string, long> _failingSinceMs = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _groupEpoch = new(StringComparer.Ordinal);

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

    /// <summary>Reads one output of Tick or Step after the glue carried it out.</summary>
    public void Observe(CoreOutput output)
    {
        for (int i = 0; i < output.Count; i++)
        {
            switch (output.Entry(i).Message)
            {
                case EventMessage e:
                    OnEvent(e);
                    break;
                case GroupRoles r:
                    OnRoles(r);
                    break;
            }
        }
    }

    private void OnEvent(EventMessage e)
    {
        _events.WithLabels(e.Kind, WireWords.Of(e.Severity)).Inc();
        switch (e.Kind)
        {
            case "state-suspect" or "state-failed" or "failure":
                _failingSinceMs.TryAdd(e.Node, e.Timestamp);
                break;
            case "state-healthy":
                _failingSinceMs.Remove(e.Node);
                break;
            case "state-fenced":
                _fences.WithLabels(e.Node).Inc();
                if (_failingSinceMs.TryGetValue(e.Node, out long since))
                {
                    _fenceDuration.WithLabels(e.Node).Observe(Seconds(e.Timestamp - since));
                }

                break;
            case "reset-pulse":
                _ladderActions.WithLabels(e.Node, "reset").Inc();
                break;
            case "power-cycle":
                _ladderActions.WithLabels(e.Node, "power_cycle").Inc();
                break;
        }
    }

    private void OnRoles(GroupRoles r)
    {
        // The roles topic is republished with the same epoch; a change is a new epoch.
        if (_groupEpoch.TryGetValue(r.Group, out long seen) && r.Epoch <= seen)
        {
            return;
        }

        _groupEpoch[r.Group] = r.Epoch;
        _roleChanges.WithLabels(r.Group).Inc();
        if (!r.Reason.StartsWith(FailoverPrefix, StringComparison.Ordinal) || !r.Reason.EndsWith(Promoted, StringComparison.Ordinal))
        {
            return;
        }

        _failovers.WithLabels(r.Group).Inc();
        string rest = r.Reason[FailoverPrefix.Length..];
        int space = rest.IndexOf(' ', StringComparison.Ordinal);
        string failed = space < 0 ? rest : rest[..space];
        if (_failingSinceMs.TryGetValue(failed, out long since))
        {
            _failoverDuration.WithLabels(r.Group).Observe(Seconds(r.Timestamp - since));
        }
    }

    private static double Seconds(long ms) => Math.Max(0, ms) / 1000.0;
}
