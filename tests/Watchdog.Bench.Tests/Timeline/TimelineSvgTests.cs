using System.Xml.Linq;
using Watchdog.Bench.Analysis;
using Watchdog.Bench.Probe;
using Watchdog.Bench.Timeline;

namespace Watchdog.Bench.Tests.Timeline;

public class TimelineSvgTests
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    private static RunTimeline Sample()
    {
        var probes = new List<ProbeSample>();
        for (double t = 0; t < 3000; t += 20)
        {
            probes.Add(t < 1000 ? ProbeSample.Answer(t, t + 1, "node-a")
                : t < 1200 ? ProbeSample.Failed(t, t + 250, ProbeFailure.Timeout)
                : ProbeSample.Answer(t, t + 1, "node-b"));
        }

        NodeLane a = new("node-a", [new Interval(0, 1000, "MASTER")], [new Interval(0, 3000, "holds VIP")], [new Interval(1000, 3000, "keepalived killed")]);
        NodeLane b = new("node-b", [new Interval(0, 1150, "BACKUP"), new Interval(1150, 3000, "MASTER")], [new Interval(1160, 3000, "holds VIP")], []);
        return new RunTimeline(
            "kill-9 <test> & run",
            0,
            3000,
            [a, b],
            probes,
            [new Interval(1160, 3000, "two holders")],
            [
                new TimelineMarker(1000, MarkerKind.Fault, "kill -9"),
                new TimelineMarker(1150, MarkerKind.Detection, "node-b detects"),
                new TimelineMarker(1150, MarkerKind.Takeover, "node-b MASTER"),
                new TimelineMarker(1201, MarkerKind.ServiceBack, "VIP answers"),
            ]);
    }

    [Fact]
    public void A_run_is_drawn_as_parseable_svg_with_one_bar_per_probe()
    {
        RunTimeline timeline = Sample();

        XDocument doc = XDocument.Parse(TimelineSvg.Draw(timeline));

        XElement probes = doc.Descendants(Svg + "g").Single(g => (string?)g.Attribute("id") == "probes");
        Assert.Equal(timeline.Probes.Count, probes.Elements(Svg + "rect").Count());
        var texts = doc.Descendants(Svg + "text").Select(t => t.Value).ToList();
        Assert.Contains("kill-9 <test> & run", texts);
        Assert.Contains("node-a", texts);
        Assert.Contains("node-b", texts);
        Assert.Contains("node-b MASTER +150 ms", texts);
        Assert.Contains("1840 ms", texts); // the overlap total in the two-holders lane
    }

    [Fact]
    public void Probe_bars_are_coloured_by_the_answering_node()
    {
        XDocument doc = XDocument.Parse(TimelineSvg.Draw(Sample()));

        var fills = doc.Descendants(Svg + "g").Single(g => (string?)g.Attribute("id") == "probes")
            .Elements(Svg + "rect").Select(r => r.Attribute("fill")!.Value).ToList();

        Assert.Equal(3, fills.Distinct().Count()); // node-a, node-b, timeout
        Assert.Equal(fills[0], fills[49]); // both answered by node-a
        Assert.NotEqual(fills[0], fills[^1]); // node-b differs
    }

    [Fact]
    public void Markers_stay_inside_the_picture()
    {
        XDocument doc = XDocument.Parse(TimelineSvg.Draw(Sample()));
        double width = double.Parse(doc.Root!.Attribute("width")!.Value, System.Globalization.CultureInfo.InvariantCulture);

        foreach (XElement line in doc.Descendants(Svg + "line"))
        {
            double x = double.Parse(line.Attribute("x1")!.Value, System.Globalization.CultureInfo.InvariantCulture);
            Assert.InRange(x, 0, width);
        }
    }

    [Fact]
    public void Five_markers_within_forty_ms_each_get_a_row_of_their_own()
    {
        // An agent crash as the demo draws it: detected and fenced together, the takeover and the
        // first answer 20 ms apart; with four rows the last two labels once printed over each other.
        RunTimeline timeline = Sample() with
        {
            Markers =
            [
                new TimelineMarker(1000, MarkerKind.Fault, "agent-crash on node-a"),
                new TimelineMarker(1140, MarkerKind.Detection, "detected"),
                new TimelineMarker(1140, MarkerKind.Fence, "fenced"),
                new TimelineMarker(1161, MarkerKind.Takeover, "node-b active"),
                new TimelineMarker(1180, MarkerKind.ServiceBack, "VIP answers"),
            ],
        };

        XDocument doc = XDocument.Parse(TimelineSvg.Draw(timeline));

        string[] expected = ["agent-crash on node-a", "detected +140 ms", "fenced +140 ms", "node-b active +161 ms", "VIP answers +180 ms"];
        var rows = doc.Descendants(Svg + "text").Where(t => expected.Contains(t.Value)).Select(t => (double)t.Attribute("y")!).ToList();
        Assert.Equal(5, rows.Count);
        Assert.Equal(5, rows.Distinct().Count());
    }

    [Fact]
    public void The_fault_and_the_fence_after_it_are_shaded_and_labelled_on_one_line()
    {
        RunTimeline timeline = Sample() with
        {
            Lanes = [Sample().Lanes[0] with { Conditions = [new Interval(1000, 1140, "agent-crash"), new Interval(1140, 3000, "fenced by the board")] }, Sample().Lanes[1]],
        };

        XDocument doc = XDocument.Parse(TimelineSvg.Draw(timeline));

        Assert.Contains("agent-crash, then fenced by the board +140 ms", doc.Descendants(Svg + "text").Select(t => t.Value));
        Assert.Equal(2, doc.Descendants(Svg + "rect").Count(r => ((string?)r.Element(Svg + "title"))?.StartsWith("agent-crash:", StringComparison.Ordinal) == true ||
                                                                ((string?)r.Element(Svg + "title"))?.StartsWith("fenced by the board:", StringComparison.Ordinal) == true));
    }

    [Fact]
    public void An_empty_time_range_is_refused()
    {
        RunTimeline bad = Sample() with { EndMs = 0 };
        Assert.Throws<ArgumentException>(() => TimelineSvg.Draw(bad));
    }
}
