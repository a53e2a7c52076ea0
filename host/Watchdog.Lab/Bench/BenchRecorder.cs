using Watchdog.Bench.Analysis;
using Watchdog.Bench.Results;
using Watchdog.Bench.Timeline;
using Watchdog.Lab.Faults;
using Watchdog.Lab.Rack;
using Watchdog.Protocol.Messages;
using Watchdog.Protocol.Wire;

namespace Watchdog.Lab.Bench;

/// <summary>
/// Turns a <see cref="FailoverResult"/> into the bench's shared record (the same one keepalived's
/// runs fill, so both go through one stats path) and draws a run's timeline.
/// </summary>
public static class BenchRecorder
{
    public const string Peer = "watchdog";

    /// <summary>How long after the takeover the client's answers still count for flaps and outage.</summary>
    public const double SettleWindowMs = 1000;

    public static BenchResult ToBench(RackCluster cluster, FailoverResult r, int runIndex)
    {
        var windowEnd = r.EndAtMs + SettleWindowMs;
        ProbeAnalysis? probe = cluster.Probe is null ? null : ProbeSeriesAnalysis.Analyze(cluster.Probe.Snapshot(), r.FaultAtMs, windowEnd);
        // Breaches from before the fault go into the notes too (an unsafe rack fails the bench),
        // marked as such, but never into the run's overlap figure.
        var notes = string.Join("; ", r.Violations.Concat(r.Problems).Concat(r.PreExisting));
        return new BenchResult(
            r.Fault, Peer, runIndex, r.DetectionMs, r.FenceMs, r.TakeoverMs, r.RtoMs, r.OverlapMs,
            probe?.Flaps, r.FalseFences, probe?.OutageMs, probe?.AnswerChanges, windowEnd - r.FaultAtMs,
            notes.Length == 0 ? null : notes, RpoRows: r.RpoRows, RpoSpanMs: r.RpoSpanMs, WriteOutageMs: r.WriteOutageMs);
    }

    /// <summary>One run as a picture: roles the agents claimed, who held the virtual IP, the client's answers, and the markers.</summary>
    public static RunTimeline Timeline(RackCluster cluster, FailoverResult r, string title)
    {
        var start = r.FaultAtMs - 500;
        var end = r.EndAtMs + SettleWindowMs;
        // Observations carry wall-clock arrival times; map them onto the bench clock.
        var wallToClock = cluster.Clock.NowMs - DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var holders = cluster.Holders?.Snapshot() ?? [];
        var lanes = new List<NodeLane>();
        foreach (var node in cluster.Options.Nodes)
        {
            var steps = cluster.Observer.Observations()
                .Where(o => o.Message is NodeState s && s.Node == node)
                .Select(o => (AtMs: o.ReceivedAtMs + wallToClock, State: WireWords.Of(((NodeState)o.Message).Role)))
                .ToList();
            var roles = Intervals.FromSteps(steps, end, role => role == "none" ? null : role)
                .Where(i => i.EndMs > start).ToList();
            lanes.Add(new NodeLane(node, roles, Intervals.Holding(holders, node, end).Where(i => i.EndMs > start).ToList(), node == r.Victim ? VictimConditions(r, end) : []));
        }

        var markers = new List<TimelineMarker> { new(r.FaultAtMs, MarkerKind.Fault, $"{r.Fault} on {r.Victim}") };
        void Mark(double? ms, MarkerKind kind, string label)
        {
            if (ms is not null)
            {
                markers.Add(new TimelineMarker(r.FaultAtMs + ms.Value, kind, label));
            }
        }

        Mark(r.DetectionMs, MarkerKind.Detection, "detected");
        Mark(r.FenceMs, MarkerKind.Fence, "fenced");
        Mark(r.TakeoverMs, MarkerKind.Takeover, $"{r.NewActive} active");
        Mark(r.RtoMs, MarkerKind.ServiceBack, "VIP answers");
        var probes = (cluster.Probe?.Snapshot() ?? []).Where(p => p.StartMs >= start && p.StartMs <= end).ToList();
        return new RunTimeline(title, start, end, lanes, probes, ActingOverlaps(cluster, start, end), markers);
    }

    // The injected fault, shaded as the keepalived timelines shade theirs, and from the fence on the
    // board's hold: the old active's role bar and address stay as it last reported them (a crashed
    // agent reports nothing more), and without the hold the picture would seem to show two holders.
    private static List<Interval> VictimConditions(FailoverResult r, double end)
    {
        double? fencedAt = r.FenceMs is { } fence ? r.FaultAtMs + fence : null;
        var conditions = new List<Interval> { new(r.FaultAtMs, fencedAt ?? end, r.Fault) };
        if (fencedAt is { } at)
        {
            conditions.Add(new Interval(at, end, "fenced by the board"));
        }

        return conditions;
    }

    // Overlap as the meter judges it (holding the VIP AND running): a frozen or reset-held server
    // keeps the address configured but answers nobody, so raw holder overlap would mislead here.
    private static List<Interval> ActingOverlaps(RackCluster cluster, double start, double end) =>
        cluster.Overlap?.Overlaps(start, end).Select(o => new Interval(o.FromMs, o.ToMs, string.Join("+", o.Acting))).ToList() ?? [];
}
