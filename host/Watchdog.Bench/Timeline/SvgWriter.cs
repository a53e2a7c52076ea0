using System.Globalization;
using System.Text;

namespace Watchdog.Bench.Timeline;

/// <summary>
/// A deliberately small SVG writer: rectangles, lines, circles, text and groups, with attribute
/// values and text escaped for XML. Numbers are written with the invariant culture and at most
/// two decimals, so the output is stable across machines and diffs well.
/// </summary>
public sealed class SvgWriter
{
    private readonly StringBuilder body = new();
    private readonly double width;
    private readonly double height;
    private int depth = 1;

    public SvgWriter(double width, double height)
    {
        if (width <= 0 || height <= 0 || double.IsNaN(width) || double.IsNaN(height))
        {
            throw new ArgumentOutOfRangeException(nameof(width), $"SVG size must be positive, got {width} x {height}");
        }

        this.width = width;
        this.height = height;
    }

    public void Rect(double x, double y, double w, double h, string fill, string? title = null, double opacity = 1)
    {
        string extra = opacity < 1 ? $" fill-opacity=\"{N(opacity)}\"" : string.Empty;
        Element("rect", $"x=\"{N(x)}\" y=\"{N(y)}\" width=\"{N(Math.Max(w, 0))}\" height=\"{N(Math.Max(h, 0))}\" fill=\"{Escape(fill)}\"{extra}", title);
    }

    public void Line(double x1, double y1, double x2, double y2, string stroke, double strokeWidth = 1, string? dash = null)
    {
        string dashAttribute = dash is null ? string.Empty : $" stroke-dasharray=\"{Escape(dash)}\"";
        Element("line", $"x1=\"{N(x1)}\" y1=\"{N(y1)}\" x2=\"{N(x2)}\" y2=\"{N(y2)}\" stroke=\"{Escape(stroke)}\" stroke-width=\"{N(strokeWidth)}\"{dashAttribute}", null);
    }

    public void Circle(double cx, double cy, double r, string fill, string? title = null) =>
        Element("circle", $"cx=\"{N(cx)}\" cy=\"{N(cy)}\" r=\"{N(r)}\" fill=\"{Escape(fill)}\"", title);

    /// <summary>Text; <paramref name="anchor"/> is start, middle or end.</summary>
    public void Text(double x, double y, string text, double size = 12, string fill = "#222", string anchor = "start", bool bold = false)
    {
        string weight = bold ? " font-weight=\"bold\"" : string.Empty;
        Indent();
        body.Append(CultureInfo.InvariantCulture, $"<text x=\"{N(x)}\" y=\"{N(y)}\" font-size=\"{N(size)}\" fill=\"{Escape(fill)}\" text-anchor=\"{Escape(anchor)}\"{weight}>{Escape(text)}</text>\n");
    }

    /// <summary>Opens a group with an optional id (close it with <see cref="EndGroup"/>).</summary>
    public void BeginGroup(string? id = null)
    {
        Indent();
        body.Append(id is null ? "<g>\n" : $"<g id=\"{Escape(id)}\">\n");
        depth++;
    }

    public void EndGroup()
    {
        if (depth <= 1)
        {
            throw new InvalidOperationException("EndGroup without a matching BeginGroup");
        }

        depth--;
        Indent();
        body.Append("</g>\n");
    }

    /// <summary>The complete document.</summary>
    public override string ToString()
    {
        if (depth != 1)
        {
            throw new InvalidOperationException($"{depth - 1} group(s) still open");
        }

        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            + $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{N(width)}\" height=\"{N(height)}\" viewBox=\"0 0 {N(width)} {N(height)}\" font-family=\"DejaVu Sans, Arial, sans-serif\">\n"
            + body
            + "</svg>\n";
    }

    private void Element(string name, string attributes, string? title)
    {
        Indent();
        body.Append('<').Append(name).Append(' ').Append(attributes);
        if (title is null)
        {
            body.Append("/>\n");
        }
        else
        {
            // A <title> child shows as a tooltip in browsers: exact times without cluttering the picture.
            body.Append("><title>").Append(Escape(title)).Append("</title></").Append(name).Append(">\n");
        }
    }

    private void Indent() => body.Append(' ', depth * 2);

    internal static string N(double value) => Math.Round(value, 2).ToString("0.##", CultureInfo.InvariantCulture);

    internal static string Escape(string text)
    {
        var escaped = new StringBuilder(text.Length);
        foreach (char c in text)
        {
            switch (c)
            {
                case '&': escaped.Append("&amp;"); break;
                case '<': escaped.Append("&lt;"); break;
                case '>': escaped.Append("&gt;"); break;
                case '"': escaped.Append("&quot;"); break;
                case '\'': escaped.Append("&apos;"); break;
                default:
                    // XML 1.0 forbids most control characters even escaped: drop them.
                    if (c >= 0x20 || c is '\t' or '\n' or '\r')
                    {
                        escaped.Append(c);
                    }

                    break;
            }
        }

        return escaped.ToString();
    }
}
