using System.Globalization;
using Watchdog.Bench.Analysis;
using Watchdog.Bench.Probe;

namespace Watchdog.Bench.Timeline;

/// <summary>
/// Draws one run as an SVG picture: per node a lane with its role (top bar), the spans it held
/// the VIP (bottom bar, in the node's colour) and imposed conditions (hatched red: frozen,
/// killed, link down); a lane where two nodes held the VIP at once; a lane of probe answers
/// coloured by the answering node (grey and black for failures); vertical markers for the fault,
/// detection, fencing, takeover and recovery. Time runs left to right in seconds from the fault.
/// </summary>
public static class TimelineSvg
{
    private const double Width = 1000;
    private const double Left = 120;
    private const double Right = 24;
    private const double LaneHeight = 50;
    private const double MarkerBand = 60;
    private const int MinMarkerRows = 4;
    private const double MarkerRowHeight = 14;
    private const string ImposedColour = "#d32f2f";
    private const string HeldColour = "#37474f";
    private static readonly string[] NodeColours = ["#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b"];

    private static readonly (ProbeFailure Failure, string Colour, string Label)[] FailureColours =
    [
        (ProbeFailure.Timeout, "#9e9e9e", "timeout"),
        (ProbeFailure.Refused, "#212121", "refused"),
        (ProbeFailure.Unreachable, "#6d4c41", "unreachable"),
        (ProbeFailure.Reset, "#e91e63", "reset"),
        (ProbeFailure.Other, "#f44336", "other error"),
    ];

    public static string Draw(RunTimeline timeline)
    {
        if (timeline.EndMs <= timeline.StartMs)
        {
            throw new ArgumentException($"timeline ends ({timeline.EndMs} ms) before it starts ({timeline.StartMs} ms)", nameof(timeline));
        }

        int markerRows = MarkerRowsFor(timeline);
        double top = 34 + MarkerBand + (markerRows - MinMarkerRows) * MarkerRowHeight;
        int lanes = timeline.Lanes.Count + 2; // nodes, overlap, probes
        double axisY = top + lanes * LaneHeight + 6;
        double height = axisY + 70;
        var svg = new SvgWriter(Width, height);
        var scale = new TimeScale(timeline, Left, Width - Right);
        var colours = timeline.Lanes.Select((l, i) => (l.Node, NodeColours[i % NodeColours.Length])).ToDictionary(p => p.Node, p => p.Item2, StringComparer.Ordinal);

        svg.Rect(0, 0, Width, height, "#ffffff");
        svg.Text(Left, 20, timeline.Title, 15, bold: true);

        double y = top;
        foreach (NodeLane lane in timeline.Lanes)
        {
            DrawNodeLane(svg, scale, lane, y, colours[lane.Node]);
            y += LaneHeight;
        }

        DrawOverlapLane(svg, scale, timeline.Overlaps, y);
        y += LaneHeight;
        DrawProbeLane(svg, scale, timeline.Probes, y, colours);
        DrawAxis(svg, scale, axisY);
        DrawMarkers(svg, scale, timeline.Markers, markerRows, 34, axisY);
        DrawLegend(svg, colours, axisY + 36);
        return svg.ToString();
    }

    private static void DrawNodeLane(SvgWriter svg, TimeScale scale, NodeLane lane, double y, string colour)
    {
        svg.Text(8, y + 18, lane.Node, 13, bold: true);
        svg.Text(8, y + 36, "role / holds VIP", 10, "#666");
        svg.Rect(Left, y + 4, scale.Right - Left, 18, "#f5f5f5");
        foreach (Interval role in lane.Roles)
        {
            DrawSpan(svg, scale, role, y + 4, 18, RoleColour(role.Label), "role", labelColour: "#fff");
        }

        // Conditions follow each other (killed, then held by the board): one label line for all of
        // them, each after the first with its start, so labels a few pixels apart never overprint.
        var labels = new List<string>();
        foreach (Interval condition in lane.Conditions.OrderBy(c => c.StartMs))
        {
            double x1 = scale.X(condition.StartMs);
            double x2 = scale.X(condition.EndMs);
            // The first is the imposed fault; what follows it is the response to it (the board's fence), darker.
            var (fill, opacity) = labels.Count == 0 ? (ImposedColour, 0.22) : (HeldColour, 0.4);
            svg.Rect(x1, y + 2, x2 - x1, 40, fill, $"{condition.Label}: {scale.Label(condition.StartMs)} to {scale.Label(condition.EndMs)}", opacity);
            labels.Add(labels.Count == 0 ? condition.Label : $"{condition.Label} {scale.Offset(condition.StartMs)}");
        }

        if (lane.Conditions.Count > 0)
        {
            svg.Text(scale.X(lane.Conditions.Min(c => c.StartMs)) + 6, y + 48, string.Join(", then ", labels), 10, "#b71c1c");
        }

        svg.Rect(Left, y + 25, scale.Right - Left, 14, "#fafafa");
        foreach (Interval hold in lane.HoldingVip)
        {
            DrawSpan(svg, scale, hold, y + 25, 14, colour, "VIP", labelColour: "#fff");
        }
    }

