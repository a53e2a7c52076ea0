using System.Globalization;
using System.Text;
using Watchdog.Bench.Analysis;

namespace Watchdog.Bench.Results;

/// <summary>Markdown tables of scenario summaries, one row per (scenario, peer).</summary>
public static class MarkdownReport
{
    /// <summary>A metric column group: its title and how to pick it from a summary.</summary>
    public sealed record Metric(string Title, Func<ScenarioSummary, Distribution> Pick, string Unit);

    public static IReadOnlyList<Metric> DefaultMetrics { get; } =
    [
        new("RTO", s => s.RtoMs, "ms"),
        new("overlap", s => s.OverlapMs, "ms"),
        new("flaps", s => s.Flaps, string.Empty),
    ];

    /// <summary>
    /// One table: scenario, peer, runs, then p50 / p95 / p99 / max of each metric. A metric that
    /// some runs never reached shows "(k missing)"; one no run reached shows "n/a".
    /// </summary>
    public static string Table(IEnumerable<ScenarioSummary> summaries, IReadOnlyList<Metric>? metrics = null)
    {
        metrics ??= DefaultMetrics;
        var text = new StringBuilder();
        text.Append("| scenario | peer | runs |");
        foreach (Metric metric in metrics)
        {
            string unit = metric.Unit.Length > 0 ? " (" + metric.Unit + ")" : string.Empty;
            text.Append(CultureInfo.InvariantCulture, $" {metric.Title}{unit} p50 / p95 / p99 / max |");
        }

        text.AppendLine();
        text.Append("|---|---|---:|");
        foreach (Metric _ in metrics)
        {
            text.Append("---:|");
        }

        text.AppendLine();
        foreach (ScenarioSummary summary in summaries)
        {
            text.Append(CultureInfo.InvariantCulture, $"| {Escape(summary.Scenario)} | {Escape(summary.Peer)} | {summary.Runs} |");
            foreach (Metric metric in metrics)
            {
                text.Append(' ').Append(Cell(metric.Pick(summary))).Append(" |");
            }

            text.AppendLine();
        }

        return text.ToString();
    }

    /// <summary>"p50 / p95 / p99 / max", whole numbers, with missing runs noted.</summary>
    public static string Cell(Distribution d)
    {
        if (d.Count == 0)
        {
            return d.Missing > 0 ? $"n/a ({d.Missing} of {d.Missing} missing)" : "n/a";
        }

        string cell = string.Join(" / ", new[] { d.P50, d.P95, d.P99, d.Max }.Select(v => v!.Value.ToString("0", CultureInfo.InvariantCulture)));
        return d.Missing > 0 ? cell + $" ({d.Missing} missing)" : cell;
    }

    private static string Escape(string text) => text.Replace("|", "\\|", StringComparison.Ordinal);
}
