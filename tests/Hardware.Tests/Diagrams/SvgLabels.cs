using System.Globalization;
using System.Xml.Linq;

namespace Hardware.Tests.Diagrams;

/// <summary>
/// The text labels of a generated SVG with the box each one covers, estimated the way the
/// writers lay text out (<see cref="SvgWriter.TextWidth"/>, bold a little wider), so a test can
/// find labels drawn over each other without rendering the picture.
/// </summary>
internal static class SvgLabels
{
    internal sealed record Label(string Text, double Left, double Top, double Right, double Bottom)
    {
        public bool Overlaps(Label o) => Left < o.Right && o.Left < Right && Top < o.Bottom && o.Top < Bottom;

        public override string ToString() => $"\"{Text}\" [{Left:0},{Top:0} - {Right:0},{Bottom:0}]";
    }

    public static IReadOnlyList<Label> Read(string svg)
    {
        XNamespace ns = "http://www.w3.org/2000/svg";
        return XDocument.Parse(svg).Descendants(ns + "text").Select(t =>
        {
            double Attr(string name) => double.Parse((string)t.Attribute(name)!, CultureInfo.InvariantCulture);
            var size = Attr("font-size");
            var mono = ((string?)t.Attribute("font-family") ?? "").StartsWith("DejaVu Sans Mono", StringComparison.Ordinal);
            var width = SvgWriter.TextWidth(t.Value, size, mono) * ((string?)t.Attribute("font-weight") == "bold" ? 1.1 : 1.0);
            var x = Attr("x");
            var left = (string?)t.Attribute("text-anchor") switch
            {
                "middle" => x - (width / 2),
                "end" => x - width,
                _ => x,
            };
            var y = Attr("y");
            return new Label(t.Value, left, y - (size * 0.8), left + width, y + (size * 0.22));
        }).ToList();
    }

    /// <summary>Every pair of labels whose boxes intersect, as "a overlaps b".</summary>
    public static IReadOnlyList<string> Overlapping(string svg)
    {
        var labels = Read(svg);
        var found = new List<string>();
        for (var i = 0; i < labels.Count; i++)
        {
            for (var j = i + 1; j < labels.Count; j++)
            {
                if (labels[i].Overlaps(labels[j]))
                {
                    found.Add($"{labels[i]} overlaps {labels[j]}");
                }
            }
        }
        return found;
    }

    /// <summary>Labels that reach outside the picture.</summary>
    public static IReadOnlyList<string> Outside(string svg, double width, double height) =>
        Read(svg).Where(l => l.Left < 0 || l.Top < 0 || l.Right > width || l.Bottom > height).Select(l => $"{l} is outside {width}x{height}").ToList();
}
