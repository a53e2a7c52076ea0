using System.Text.RegularExpressions;

namespace Watchdog.Metrics;

/// <summary>
/// The naming rules of Prometheus' best practices, as this project keeps them: the one
/// application prefix "watchdog_", the metric and label name syntax, base units (seconds and
/// bytes, never milliseconds), "_total" on counters and only on counters, no reserved "__" labels.
/// </summary>
public static partial class MetricNaming
{
    public const string Prefix = "watchdog_";

    private static readonly string[] NonBaseUnits = ["_ms", "_milliseconds", "_microseconds", "_minutes", "_hours", "_days", "_kilobytes", "_megabytes", "_percent"];

    [GeneratedRegex("^[a-zA-Z_:][a-zA-Z0-9_:]*$")]
    private static partial Regex MetricName();

    [GeneratedRegex("^[a-zA-Z_][a-zA-Z0-9_]*$")]
    private static partial Regex LabelName();

    /// <summary>Every rule a family breaks, as sentences naming the metric; empty when it keeps them all.</summary>
    public static IEnumerable<string> Problems(MetricFamily family)
    {
        string n = family.Name;
        if (!MetricName().IsMatch(n))
        {
            yield return $"{n}: not a valid metric name";
        }

        if (!n.StartsWith(Prefix, StringComparison.Ordinal))
        {
            yield return $"{n}: does not start with the application prefix '{Prefix}'";
        }

        if (n.Contains(':', StringComparison.Ordinal))
        {
            yield return $"{n}: colons are for recording rules, not exporters";
        }

        foreach (string unit in NonBaseUnits)
        {
            if (n.EndsWith(unit, StringComparison.Ordinal) || n.Contains(unit + "_", StringComparison.Ordinal))
            {
                yield return $"{n}: '{unit.TrimStart('_')}' is not a base unit (use seconds, bytes, or a ratio)";
            }
        }

        bool total = n.EndsWith("_total", StringComparison.Ordinal);
        if (family.Type == "counter" && !total)
        {
            yield return $"{n}: a counter's name ends in _total";
        }

        if (family.Type != "counter" && total)
        {
            yield return $"{n}: only counters end in _total (this is a {family.Type})";
        }

        foreach (string label in family.Samples.SelectMany(s => s.Labels.Keys).Distinct())
        {
            if (!LabelName().IsMatch(label) || label.StartsWith("__", StringComparison.Ordinal))
            {
                yield return $"{n}: label '{label}' is not a valid label name (or is reserved)";
            }
        }
    }
}