    private static void DrawOverlapLane(SvgWriter svg, TimeScale scale, IReadOnlyList<Interval> overlaps, double y)
    {
        double total = overlaps.Sum(o => o.DurationMs);
        svg.Text(8, y + 18, "two holders", 13, bold: true);
        svg.Text(8, y + 34, total.ToString("0", CultureInfo.InvariantCulture) + " ms", 11, total > 0 ? "#c62828" : "#2e7d32");
        svg.Rect(Left, y + 10, scale.Right - Left, 18, "#fafafa");
        foreach (Interval overlap in overlaps)
        {
            DrawSpan(svg, scale, overlap, y + 10, 18, "#c62828", "VIP", labelColour: "#fff");
        }
    }

    private static void DrawProbeLane(SvgWriter svg, TimeScale scale, IReadOnlyList<ProbeSample> probes, double y, Dictionary<string, string> colours)
    {
        svg.Text(8, y + 18, "client probes", 13, bold: true);
        svg.Text(8, y + 34, "who answered the VIP", 10, "#666");
        List<ProbeSample> ordered = probes.Where(p => p.StartMs >= scale.Start && p.StartMs <= scale.End).OrderBy(p => p.StartMs).ToList();
        svg.BeginGroup("probes");
        for (int i = 0; i < ordered.Count; i++)
        {
            ProbeSample probe = ordered[i];
            double x1 = scale.X(probe.StartMs);
            double x2 = i + 1 < ordered.Count ? scale.X(ordered[i + 1].StartMs) : x1 + 1.5;
            string colour = probe.Answered
                ? colours.GetValueOrDefault(probe.Node!, "#000000")
                : FailureColours.First(f => f.Failure == probe.Failure).Colour;
            string what = probe.Answered ? "answered by " + probe.Node : probe.Failure.ToString().ToLowerInvariant();
            svg.Rect(x1, y + 8, Math.Max(x2 - x1, 1.2), 22, colour, $"{scale.Label(probe.StartMs)}: {what} in {(probe.EndMs - probe.StartMs).ToString("0.0", CultureInfo.InvariantCulture)} ms");
        }

        svg.EndGroup();
    }

    private static void DrawSpan(SvgWriter svg, TimeScale scale, Interval span, double y, double h, string colour, string tooltip, string labelColour)
    {
        double x1 = scale.X(span.StartMs);
        double x2 = scale.X(span.EndMs);
        svg.Rect(x1, y, x2 - x1, h, colour, $"{tooltip} {span.Label}: {scale.Label(span.StartMs)} to {scale.Label(span.EndMs)} ({span.DurationMs.ToString("0", CultureInfo.InvariantCulture)} ms)");
        if (x2 - x1 > span.Label.Length * 6 + 8)
        {
            svg.Text(x1 + 4, y + h - 4, span.Label, 10, labelColour);
        }
    }

    private static void DrawAxis(SvgWriter svg, TimeScale scale, double y)
    {
        svg.Line(Left, y, scale.Right, y, "#444");
        double spanS = (scale.End - scale.Start) / 1000.0;
        double step = spanS > 20 ? 5 : spanS > 8 ? 1 : spanS > 3 ? 0.5 : 0.1;
        double first = Math.Ceiling((scale.Start - scale.Zero) / 1000.0 / step) * step;
        for (double s = first; scale.Zero + s * 1000 <= scale.End + 1e-6; s += step)
        {
            double x = scale.X(scale.Zero + s * 1000);
            svg.Line(x, y, x, y + 5, "#444");
            double tick = Math.Abs(s) < step / 1000 ? 0 : s; // no "-0 s" from accumulated rounding
            svg.Text(x, y + 17, tick.ToString(step < 1 ? "0.0" : "0", CultureInfo.InvariantCulture) + " s", 10, "#444", "middle");
        }

        svg.Text(8, y + 17, scale.HasFault ? "time since fault" : "time", 10, "#444");
    }

    private static void DrawMarkers(SvgWriter svg, TimeScale scale, IReadOnlyList<TimelineMarker> markers, int rows, double top, double bottom)
    {
        foreach (var (marker, row, label, flip) in LayOutMarkers(scale, markers, rows))
        {
            double x = scale.X(marker.AtMs);
            string colour = MarkerColour(marker.Kind);
            double labelY = top + 10 + row * MarkerRowHeight;
            svg.Line(x, labelY + 2, x, bottom, colour, marker.Kind == MarkerKind.Fault ? 2 : 1.2, marker.Kind == MarkerKind.Fault ? null : "4 3");
            svg.Text(flip ? x - 3 : x + 3, labelY, label, 11, colour, flip ? "end" : "start", bold: marker.Kind == MarkerKind.Fault);
        }
    }

    /// <summary>The rows the markers' labels need (at least <see cref="MinMarkerRows"/>), so that no two share a row where they would overprint.</summary>
    private static int MarkerRowsFor(RunTimeline timeline)
    {
        var scale = new TimeScale(timeline, Left, Width - Right);
        var laid = LayOutMarkers(scale, timeline.Markers, int.MaxValue);
        return Math.Max(MinMarkerRows, laid.Count == 0 ? 0 : laid.Max(m => m.Row) + 1);
    }

