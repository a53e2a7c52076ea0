using Watchdog.Bench.Analysis;
using Watchdog.Bench.Probe;

namespace Watchdog.Bench.Timeline;

/// <summary>What a vertical marker on the timeline stands for.</summary>
public enum MarkerKind
{
    Fault,
    Detection,
    Fence,
    Takeover,
    Recovery,

    /// <summary>The client got its first answer from the new holder (the end of the RTO).</summary>
    ServiceBack,
}

/// <summary>A moment on the run clock worth a vertical line and a label.</summary>
public sealed record TimelineMarker(double AtMs, MarkerKind Kind, string Label);

/// <summary>
/// One node's lane: its role over time (from the failover system's own reports), the spans in
/// which it held the VIP (from the holder sampler) and conditions the bench imposed (frozen,
/// killed, link down).
/// </summary>
public sealed record NodeLane(string Node, IReadOnlyList<Interval> Roles, IReadOnlyList<Interval> HoldingVip, IReadOnlyList<Interval> Conditions);

/// <summary>Everything the SVG drawer needs for one run, all on one clock (ms).</summary>
public sealed record RunTimeline(
    string Title,
    double StartMs,
    double EndMs,
    IReadOnlyList<NodeLane> Lanes,
    IReadOnlyList<ProbeSample> Probes,
    IReadOnlyList<Interval> Overlaps,
    IReadOnlyList<TimelineMarker> Markers);
