using System.Xml.Linq;
using Watchdog.Bench.Timeline;

namespace Watchdog.Bench.Tests.Timeline;

public class SvgWriterTests
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    [Fact]
    public void Output_is_well_formed_svg_with_every_element_written()
    {
        var writer = new SvgWriter(200, 100);
        writer.BeginGroup("lane");
        writer.Rect(1, 2, 30, 40, "#ff0000", "a tooltip");
        writer.Line(0, 0, 10, 10, "#000", 1.5, "4 3");
        writer.EndGroup();
        writer.Circle(5, 5, 2, "blue");
        writer.Text(10, 20, "hello");

        XDocument doc = XDocument.Parse(writer.ToString());

        Assert.Equal(Svg + "svg", doc.Root!.Name);
        Assert.Equal("200", doc.Root.Attribute("width")!.Value);
        XElement group = Assert.Single(doc.Root.Elements(Svg + "g"));
        Assert.Equal("lane", group.Attribute("id")!.Value);
        XElement rect = Assert.Single(group.Elements(Svg + "rect"));
        Assert.Equal("30", rect.Attribute("width")!.Value);
        Assert.Equal("a tooltip", rect.Element(Svg + "title")!.Value);
        Assert.Equal("4 3", group.Element(Svg + "line")!.Attribute("stroke-dasharray")!.Value);
        Assert.Single(doc.Root.Elements(Svg + "circle"));
        Assert.Equal("hello", doc.Root.Element(Svg + "text")!.Value);
    }

    [Fact]
    public void Text_and_attributes_are_escaped()
    {
        var writer = new SvgWriter(100, 100);
        string nasty = "kill -9 <pid> & \"quotes\" 'too'\u0001";
        writer.Text(0, 10, nasty);
        writer.Rect(0, 0, 1, 1, "x\"><script>", nasty);

        XDocument doc = XDocument.Parse(writer.ToString());

        Assert.Equal("kill -9 <pid> & \"quotes\" 'too'", doc.Root!.Element(Svg + "text")!.Value);
        Assert.Equal("x\"><script>", doc.Root.Element(Svg + "rect")!.Attribute("fill")!.Value);
        Assert.Empty(doc.Descendants(Svg + "script"));
    }

    [Fact]
    public void Numbers_are_invariant_with_at_most_two_decimals()
    {
        var writer = new SvgWriter(100, 100);
        writer.Rect(1.23456, 0.5, 10, 10, "red");

        XElement rect = XDocument.Parse(writer.ToString()).Root!.Element(Svg + "rect")!;

        Assert.Equal("1.23", rect.Attribute("x")!.Value);
        Assert.Equal("0.5", rect.Attribute("y")!.Value);
    }

    [Fact]
    public void Unbalanced_groups_are_refused()
    {
        var writer = new SvgWriter(10, 10);
        Assert.Throws<InvalidOperationException>(writer.EndGroup);
        writer.BeginGroup();
        Assert.Contains("still open", Assert.Throws<InvalidOperationException>(writer.ToString).Message);
    }

    [Fact]
    public void A_size_that_is_not_positive_is_refused() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new SvgWriter(0, 10));
}
