using System.Security.Cryptography;
using MQTTnet;
using Watchdog.Cli.Commands;
using Watchdog.Cli.Tests.Broker;
using Watchdog.Sim.Broker;

namespace Watchdog.Cli.Tests;

/// <summary>
/// The real `watchdogctl exporter` program: it refuses to run without what it needs, and against
/// a real mosquitto serves a sealed report at once while an unsealed one changes nothing.
/// (A real board process publishing its reports: tests/Watchdog.Board.Tests, ExporterAgainstBoardTests.)
/// </summary>
public sealed class ExporterCommandTests : IDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);
    private readonly string _dir = BrokerTestSupport.NewDirectory();

    [Fact]
    public async Task Without_keys_a_listen_address_or_a_board_key_it_says_what_is_missing()
    {
        var noKeys = await CliProcess.RunAsync(Wait, "exporter", "--listen", "127.0.0.1:9107");
        Assert.Equal(ExporterCommand.ExitBadInput, noKeys.ExitCode);
        Assert.Contains("--keys <file> is required", noKeys.Stderr, StringComparison.Ordinal);

        var badListen = await CliProcess.RunAsync(Wait, "exporter", "--listen", "9107", "--keys", "x");
        Assert.Equal(ExporterCommand.ExitBadInput, badListen.ExitCode);
        Assert.Contains("--listen '9107'", badListen.Stderr, StringComparison.Ordinal);

        string operatorOnly = Path.Combine(_dir, "operator.keys");
        Watchdog.Platform.Posix.PrivateFiles.WriteNew(operatorOnly, ClusterKeyFile.Line(KeyRole.Operator, "", "op-1", RandomNumberGenerator.GetBytes(32)) + "\n");
        var noBoardKey = await CliProcess.RunAsync(Wait, "exporter", "--listen", "127.0.0.1:9107", "--keys", operatorOnly);
        Assert.Equal(2, noBoardKey.ExitCode);
        Assert.Contains("holds no board key", noBoardKey.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Against_mosquitto_it_serves_a_sealed_report_and_refuses_an_unsealed_one()
    {
        using MosquittoProcess broker = MosquittoProcess.Start();
        byte[] key = RandomNumberGenerator.GetBytes(32);
        string keys = Path.Combine(_dir, KeySet.ExporterFileName);
        Watchdog.Platform.Posix.PrivateFiles.WriteNew(keys, ClusterKeyFile.Line(KeyRole.Board, "rack1", "kb-rack1", key) + "\n");
        int port = BrokerTestSupport.FreePort();
        using var exporter = CliProcess.Start("exporter", "--broker", $"{broker.Host}:{broker.Port}", "--cluster", "t1", "--keys", keys, "--listen", $"127.0.0.1:{port}");
        await exporter.WaitForLineAsync("following watchdog/v1/t1/board/+/metrics", Wait);

        var topics = new TopicTree("t1");
        string topic = topics.BoardMetrics("rack1");
        using IMqttClient client = new MqttClientFactory().CreateMqttClient();
        await client.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer(broker.Host, broker.Port).WithClientId("exporter-test").Build());
        long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var forged = new BoardMetricsReport { Board = "rack1", Epoch = 999, IntervalMs = 60_000, Timestamp = now };
        await client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(MessageCodec.Encode(forged)).Build());
        var ring = new KeyRing();
        ring.Add("kb-rack1", key, KeyRole.Board, "rack1");
        var report = new BoardMetricsReport
        {
            Board = "rack1", Epoch = 5, IntervalMs = 60_000, Timestamp = now,
            Channels = [new ChannelFigures { Channel = "ch1", Node = "db1", State = ChannelState.Healthy }],
        };
        await client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(topic)
            .WithPayload(new SealedChannel(ring, new PortableHmacSha256(), KeyRole.Board, "rack1").Seal(topic, MessageCodec.Encode(report), now)).Build());

        using var http = new HttpClient();
        string page = await Eventually(http, $"http://127.0.0.1:{port}/metrics?board=rack1", text => text.Contains("watchdog_board_epoch 5\n", StringComparison.Ordinal));
        Assert.Contains("watchdog_channel_state{channel=\"ch1\",node=\"db1\",state=\"healthy\"} 1\n", page, StringComparison.Ordinal);
        string overview = await Eventually(http, $"http://127.0.0.1:{port}/metrics", text => text.Contains("watchdog_exporter_reports_refused_total{reason=\"unsealed\"} 1\n", StringComparison.Ordinal));
        Assert.Contains("watchdog_exporter_reports_total{board=\"rack1\"} 1\n", overview, StringComparison.Ordinal);
        Assert.Equal(System.Net.HttpStatusCode.NotFound, (await http.GetAsync($"http://127.0.0.1:{port}/metrics?board=rack9")).StatusCode);
        await exporter.WaitForLineAsync("refused metrics report on watchdog/v1/t1/board/rack1/metrics: unsealed", Wait);
    }

    // Scrapes until the page says what is awaited (the report travels through the broker first).
    private static async Task<string> Eventually(HttpClient http, string url, Func<string, bool> done)
    {
        using var cts = new CancellationTokenSource(Wait);
        string last = "";
        while (!cts.IsCancellationRequested)
        {
            HttpResponseMessage response = await http.GetAsync(url, cts.Token);
            last = await response.Content.ReadAsStringAsync(cts.Token);
            if (response.IsSuccessStatusCode && done(last))
            {
                return last;
            }

            await Task.Delay(50, cts.Token);
        }

        throw new TimeoutException($"{url} never showed what was awaited; last:\n{last}");
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
