using System.Globalization;
using Watchdog.Bench.Timeline;

namespace Watchdog.Bench.Results;

/// <summary>One fault's RTO at one heartbeat period: p50 and p99 in ms (null when no run recovered).</summary>
public sealed record FrontierRto(string Scenario, double? P50, double? P99);

/// <summary>
/// One point of the heartbeat frontier as the plot draws it: our RTO per fault, keepalived's at
/// the same advert interval, and what the soak at that period counted (null: not run).
/// </summary>
public sealed record FrontierPlotPoint(int PeriodMs, IReadOnlyList<FrontierRto> Ours, IReadOnlyList<FrontierRto> Keepalived, int? FalseFences, int? KeepalivedFalseTransitions);

/// <summary>
/// The frontier's picture: for each heartbeat period, a bar per (fault, system) up to the RTO p50
/// with a whisker to p99, ours in blue and keepalived in orange, a dashed line at the goal, and
/// under each period the soak's count of false fences and keepalived's false transitions (red
/// when not zero). Periods are spaced evenly, not to scale: they are a handful of chosen points.
/// </summary>
public static class FrontierPlot
{
    private const double Width = 860;
    private const double Height = 460;
    private const double Left = 70;
    private const double Right = 20;
    private const double Top = 50;
    private const double Bottom = 110;
    private static readonly string[] OurShades = ["#1f4e9c", "#3a78d8", "#8ab4f0"];
    private static readonly string[] PeerShades = ["#b3541e", "#e8833a", "#f5bf8e"];

    public static string Draw(IReadOnlyList<FrontierPlotPoint> points, string title, double goalMs = 100)
    {
        if (points.Count == 0)
        {
            throw new ArgumentException("the frontier plot needs at least one period", nameof(points));
        }

        var scenarios = points.SelectMany(p => p.Ours.Concat(p.Keepalived)).Select(r => r.Scenario).Distinct().ToList();
        double top = Math.Max(goalMs, points.SelectMany(p => p.Ours.Concat(p.Keepalived)).Select(r => r.P99 ?? r.P50 ?? 0).DefaultIfEmpty(0).Max());
        double yMax = NiceCeiling(top * 1.1);
        double plotW = Width - Left - Right;
        double plotH = Height - Top - Bottom;
        double Y(double ms) => Top + plotH - (Math.Min(ms, yMax) / yMax * plotH);

        var svg = new SvgWriter(Width, Height);
        svg.Rect(0, 0, Width, Height, "#ffffff");
        svg.Text(Left, 24, title, 15, bold: true);
        for (int i = 0; i <= 5; i++)
        {
            double ms = yMax * i / 5;
            svg.Line(Left, Y(ms), Left + plotW, Y(ms), "#e4e4e4");
            svg.Text(Left - 6, Y(ms) + 4, Ms(ms), 11, anchor: "end");
        }

        svg.Text(4, Top + (plotH / 2), "RTO ms", 11, anchor: "start");
        svg.Line(Left, Y(goalMs), Left + plotW, Y(goalMs), "#c0392b", 1.2, "6 4");
        svg.Text(Left + plotW - 4, Y(goalMs) - 5, $"goal: p99 under {Ms(goalMs)} ms", 11, "#c0392b", "end");

        double groupW = plotW / points.Count;
        int bars = Math.Max(1, scenarios.Count * 2);
        double barW = Math.Min(28, (groupW * 0.8) / bars);
        for (int g = 0; g < points.Count; g++)
        {
            FrontierPlotPoint p = points[g];
            double x0 = Left + (g * groupW) + ((groupW - (barW * bars)) / 2);
            for (int s = 0; s < scenarios.Count; s++)
            {
                Bar(svg, x0 + (s * 2 * barW), barW, p.Ours.FirstOrDefault(r => r.Scenario == scenarios[s]), OurShades[s % OurShades.Length], "watchdog", Y);
                Bar(svg, x0 + (((s * 2) + 1) * barW), barW, p.Keepalived.FirstOrDefault(r => r.Scenario == scenarios[s]), PeerShades[s % PeerShades.Length], "keepalived", Y);
            }

            double cx = Left + (g * groupW) + (groupW / 2);
            svg.Text(cx, Top + plotH + 18, $"{p.PeriodMs} ms heartbeat / advert", 12, anchor: "middle", bold: true);
            svg.Text(cx, Top + plotH + 34, Soak("false fences", p.FalseFences), 11, p.FalseFences is > 0 ? "#c0392b" : "#222", "middle");
            svg.Text(cx, Top + plotH + 48, Soak("keepalived false transitions", p.KeepalivedFalseTransitions), 11, p.KeepalivedFalseTransitions is > 0 ? "#c0392b" : "#222", "middle");
        }

        svg.Line(Left, Top + plotH, Left + plotW, Top + plotH, "#222");
        double lx = Left;
        double ly = Height - 28;
        for (int s = 0; s < scenarios.Count; s++)
        {
            svg.Rect(lx, ly - 10, 12, 12, OurShades[s % OurShades.Length]);
            svg.Rect(lx + 13, ly - 10, 12, 12, PeerShades[s % PeerShades.Length]);
            svg.Text(lx + 30, ly, scenarios[s], 11);
            lx += 40 + (scenarios[s].Length * 7);
        }

        svg.Text(lx + 10, ly, "blue: watchdog, orange: keepalived (VRRPv3); bar p50, whisker to p99", 11);
        return svg.ToString();
    }

    private static void Bar(SvgWriter svg, double x, double w, FrontierRto? rto, string fill, string who, Func<double, double> y)
    {
        if (rto?.P50 is not double p50)
        {
            svg.Text(x + (w / 2), y(0) - 4, "-", 11, anchor: "middle");
            return;
        }

        string tip = $"{who} {rto.Scenario}: p50 {Ms(p50)} ms, p99 {(rto.P99 is double p ? Ms(p) : "-")} ms";
        svg.Rect(x + 1, y(p50), w - 2, y(0) - y(p50), fill, tip);
        if (rto.P99 is double p99)
        {
            double cx = x + (w / 2);
            svg.Line(cx, y(p50), cx, y(p99), "#222", 1.2);
            svg.Line(cx - (w / 4), y(p99), cx + (w / 4), y(p99), "#222", 1.2);
        }
    }

    private static string Soak(string what, int? count) => count is int n ? $"soak: {what} {n}" : $"soak: {what} not measured";

    private static string Ms(double ms) => ms.ToString("0", CultureInfo.InvariantCulture);

    /// <summary>The axis top: 1, 2 or 5 times a power of ten, at least <paramref name="value"/>.</summary>
    internal static double NiceCeiling(double value)
    {
        if (value <= 0 || double.IsNaN(value))
        {
            return 1;
        }

        double power = Math.Pow(10, Math.Floor(Math.Log10(value)));
        foreach (double step in new[] { 1, 2, 5, 10 })
        {
            if (step * power >= value)
            {
                return step * power;
            }
        }

        return 10 * power;
    }
}