    // Each label goes to the first row where it does not run into the previous label, so markers a
    // few ms apart stay readable (a new row when every row is taken, up to maxRows).
    private static List<(TimelineMarker Marker, int Row, string Label, bool Flip)> LayOutMarkers(TimeScale scale, IReadOnlyList<TimelineMarker> markers, int maxRows)
    {
        var rowEnds = new List<double>();
        var laid = new List<(TimelineMarker, int, string, bool)>();
        foreach (TimelineMarker marker in markers.OrderBy(m => m.AtMs))
        {
            if (marker.AtMs < scale.Start || marker.AtMs > scale.End)
            {
                continue;
            }

            double x = scale.X(marker.AtMs);
            string label = marker.Kind == MarkerKind.Fault ? marker.Label : $"{marker.Label} {scale.Offset(marker.AtMs)}";
            double labelWidth = label.Length * 6.3 + 8;
            bool flip = x + labelWidth > Width - 4; // near the right edge: write leftwards
            double labelStart = flip ? x - labelWidth : x;
            int row = rowEnds.FindIndex(end => end < labelStart);
            if (row < 0)
            {
                row = Math.Min(rowEnds.Count, maxRows - 1);
                if (row == rowEnds.Count)
                {
                    rowEnds.Add(double.MinValue);
                }
            }

            rowEnds[row] = labelStart + labelWidth;
            laid.Add((marker, row, label, flip));
        }

        return laid;
    }

    private static void DrawLegend(SvgWriter svg, Dictionary<string, string> colours, double y)
    {
        double x = Left;
        foreach ((string node, string colour) in colours)
        {
            x = LegendItem(svg, x, y, colour, "answered by " + node);
        }

        foreach ((ProbeFailure _, string colour, string label) in FailureColours.Take(3))
        {
            x = LegendItem(svg, x, y, colour, label);
        }

        x = Left;
        y += 20;
        foreach ((string role, string colour) in new[] { ("MASTER / active", RoleColour("MASTER")), ("BACKUP / standby", RoleColour("BACKUP")), ("FAULT", RoleColour("FAULT")) })
        {
            x = LegendItem(svg, x, y, colour, role);
        }

        svg.Rect(x, y - 10, 12, 12, ImposedColour, null, 0.22);
        svg.Text(x + 16, y, "imposed fault", 11, "#444");
        x += 26 + 13 * 6.4;
        svg.Rect(x, y - 10, 12, 12, HeldColour, null, 0.4);
        svg.Text(x + 16, y, "then held off (fenced)", 11, "#444");
    }

    private static double LegendItem(SvgWriter svg, double x, double y, string colour, string label)
    {
        svg.Rect(x, y - 10, 12, 12, colour);
        svg.Text(x + 16, y, label, 11, "#444");
        return x + 26 + label.Length * 6.4;
    }

    internal static string RoleColour(string role) => role.ToUpperInvariant() switch
    {
        var r when r.Contains("MASTER", StringComparison.Ordinal) || r.Contains("ACTIVE", StringComparison.Ordinal) => "#2e7d32",
        var r when r.Contains("BACKUP", StringComparison.Ordinal) || r.Contains("STANDBY", StringComparison.Ordinal) => "#90a4ae",
        var r when r.Contains("FAULT", StringComparison.Ordinal) || r.Contains("FENCED", StringComparison.Ordinal) => "#ef6c00",
        _ => "#607d8b",
    };

    private static string MarkerColour(MarkerKind kind) => kind switch
    {
        MarkerKind.Fault => "#c62828",
        MarkerKind.Detection => "#6a1b9a",
        MarkerKind.Fence => "#4e342e",
        MarkerKind.Takeover => "#1565c0",
        MarkerKind.ServiceBack => "#00838f",
        _ => "#2e7d32",
    };

    /// <summary>Maps run-clock ms to x pixels; labels are relative to the fault when there is one.</summary>
    private sealed class TimeScale(RunTimeline timeline, double left, double right)
    {
        public double Start { get; } = timeline.StartMs;

        public double End { get; } = timeline.EndMs;

        public double Right { get; } = right;

        public bool HasFault { get; } = timeline.Markers.Any(m => m.Kind == MarkerKind.Fault);

        public double Zero { get; } = timeline.Markers.FirstOrDefault(m => m.Kind == MarkerKind.Fault)?.AtMs ?? timeline.StartMs;

        public double X(double ms) => left + (Math.Clamp(ms, Start, End) - Start) / (End - Start) * (Right - left);

        public string Label(double ms) => ((ms - Zero) / 1000.0).ToString("+0.000;-0.000", CultureInfo.InvariantCulture) + " s";

        /// <summary>Milliseconds from the fault, as the markers print them: "+140 ms".</summary>
        public string Offset(double ms) => "+" + (ms - Zero).ToString("0", CultureInfo.InvariantCulture) + " ms";
    }
}
