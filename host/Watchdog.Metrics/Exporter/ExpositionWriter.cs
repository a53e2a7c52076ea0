using System.Globalization;
using System.Text;

namespace Watchdog.Metrics.Exporter;

/// <summary>
/// Writes Prometheus' text exposition format (version 0.0.4), one family at a time: "# HELP",
/// "# TYPE", then its samples. The exporter writes text itself rather than through a
/// prometheus-net registry because its series come and go with the boards' reports (a stale
/// board's series are dropped whole) and its histograms arrive as bucket counts, which
/// prometheus-net's Histogram can only be fed one observation at a time.
/// </summary>
public sealed class ExpositionWriter
{
    private readonly StringBuilder _text = new();
    private readonly HashSet<string> _families = new(StringComparer.Ordinal);

    private string? _pendingHeader;

    /// <summary>
    /// Starts a family; a name already written is an error (its samples would be split). Its
    /// "# HELP" and "# TYPE" lines are written with its first sample: a family without samples
    /// (no group with a site ticket, no peer, no board yet) is left out.
    /// </summary>
    public void Family(string name, string type, string help)
    {
        if (!_families.Add(name))
        {
            throw new InvalidOperationException($"metric family {name} written twice");
        }

        _pendingHeader = "# HELP " + name + " " + help.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal) + "\n"
            + "# TYPE " + name + " " + type + "\n";
    }

    /// <summary>One sample of the family last started; labels as name, value, name, value...</summary>
    public void Sample(string name, double value, params string[] labels)
    {
        if (_pendingHeader is not null)
        {
            _text.Append(_pendingHeader);
            _pendingHeader = null;
        }

        _text.Append(name);
        if (labels.Length > 0)
        {
            _text.Append('{');
            for (int i = 0; i + 1 < labels.Length; i += 2)
            {
                if (i > 0)
                {
                    _text.Append(',');
                }

                _text.Append(labels[i]).Append("=\"").Append(Escape(labels[i + 1])).Append('"');
            }

            _text.Append('}');
        }

        _text.Append(' ').Append(Number(value)).Append('\n');
    }

    /// <summary>Bool gauges as 1 and 0.</summary>
    public void Sample(string name, bool value, params string[] labels) => Sample(name, value ? 1 : 0, labels);

    public override string ToString() => _text.ToString();

    /// <summary>A double as Go's ParseFloat reads it: shortest round-trip digits, "+Inf", "-Inf", "NaN".</summary>
    public static string Number(double v) => double.IsNaN(v) ? "NaN"
        : double.IsPositiveInfinity(v) ? "+Inf"
        : double.IsNegativeInfinity(v) ? "-Inf"
        : v.ToString("R", CultureInfo.InvariantCulture);

    private static string Escape(string v) =>
        v.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
}
