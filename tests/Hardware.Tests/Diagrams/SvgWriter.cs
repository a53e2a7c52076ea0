using System.Globalization;
using System.Text;

namespace Hardware.Tests.Diagrams;

/// <summary>
/// A minimal SVG writer: shapes and text, numbers in invariant culture, "\n" line ends, and no
/// timestamps, so the same pin map always gives the same bytes (the drift test depends on it).
/// </summary>
internal sealed class SvgWriter
{
    public const string Font = "DejaVu Sans, Arial, sans-serif";
    public const string MonoFont = "DejaVu Sans Mono, Consolas, monospace";

    private readonly StringBuilder _body = new();

    public SvgWriter(double width, double height)
    {
        Width = width;
        Height = height;
    }

    public double Width { get; }

    public double Height { get; }

    public void Comment(string text) => _body.Append("  <!-- ").Append(Escape(text).Replace("--", "- -", StringComparison.Ordinal)).Append(" -->\n");

    public void Rect(double x, double y, double w, double h, string fill, string stroke, double rx = 0, double strokeWidth = 1.5, bool dashed = false) =>
        _body.Append(CultureInfo.InvariantCulture,
            $"  <rect x=\"{N(x)}\" y=\"{N(y)}\" width=\"{N(w)}\" height=\"{N(h)}\" rx=\"{N(rx)}\" fill=\"{fill}\" stroke=\"{stroke}\" stroke-width=\"{N(strokeWidth)}\"{Dash(dashed)}/>\n");

    public void Line(double x1, double y1, double x2, double y2, string stroke, double width = 2, bool dashed = false) =>
        _body.Append(CultureInfo.InvariantCulture,
            $"  <line x1=\"{N(x1)}\" y1=\"{N(y1)}\" x2=\"{N(x2)}\" y2=\"{N(y2)}\" stroke=\"{stroke}\" stroke-width=\"{N(width)}\"{Dash(dashed)}/>\n");

    /// <summary>A path through the given points (orthogonal wiring).</summary>
    public void Wire(string stroke, bool dashed, params (double X, double Y)[] points)
    {
        var d = string.Join(" ", points.Select((p, i) => $"{(i == 0 ? "M" : "L")}{N(p.X)},{N(p.Y)}"));
        _body.Append(CultureInfo.InvariantCulture,
            $"  <path d=\"{d}\" fill=\"none\" stroke=\"{stroke}\" stroke-width=\"2\"{Dash(dashed)}/>\n");
    }

    /// <summary>A filled arrow head at (x, y) pointing right (+1) or left (-1).</summary>
    public void Arrow(double x, double y, int direction, string fill)
    {
        var back = x - (direction * 9);
        _body.Append(CultureInfo.InvariantCulture,
            $"  <polygon points=\"{N(x)},{N(y)} {N(back)},{N(y - 5)} {N(back)},{N(y + 5)}\" fill=\"{fill}\"/>\n");
    }

    /// <summary>A filled arrow head at (x, y) pointing down (+1) or up (-1).</summary>
    public void ArrowVertical(double x, double y, int direction, string fill)
    {
        var back = y - (direction * 9);
        _body.Append(CultureInfo.InvariantCulture,
            $"  <polygon points=\"{N(x)},{N(y)} {N(x - 5)},{N(back)} {N(x + 5)},{N(back)}\" fill=\"{fill}\"/>\n");
    }

    public void Circle(double cx, double cy, double r, string fill, string stroke) =>
        _body.Append(CultureInfo.InvariantCulture,
            $"  <circle cx=\"{N(cx)}\" cy=\"{N(cy)}\" r=\"{N(r)}\" fill=\"{fill}\" stroke=\"{stroke}\"/>\n");

    public void Text(double x, double y, string text, double size = 12, string anchor = "start", string fill = "#222", bool bold = false, bool mono = false) =>
        _body.Append(CultureInfo.InvariantCulture,
            $"  <text x=\"{N(x)}\" y=\"{N(y)}\" font-family=\"{(mono ? MonoFont : Font)}\" font-size=\"{N(size)}\" text-anchor=\"{anchor}\" fill=\"{fill}\"{(bold ? " font-weight=\"bold\"" : "")}>{Escape(text)}</text>\n");

    public override string ToString() =>
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" +
        $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{N(Width)}\" height=\"{N(Height)}\" viewBox=\"0 0 {N(Width)} {N(Height)}\">\n" +
        $"  <rect x=\"0\" y=\"0\" width=\"{N(Width)}\" height=\"{N(Height)}\" fill=\"#ffffff\"/>\n" +
        _body +
        "</svg>\n";

    /// <summary>Rough text width for layout; the diagrams use short labels and generous boxes.</summary>
    public static double TextWidth(string text, double size, bool mono = false) => text.Length * size * (mono ? 0.61 : 0.56);

    private static string N(double v) => v.ToString("0.##", CultureInfo.InvariantCulture);

    private static string Dash(bool dashed) => dashed ? " stroke-dasharray=\"6 4\"" : "";

    private static string Escape(string s) => s
        .Replace("&", "&amp;", StringComparison.Ordinal)
        .Replace("<", "&lt;", StringComparison.Ordinal)
        .Replace(">", "&gt;", StringComparison.Ordinal)
        .Replace("\"", "&quot;", StringComparison.Ordinal);
}
