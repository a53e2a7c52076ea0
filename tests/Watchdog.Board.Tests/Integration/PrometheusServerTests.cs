using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using static Watchdog.Board.Tests.Integration.BoardRig;

namespace Watchdog.Board.Tests.Integration;

/// <summary>
/// A real Prometheus server (Debian's package, installed by scripts/install-test-deps.sh) scrapes
/// the board's --metrics endpoint on loopback and answers queries over what it scraped.
/// </summary>
public sealed class PrometheusServerTests(ITestOutputHelper output)
{
    [PrometheusFact]
    public async Task Prometheus_scrapes_the_board_and_answers_a_query_on_its_channel_states()
    {
        using var rig = new BoardRig();
        await using MqttProbe probe = await rig.WatchAsync();
        string config = rig.WriteConfig(Config(""));
        rig.FeedBothHeartbeats();
        int metricsPort = FreePort.Find();
        using BoardProcess board = BoardProcess.Start(rig.BoardArgs(config, "--metrics", $"127.0.0.1:{metricsPort}"));
        int webPort = FreePort.Find();
        string yml = rig.Dir.File("prometheus.yml");
        File.WriteAllText(yml, $"""
            global:
              scrape_interval: 1s
              scrape_timeout: 900ms
            scrape_configs:
              - job_name: watchdog-board
                static_configs:
                  - targets: ["127.0.0.1:{metricsPort}"]
            """);
        var psi = new ProcessStartInfo(PrometheusFactAttribute.Binary!)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
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
            string query = "sum by (node) (watchdog_channel_state{job=\"watchdog-board\",state=\"healthy\"})";
            JsonElement[] result = [];
            bool answered = await Poll.UntilAsync(() =>
            {
                result = Query(http, webPort, query);
                return result.Length == 2 && result.All(r => Value(r) == 1);
            }, TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(200));
            Assert.True(answered, $"Prometheus did not answer '{query}' with both nodes healthy; last answer: {string.Join(", ", result.Select(r => r.ToString()))}");
            Assert.Equal(["n1", "n2"], result.Select(r => r.GetProperty("metric").GetProperty("node").GetString()).Order());

            JsonElement[] up = Query(http, webPort, "up{job=\"watchdog-board\"}");
            Assert.Equal(1, Value(Assert.Single(up)));
            output.WriteLine($"Prometheus answered: {query} -> both 1; up = 1");
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
        }
    }

    internal static JsonElement[] Query(HttpClient http, int port, string promql)
    {
        try
        {
            string body = http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/api/v1/query?query={Uri.EscapeDataString(promql)}")).GetAwaiter().GetResult();
            using JsonDocument doc = JsonDocument.Parse(body);
            return [.. doc.RootElement.GetProperty("data").GetProperty("result").EnumerateArray().Select(e => e.Clone())];
        }
        catch (HttpRequestException)
        {
            return []; // Prometheus still starting
        }
    }

    // An instant vector's sample: [time, "value"].
    internal static double Value(JsonElement r) => double.Parse(r.GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture);
}

/// <summary>A fact that needs the prometheus binary: skipped, saying so, when it is not installed.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class PrometheusFactAttribute : FactAttribute
{
    public PrometheusFactAttribute()
    {
        if (Binary is null)
        {
            Skip = "the prometheus binary is not installed (scripts/install-test-deps.sh installs Debian's package)";
        }
    }

    /// <summary>prometheus on PATH, or null.</summary>
    public static string? Binary { get; } = (Environment.GetEnvironmentVariable("PATH") ?? "")
        .Split(':', StringSplitOptions.RemoveEmptyEntries)
        .Select(d => Path.Combine(d, "prometheus"))
        .FirstOrDefault(File.Exists);
}
