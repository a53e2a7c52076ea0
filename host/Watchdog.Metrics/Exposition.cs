using System.Globalization;
using System.Text;
using Prometheus;

namespace Watchdog.Metrics;

/// <summary>One sample line of the text exposition format: name, labels, value.</summary>
public sealed record Sample(string Name, IReadOnlyDictionary<string, string> Labels, double Value)
{
    public string Label(string name) => Labels.TryGetValue(name, out string? v) ? v : "";
}

/// <summary>A metric family: the name and type its "# TYPE" line gives, and its samples.</summary>
public sealed record MetricFamily(string Name, string Type, IReadOnlyList<Sample> Samples);

/// <summary>
/// Reads Prometheus' text exposition format (version 0.0.4) as prometheus-net writes it: what the
/// tests, the naming check and the dashboard check use to see what a registry really exports.
/// </summary>
public static class Exposition
{
    /// <summary>Everything <paramref name="registry"/> exports now (its collect callbacks run).</summary>
    public static async Task<IReadOnlyList<MetricFamily>> CollectAsync(CollectorRegistry registry, CancellationToken ct = default)
    {
        using var stream = new MemoryStream();
        await registry.CollectAndExportAsTextAsync(stream, ct);
        return Parse(Encoding.UTF8.GetString(stream.ToArray()));
    }

    public static IReadOnlyList<MetricFamily> Parse(string text)
    {
        var families = new List<MetricFamily>();
        string? name = null;
        string type = "untyped";
        var samples = new List<Sample>();
        int lineNumber = 0;
        foreach (string raw in text.Split('\n'))
        {
            lineNumber++;
            string line = raw.TrimEnd('\r');
            if (line.Length == 0 || (line.StartsWith('#') && !line.StartsWith("# TYPE ", StringComparison.Ordinal)))
            {
                continue;
            }

            if (line.StartsWith("# TYPE ", StringComparison.Ordinal))
            {
                Flush();
                string[] parts = line.Split(' ');
                name = parts[2];
                type = parts.Length > 3 ? parts[3] : "untyped";
                continue;
            }

            samples.Add(ParseSample(line, lineNumber));
        }

        Flush();
        return families;

        void Flush()
        {
            if (name is not null)
            {
                families.Add(new MetricFamily(name, type, [.. samples]));
            }

            samples.Clear();
            name = null;
        }
    }

    private static Sample ParseSample(string line, int lineNumber)
    {
        int brace = line.IndexOf('{', StringComparison.Ordinal);
        int space = line.IndexOf(' ', StringComparison.Ordinal);
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        string name;
        string rest;
        if (brace >= 0 && (space < 0 || brace < space))
        {
            name = line[..brace];
            int i = brace + 1;
            while (i < line.Length && line[i] != '}')
            {
                int eq = line.IndexOf('=', i);
                string label = line[i..eq];
                var value = new StringBuilder();
                int j = eq + 2; // past ="
                for (; line[j] != '"'; j++)
                {
                    if (line[j] == '\\')
                    {
                        j++;
                        value.Append(line[j] == 'n' ? '\n' : line[j]);
                        continue;
                    }

                    value.Append(line[j]);
                }

                labels[label] = value.ToString();
                i = j + 1;
                if (i < line.Length && line[i] == ',')
                {
                    i++;
                }
            }

            rest = line[(i + 1)..].Trim();
        }
        else
        {
            if (space < 0)
            {
                throw new FormatException($"exposition line {lineNumber}: no value in '{line}'");
            }

            name = line[..space];
            rest = line[space..].Trim();
        }

        string valueText = rest.Split(' ')[0];
        double v = valueText switch
        {
            "+Inf" => double.PositiveInfinity,
            "-Inf" => double.NegativeInfinity,
            "NaN" => double.NaN,
            _ => double.TryParse(valueText, NumberStyles.Float, CultureInfo.InvariantCulture, out double d)
                ? d
                : throw new FormatException($"exposition line {lineNumber}: value '{valueText}' is not a number"),
        };
        return new Sample(name, labels, v);
    }
}
