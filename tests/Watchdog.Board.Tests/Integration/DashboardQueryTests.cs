using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging.Abstractions;
using AgentConfig = Watchdog.Agent.Configuration;
using Watchdog.Agent.Hosting;
using Watchdog.Board.Hosting;
using Watchdog.Board.Metrics;
using Watchdog.Board.Persistence;
using Watchdog.Metrics;
using Watchdog.Mqtt;
using static Watchdog.Board.Tests.Integration.BoardRig;

namespace Watchdog.Board.Tests.Integration;

/// <summary>
/// The Grafana dashboard shipped in deploy/grafana queries only metrics that exist: every metric
/// name in every panel's PromQL is one the board's or the agent's registry really exports (both
/// built here as the programs build them), and both registries keep the naming rules.
/// </summary>
public sealed partial class DashboardQueryTests(ITestOutputHelper output)
{
    private static readonly HashSet<string> PromQlWords = new(StringComparer.Ordinal)
    {
        "by", "without", "on", "ignoring", "group_left", "group_right", "offset", "bool", "and", "or", "unless", "le", "inf", "nan",
    };

    [Fact]
    public async Task Every_metric_a_dashboard_panel_queries_is_exported_by_the_board_or_the_agent()
    {
        IReadOnlyList<MetricFamily> families = [.. await BoardFamiliesAsync(), .. await AgentFamiliesAsync()];
        var exported = new HashSet<string>(StringComparer.Ordinal);
        foreach (MetricFamily f in families)
        {
            exported.Add(f.Name);
            if (f.Type is "histogram" or "summary")
            {
                exported.UnionWith([f.Name + "_bucket", f.Name + "_sum", f.Name + "_count"]);
            }
        }

        string path = Repository.Path("deploy", "grafana", "watchdog-dashboard.json");
        using JsonDocument dashboard = JsonDocument.Parse(File.ReadAllText(path));
        var queried = new List<(string Panel, string Expr, string Metric)>();
        foreach (JsonElement panel in Panels(dashboard.RootElement))
        {
            if (!panel.TryGetProperty("targets", out JsonElement targets))
            {
                continue;
            }

            string title = panel.GetProperty("title").GetString()!;
            foreach (JsonElement target in targets.EnumerateArray())
            {
                string expr = target.GetProperty("expr").GetString()!;
                string[] metrics = MetricNames(expr).ToArray();
                Assert.True(metrics.Length > 0, $"panel '{title}': query '{expr}' names no metric");
                queried.AddRange(metrics.Select(m => (title, expr, m)));
            }
        }

        output.WriteLine($"{queried.Count} metric references in {queried.Select(q => q.Panel).Distinct().Count()} panels; {exported.Count} names exported");
        Assert.True(queried.Count >= 20, "the dashboard's panels were found and read");
        Assert.All(queried, q => Assert.True(exported.Contains(q.Metric), $"panel '{q.Panel}': '{q.Metric}' in '{q.Expr}' is not exported by the board or the agent"));
        Assert.All(families, f => Assert.Empty(MetricNaming.Problems(f)));
    }

    [Fact]
    public void The_query_reader_finds_metrics_and_skips_functions_labels_and_ranges()
    {
        Assert.Equal(["watchdog_a_bucket"], MetricNames("histogram_quantile(0.95, sum by (le, group) (rate(watchdog_a_bucket{x=\"up\"}[5m])))"));
        Assert.Equal(["watchdog_b", "watchdog_c_total"], MetricNames("watchdog_b == 1 and on (node) increase(watchdog_c_total[$__range])"));
    }

    /// <summary>
    /// Metric names in a PromQL expression: identifiers that are not functions or aggregations
    /// (followed by a parenthesis, once "by (...)" is gone), keywords, label names, or inside strings and ranges.
    /// </summary>
    internal static IEnumerable<string> MetricNames(string expr)
    {
        string s = Quoted().Replace(expr, "\"\"");
        s = Braces().Replace(s, "");
        s = Brackets().Replace(s, "");
        s = Grouping().Replace(s, " ");
        return Identifier().Matches(s)
            .Where(m => !s[(m.Index + m.Length)..].TrimStart().StartsWith('(') && !PromQlWords.Contains(m.Value.ToLowerInvariant()))
            .Select(m => m.Value)
            .Distinct();
    }

    private static IEnumerable<JsonElement> Panels(JsonElement holder)
    {
        if (!holder.TryGetProperty("panels", out JsonElement panels))
        {
            yield break;
        }

        foreach (JsonElement p in panels.EnumerateArray())
        {
            yield return p;
            foreach (JsonElement inner in Panels(p))
            {
                yield return inner;
            }
        }
    }

    private static async Task<IReadOnlyList<MetricFamily>> BoardFamiliesAsync()
    {
        using var rig = new BoardRig();
        Assert.True(BoardOptions.TryParse(rig.BoardArgs(rig.WriteConfig(Config(BoardRig.Group))), out BoardOptions options, out string error), error);
        var epochFile = new EpochFile(options.StateDirectory);
        Assert.True(BoardLoader.TryLoad(options, epochFile, out BoardParts? parts, out error), error);
        using (parts)
        {
            var link = new MqttLink(
                new MqttLinkOptions { Brokers = options.Brokers, ClientId = "dashboard-test", WillTopic = "t", WillPayload = [] },
                NullLogger.Instance);
            await using (link)
            {
                using var systemd = new SystemdNotifier();
                var runtime = new BoardRuntime(parts!, link, new InboundQueue(16), epochFile, systemd);
                return await Exposition.CollectAsync(new BoardMetrics(parts!, runtime, link).Registry);
            }
        }
    }

    private static async Task<IReadOnlyList<MetricFamily>> AgentFamiliesAsync()
    {
        using var dir = new TempDirectory();
        var options = new AgentConfig.AgentOptions
        {
            Cluster = "test",
            Node = "n1",
            Group = "g1",
            Heartbeat = new AgentConfig.HeartbeatOptions { Driver = "virtual", WireFile = dir.File("wires"), Pin = 2 },
            Mqtt = new AgentConfig.MqttOptions { Brokers = [new AgentConfig.BrokerOptions { Host = "127.0.0.1", Port = FreePort.Find() }] },
            Metrics = new AgentConfig.MetricsOptions { PrometheusListen = "127.0.0.1:" + FreePort.Find() },
        };
        using var runtime = new AgentRuntime(options, NullLoggerFactory.Instance, TimeProvider.System);
        Assert.NotNull(runtime.Prometheus);
        return await Exposition.CollectAsync(runtime.Prometheus.Registry);
    }

    [GeneratedRegex("\"(?:[^\"\\\\]|\\\\.)*\"")]
    private static partial Regex Quoted();

    [GeneratedRegex("\\{[^}]*\\}")]
    private static partial Regex Braces();

    [GeneratedRegex("\\[[^\\]]*\\]")]
    private static partial Regex Brackets();

    [GeneratedRegex("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)")]
    private static partial Regex Grouping();

    [GeneratedRegex("(?<![\\w.$])[a-zA-Z_:][a-zA-Z0-9_:]*")]
    private static partial Regex Identifier();
}
