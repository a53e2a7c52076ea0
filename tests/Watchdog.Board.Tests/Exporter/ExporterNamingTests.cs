using System.Security.Cryptography;
using Microsoft.Extensions.Logging.Abstractions;
using Watchdog.Board.Hosting;
using Watchdog.Board.Metrics;
using Watchdog.Board.Persistence;
using Watchdog.Firmware.Core;
using Watchdog.Firmware.Glue;
using Watchdog.Metrics;
using Watchdog.Metrics.Exporter;
using Watchdog.Mqtt;
using Watchdog.Protocol.Signing;
using Watchdog.Board.Tests.Integration;

namespace Watchdog.Board.Tests.Exporter;

/// <summary>
/// Every series the exporter serves for a board is one the Linux board's own endpoint exports:
/// the same family name and type, the same label names, the same histogram buckets. Both sides
/// are built here as the programs build them, from the same board configuration: the board's
/// prometheus-net registry (every counter and histogram given a child, as after a failover) and
/// the exporter's page for the report BoardMetricsReporter makes from the same core.
/// </summary>
public sealed class ExporterNamingTests(ITestOutputHelper output)
{
    /// <summary>The exporter's own series, which no board has.</summary>
    private const string ExporterPrefix = "watchdog_exporter_";

    [Fact]
    public async Task Every_family_the_exporter_serves_is_the_boards_with_the_same_type_labels_and_buckets()
    {
        using var rig = new BoardRig();
        Assert.True(BoardOptions.TryParse(rig.BoardArgs(rig.WriteConfig(BoardRig.Config(BoardRig.Group))), out BoardOptions options, out string error), error);
        var epochFile = new EpochFile(options.StateDirectory);
        Assert.True(BoardLoader.TryLoad(options, epochFile, out BoardParts? parts, out error), error);
        using (parts)
        {
            var link = new MqttLink(new MqttLinkOptions { Brokers = options.Brokers, ClientId = "naming-test", WillTopic = "", WillPayload = [] }, NullLogger.Instance);
            await using (link)
            {
                using var systemd = new SystemdNotifier();
                var runtime = new BoardRuntime(parts!, link, new InboundQueue(16), epochFile, systemd);
                var metrics = new BoardMetrics(parts!, runtime, link);
                metrics.Events.EventPublished("state-fenced", Severity.Alert);
                metrics.Events.Fenced("n1", true, 620);
                metrics.Events.LadderAction("n1", "reset");
                metrics.Events.RoleChanged("g1");
                metrics.Events.FailedOver("g1", true, 1840);
                IReadOnlyList<MetricFamily> board = await Exposition.CollectAsync(metrics.Registry);

                var ring = new KeyRing();
                ring.Add("kb", RandomNumberGenerator.GetBytes(32), KeyRole.Board, BoardRig.BoardName);
                var reporter = new BoardMetricsReporter(parts!.Core, runtime.Counters, parts.Topics, BoardRig.BoardName, "test", 1000,
                    new SealedChannel(ring, new PortableHmacSha256(), KeyRole.Board, BoardRig.BoardName), runtime);
                BoardMetricsReport report = reporter.Build(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
                report.Events = [new EventCount { Kind = "state-fenced", Severity = Severity.Alert, Count = 1 }];
                var w = new ExpositionWriter();
                BoardReportSeries.Write(w, report, BoardRig.Cluster);
                IReadOnlyList<MetricFamily> exporter = Exposition.Parse(w.ToString());
                output.WriteLine(w.ToString());

                Assert.True(exporter.Count >= 35, $"the exporter's page holds the board's families ({exporter.Count})");
                var byName = board.ToDictionary(f => f.Name);
                foreach (MetricFamily e in exporter.Where(f => !f.Name.StartsWith(ExporterPrefix, StringComparison.Ordinal)))
                {
                    Assert.True(byName.TryGetValue(e.Name, out MetricFamily? b), $"{e.Name}: served by the exporter, not exported by the board");
                    Assert.Equal(b!.Type, e.Type);
                    Assert.Equal(LabelSets(b), LabelSets(e));
                    if (e.Type == "histogram")
                    {
                        Assert.Equal(LeValues(b), LeValues(e));
                    }

                    Assert.Empty(MetricNaming.Problems(e));
                }

                // What the board exports and the exporter does not: named here so a new board metric is a decision.
                string[] notServed = board.Where(f => f.Samples.Count > 0).Select(f => f.Name).Except(exporter.Select(f => f.Name)).Order(StringComparer.Ordinal).ToArray();
                // The collector's counts are the Linux board's .NET runtime's; the ESP32's report has no such figures.
                Assert.Equal(["watchdog_board_gc_collections_total", "watchdog_board_gc_tick_collections_total", "watchdog_board_scrape_duration_seconds"], notServed);
            }
        }
    }

    [Fact]
    public void The_protocols_group_phase_words_are_the_cores_phases_in_order()
    {
        Assert.Equal(Enum.GetValues<GroupPhase>().Select(p => p.ToString().ToLowerInvariant()).ToArray(), WireWords.AllGroupPhases());
        Assert.Equal(Enum.GetValues<GroupPhase>().Select(p => (int)p).ToArray(), Enumerable.Range(0, WireWords.AllGroupPhases().Length).ToArray());
    }

    // Per sample name (a histogram's _bucket, _sum, _count apart), the label names its series carry.
    private static SortedDictionary<string, string> LabelSets(MetricFamily f) => new(
        f.Samples.GroupBy(s => s.Name).ToDictionary(g => g.Key, g => string.Join(";", g.Select(s => string.Join(",", s.Labels.Keys.Order(StringComparer.Ordinal))).Distinct().Order(StringComparer.Ordinal))),
        StringComparer.Ordinal);

    private static string[] LeValues(MetricFamily f) => f.Samples.Where(s => s.Name.EndsWith("_bucket", StringComparison.Ordinal)).Select(s => s.Label("le")).Distinct().ToArray();
}
