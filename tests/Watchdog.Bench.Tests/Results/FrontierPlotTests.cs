using System.Xml.Linq;
using Watchdog.Bench.Results;

namespace Watchdog.Bench.Tests.Results;

/// <summary>The frontier's SVG: what it draws for each period, read back as XML (no rack, no timing).</summary>
public class FrontierPlotTests
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    private static FrontierPlotPoint Point(int period, double ourP50, double theirP50, int? fences, int? transitions) =>
        new(period,
            [new FrontierRto("hang", ourP50, ourP50 + 10), new FrontierRto("power-loss", ourP50 - 5, null)],
            [new FrontierRto("hang", theirP50, theirP50 + 20), new FrontierRto("power-loss", null, null)],
            fences, transitions);

    [Fact]
    public void Each_measured_rto_is_a_bar_with_its_figures_in_the_tooltip()
    {
        var doc = XDocument.Parse(FrontierPlot.Draw([Point(10, 60, 70, 0, 3), Point(20, 80, 90, 0, 0)], "frontier"));

        var tips = doc.Descendants(Svg + "title").Select(t => t.Value).ToList();
        // Two periods: ours has both faults, keepalived only hang (its power-loss never came back).
        Assert.Equal(6, tips.Count);
        Assert.Contains("watchdog hang: p50 60 ms, p99 70 ms", tips);
        Assert.Contains("keepalived hang: p50 90 ms, p99 110 ms", tips);
        Assert.Contains("watchdog power-loss: p50 75 ms, p99 - ms", tips);
    }

    [Fact]
    public void Soak_counts_are_written_under_each_period_and_red_when_not_zero()
    {
        var doc = XDocument.Parse(FrontierPlot.Draw([Point(10, 60, 70, 2, 0), Point(50, 150, 160, null, 1)], "frontier"));

        // A fault with no RTO is a "-" at each such bar; the soak lines are one per period.
        var texts = doc.Descendants(Svg + "text").Where(t => t.Value != "-").ToDictionary(t => t.Value, t => t.Attribute("fill")!.Value, StringComparer.Ordinal);
        Assert.Equal("#c0392b", texts["soak: false fences 2"]);
        Assert.Equal("#222", texts["soak: keepalived false transitions 0"]);
        Assert.Equal("#c0392b", texts["soak: keepalived false transitions 1"]);
        Assert.True(texts.ContainsKey("soak: false fences not measured"));
        Assert.True(texts.ContainsKey("10 ms heartbeat / advert"));
        Assert.True(texts.ContainsKey("goal: p99 under 100 ms"));
    }

    [Fact]
    public void The_axis_reaches_past_the_highest_p99()
    {
        var doc = XDocument.Parse(FrontierPlot.Draw([Point(50, 400, 170, 0, 0)], "frontier"));

        // p99 410 ms: the axis goes to 500 (1, 2 or 5 times a power of ten), labelled in five steps.
        var labels = doc.Descendants(Svg + "text").Select(t => t.Value).ToList();
        Assert.Contains("500", labels);
        Assert.Contains("100", labels);
        Assert.Equal([1, 2, 5, 10, 500], new[] { 0.7, 1.5, 3, 7, 411 }.Select(FrontierPlot.NiceCeiling).ToArray());
    }

    [Fact]
    public void No_period_is_an_error_not_an_empty_picture() =>
        Assert.Throws<ArgumentException>(() => FrontierPlot.Draw([], "frontier"));
}
