using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;
using Watchdog.Metrics;
using Watchdog.Metrics.Exporter;
using Watchdog.Mqtt;
using Watchdog.Protocol.Signing;
using static Watchdog.Board.Tests.Integration.BoardRig;

namespace Watchdog.Board.Tests.Integration;

/// <summary>
/// A real Prometheus scrapes the exporter with the per-board scrape configuration of
/// docs/operations.md ("ESP32 boards: through the exporter"): the board's name as the target,
/// relabelled into ?board= and instance. Its parser takes the exporter's text and its queries see
/// the board's channel states and epoch under the board's own metric names.
/// </summary>
public sealed class ExporterPrometheusTests(ITestOutputHelper output)
{
    [PrometheusFact]
    public async Task Prometheus_scrapes_a_board_through_the_exporter_with_the_documented_relabelling()
    {
        using var rig = new BoardRig();
        await using MqttProbe probe = await rig.WatchAsync();
        byte[] boardKey = RandomNumberGenerator.GetBytes(32);
        string keyFile = rig.Dir.File("board.keys");
        Watchdog.Platform.Posix.PrivateFiles.WriteNew(keyFile, ClusterKeyFile.Line(KeyRole.Board, BoardName, "kb", boardKey) + "\n");
        string config = rig.WriteConfig(Config(""));
        rig.FeedBothHeartbeats();
        var exporterKeys = new KeyRing();
        exporterKeys.Add("kb", boardKey, KeyRole.Board, BoardName);
        int exporterPort = FreePort.Find();
        var settings = new ExporterSettings(Cluster, [new MqttBroker(rig.Broker.Host, rig.Broker.Port)], null, null, exporterKeys, new PortableHmacSha256(), new ListenAddress("127.0.0.1", exporterPort));
        Assert.True(MetricsExporter.TryStart(settings, output.WriteLine, out MetricsExporter? exporter, out string error), error);
        using var stop = new CancellationTokenSource();
        await using (exporter!)
        {
            Task following = exporter!.RunAsync(stop.Token);
            using BoardProcess board = BoardProcess.Start(rig.BoardArgs(config, "--cluster-key-file", keyFile, "--metrics-mqtt-interval-ms", "500"));
            int webPort = FreePort.Find();
            string yml = rig.Dir.File("prometheus.yml");
            File.WriteAllText(yml, $$"""
                global:
                  scrape_interval: 1s
                  scrape_timeout: 900ms
                scrape_configs:
                  - job_name: watchdog-esp32
                    static_configs: [{targets: ["{{BoardName}}"]}]
                    relabel_configs:
                      - {source_labels: [__address__], target_label: __param_board}
                      - {source_labels: [__param_board], target_label: instance}
                      - {target_label: __address__, replacement: "127.0.0.1:{{exporterPort}}"}
                  - job_name: watchdog-exporter
                    static_configs: [{targets: ["127.0.0.1:{{exporterPort}}"]}]
                """);
            var psi = new ProcessStartInfo(PrometheusFactAttribute.Binary!) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (string a in new[] { "--config.file=" + yml, "--storage.tsdb.path=" + rig.Dir.File("tsdb"), "--web.listen-address=127.0.0.1:" + webPort })
            {
                psi.ArgumentList.Add(a);
            }

            using Process prometheus = Process.Start(psi)!;
            var log = new System.Text.StringBuilder();
            prometheus.ErrorDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
            prometheus.BeginErrorReadLine();
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            try
            {
                await rig.WaitUntilSettledAndHealthyAsync(board, probe);
                string query = $"sum by (node) (watchdog_channel_state{{job=\"watchdog-esp32\",instance=\"{BoardName}\",state=\"healthy\"}})";
                JsonElement[] result = [];
                bool answered = await Poll.UntilAsync(() =>
                {
                    result = PrometheusServerTests.Query(http, webPort, query);
                    return result.Length == 2 && result.All(r => PrometheusServerTests.Value(r) == 1);
                }, TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(200));
                Assert.True(answered, $"Prometheus did not answer '{query}' with both nodes healthy; last answer: {string.Join(", ", result.Select(r => r.ToString()))}");
                Assert.Equal(1, PrometheusServerTests.Value(Assert.Single(PrometheusServerTests.Query(http, webPort, "up{job=\"watchdog-esp32\"}"))));
                // The exporter's own page is another target, scraped on its own schedule: a scrape
                // from before the first report holds 0 until the next one, so wait for the 1.
                string freshQuery = $"watchdog_exporter_report_fresh{{job=\"watchdog-exporter\",board=\"{BoardName}\"}}";
                JsonElement[] fresh = [];
                Assert.True(await Poll.UntilAsync(() => (fresh = PrometheusServerTests.Query(http, webPort, freshQuery)).Length == 1 && PrometheusServerTests.Value(fresh[0]) == 1,
                    TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(200)),
                    $"Prometheus did not answer '{freshQuery}' with 1; last answer: {string.Join(", ", fresh.Select(r => r.ToString()))}");
                output.WriteLine($"Prometheus answered through the exporter: {query} -> both 1; up = 1; fresh = 1");
            }
            finally
            {
                if (!prometheus.HasExited)
                {
                    prometheus.Kill();
                    await prometheus.WaitForExitAsync();
                }

                lock (log)
                {
                    output.WriteLine(log.ToString());
                }

                output.WriteLine(board.Output);
                stop.Cancel();
                await following;
            }
        }
    }
}
