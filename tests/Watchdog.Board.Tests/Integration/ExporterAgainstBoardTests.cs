using System.Security.Cryptography;
using Watchdog.Metrics;
using Watchdog.Metrics.Exporter;
using Watchdog.Mqtt;
using Watchdog.Protocol.Signing;
using static Watchdog.Board.Tests.Integration.BoardRig;

namespace Watchdog.Board.Tests.Integration;

/// <summary>
/// A real board process with a board key publishes its sealed metrics report on real mosquitto
/// (--metrics-mqtt-interval-ms); the exporter `watchdogctl exporter` runs (MetricsExporter, with
/// the board keys only) serves it over HTTP; both endpoints are scraped. The exporter shows what
/// the board's own endpoint shows through a failover, refuses and counts forged and replayed
/// reports, and withdraws the board's series once the board is gone.
/// </summary>
public sealed class ExporterAgainstBoardTests(ITestOutputHelper output)
{
    private const int TimeoutMs = 600;
    private const int ReportEveryMs = 250;

    // Series that describe the board's state now: equal on both endpoints once the exporter has the latest report.
    private static readonly string[] StateSeries =
    [
        "watchdog_board_epoch", "watchdog_board_settled", "watchdog_group_epoch", "watchdog_group_role", "watchdog_group_member_counts_as_active",
        "watchdog_channel_state", "watchdog_channel_verdict", "watchdog_pair_state", "watchdog_failovers_total", "watchdog_role_changes_total",
    ];

    [Fact]
    public async Task The_exporter_serves_what_the_board_serves_refuses_forgeries_and_drops_a_board_that_stopped()
    {
        using var rig = new BoardRig();
        await using MqttProbe probe = await rig.WatchAsync();
        var hmac = new PortableHmacSha256();
        byte[] boardKey = RandomNumberGenerator.GetBytes(32);
        var nodeKeys = new KeyRing();
        string keyFile = rig.Dir.File("board.keys");
        string lines = ClusterKeyFile.Line(KeyRole.Board, BoardName, "kb-" + BoardName, boardKey) + "\n";
        foreach (string node in new[] { "n1", "n2" })
        {
            byte[] key = RandomNumberGenerator.GetBytes(32);
            nodeKeys.Add("kn-" + node, key, KeyRole.Node, node);
            lines += ClusterKeyFile.Line(KeyRole.Node, node, "kn-" + node, key) + "\n";
        }

        Watchdog.Platform.Posix.PrivateFiles.WriteNew(keyFile, lines);
        string config = rig.WriteConfig(Config(Group, heartbeatTimeoutMs: TimeoutMs));
        rig.FeedBothHeartbeats();
        await AnnounceSealedAsync(rig, probe, nodeKeys, "n1");
        await AnnounceSealedAsync(rig, probe, nodeKeys, "n2");

        var exporterKeys = new KeyRing();
        exporterKeys.Add("kb-" + BoardName, boardKey, KeyRole.Board, BoardName);
        int exporterPort = FreePort.Find();
        var settings = new ExporterSettings(Cluster, [new MqttBroker(rig.Broker.Host, rig.Broker.Port)], null, null, exporterKeys, hmac, new ListenAddress("127.0.0.1", exporterPort));
        Assert.True(MetricsExporter.TryStart(settings, output.WriteLine, out MetricsExporter? exporter, out string error), error);
        using var stop = new CancellationTokenSource();
        await using (exporter!)
        {
            Task following = exporter!.RunAsync(stop.Token);
            int boardPort = FreePort.Find();
            using BoardProcess board = BoardProcess.Start(rig.BoardArgs(config, "--cluster-key-file", keyFile, "--metrics", $"127.0.0.1:{boardPort}",
                "--metrics-mqtt-interval-ms", ReportEveryMs.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            using var own = new MetricsScraper($"http://127.0.0.1:{boardPort}/metrics");
            using var exported = new MetricsScraper($"http://127.0.0.1:{exporterPort}/metrics?board={BoardName}");
            using var overview = new MetricsScraper($"http://127.0.0.1:{exporterPort}/metrics");
            try
            {
                await rig.WaitUntilSettledAndHealthyAsync(board, probe);
                Scrape before = await own.WaitForAsync(s => s.Value("watchdog_group_role", "group=g1", "node=n1", "role=active") == 1, Wait, "n1 granted active");
                Scrape mirrored = await exported.WaitForAsync(s => Same(s, before), Wait, "the exporter showing the board's epoch, roles and channel states");
                Assert.True(mirrored.Value("watchdog_board_epoch") >= 1);
                Assert.Equal(1, mirrored.Value("watchdog_channel_state", "node=n1", "state=healthy"));
                Assert.Equal(1, mirrored.Value("watchdog_board_mqtt_connected"));
                Assert.Equal(1, mirrored.Value("watchdog_exporter_report_fresh", "board=" + BoardName));

                // The active's heartbeat stops: the board fences n1 and grants n2; the exporter follows, durations included.
                rig.Rack.StopHeartbeat("s1");
                Scrape after = await own.WaitForAsync(s => s.Value("watchdog_failovers_total", "group=g1") >= 1
                    && s.Value("watchdog_group_phase", "group=g1", "phase=stable") == 1, Wait, "a failover counted, the group stable");
                // n1's heartbeat stays stopped, so the board may fence it again and move its state on (a new
                // epoch, n1's channel state) while the exporter catches up: the exporter must show one of
                // the states the board showed since the failover, each scrape of it beside one of the board.
                var boardSince = new List<Scrape> { after };
                Scrape? matched = null;
                Scrape followed = await exported.WaitForAsync(s =>
                {
                    boardSince.Add(own.ScrapeAsync().GetAwaiter().GetResult());
                    matched = boardSince.FirstOrDefault(b => Same(s, b));
                    return matched is not null;
                }, Wait, "the exporter showing one of the board's states since the failover");
                output.WriteLine(exported.LastText);
                output.WriteLine($"the exporter showed the board's state of its scrape {boardSince.IndexOf(matched!) + 1} of {boardSince.Count} since the failover");
                Assert.Equal(1, followed.Value("watchdog_group_role", "group=g1", "node=n2", "role=active"));
                Assert.True(followed.Value("watchdog_board_epoch") > mirrored.Value("watchdog_board_epoch"), "the failover took a new epoch");
                Assert.Equal(matched!.Value("watchdog_failover_duration_seconds_count", "group=g1"), followed.Value("watchdog_failover_duration_seconds_count", "group=g1"));
                Assert.Equal(matched.Value("watchdog_failover_duration_seconds_sum", "group=g1")!.Value, followed.Value("watchdog_failover_duration_seconds_sum", "group=g1")!.Value, 9);
                // The exporter's fence count lies between the board's before the failover was seen and after the exporter was read.
                Scrape ownNow = await own.ScrapeAsync();
                Assert.InRange(followed.Value("watchdog_fences_total", "node=n1") ?? 0, after.Value("watchdog_fences_total", "node=n1") ?? 0, ownNow.Value("watchdog_fences_total", "node=n1") ?? 0);
                output.WriteLine($"failover as the board timed it: {after.Value("watchdog_failover_duration_seconds_sum", "group=g1"):F3} s, through the exporter the same");

                // Anyone can publish: an unsealed report, one sealed by a key not the board's, and a genuine one replayed.
                double epochNow = followed.Value("watchdog_board_epoch")!.Value;
                string topic = rig.Topics.BoardMetrics(BoardName);
                MqttSeen genuine = probe.On(topic).Last(); // the board's, taken before the probe publishes its own on the topic
                output.WriteLine($"a sealed report of this two-channel, one-group board: {genuine.Bytes.Length} bytes");
                var forged = new BoardMetricsReport { Board = BoardName, Epoch = 999_999, IntervalMs = ReportEveryMs, Timestamp = Now() };
                await probe.PublishAsync(topic, MessageCodec.Encode(forged));
                var wrongRing = new KeyRing();
                wrongRing.Add("kb-" + BoardName, RandomNumberGenerator.GetBytes(32), KeyRole.Board, BoardName);
                await probe.PublishAsync(topic, new SealedChannel(wrongRing, hmac, KeyRole.Board, BoardName).Seal(topic, MessageCodec.Encode(forged), Now() + 60_000));
                await probe.PublishAsync(topic, genuine.Bytes);
                Scrape refusals = await overview.WaitForAsync(s => s.Value("watchdog_exporter_reports_refused_total", "reason=unsealed") >= 1
                    && s.Value("watchdog_exporter_reports_refused_total", "reason=bad-seal") >= 1
                    && s.Value("watchdog_exporter_reports_refused_total", "reason=replayed") >= 1, Wait, "the forged and replayed reports refused and counted");
                output.WriteLine(overview.LastText);
                Scrape still = await exported.WaitForAsync(s => s.Value("watchdog_board_epoch") is not null, Wait, "a fresh report after the forgeries");
                Assert.Equal(epochNow, still.Value("watchdog_board_epoch"));
                Assert.True(refusals.Value("watchdog_exporter_reports_total", "board=" + BoardName) >= 2);

                // The board goes: within three of its intervals its series are withdrawn, its age stays.
                board.Kill();
                Scrape gone = await exported.WaitForAsync(s => s.Value("watchdog_exporter_report_fresh", "board=" + BoardName) == 0, Wait, "the board's report stale");
                Assert.DoesNotContain(gone.Families, f => f.Name == "watchdog_channel_state");
                Assert.True(gone.Value("watchdog_exporter_report_age_seconds", "board=" + BoardName) >= 3.0 * ReportEveryMs / 1000);
            }
            finally
            {
                output.WriteLine(board.Output);
                stop.Cancel();
                await following;
            }
        }
    }

    // The exporter holds every state sample the board holds, with the same labels and value; the
    // ones only it holds are counters the board shows only once they count (watchdog_failovers_total
    // before the first failover), and are 0.
    private static bool Same(Scrape exporter, Scrape board)
    {
        static Dictionary<string, double> Pick(Scrape s) => s.Samples.Where(x => StateSeries.Contains(x.Name)).ToDictionary(
            x => x.Name + "{" + string.Join(",", x.Labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => l.Key + "=" + l.Value)) + "}", x => x.Value);
        Dictionary<string, double> e = Pick(exporter), b = Pick(board);
        return b.Count > 0 && b.All(kv => e.TryGetValue(kv.Key, out double v) && v == kv.Value) && e.Where(kv => !b.ContainsKey(kv.Key)).All(kv => kv.Value == 0);
    }

    // The agent's part: a retained ready status and a healthy, feeding state sealed with the node's key (the board checks it).
    private static async Task AnnounceSealedAsync(BoardRig rig, MqttProbe probe, KeyRing nodeKeys, string node)
    {
        await probe.PublishAsync(rig.Topics.NodeStatus(node), "ready", retain: true);
        string topic = rig.Topics.NodeState(node);
        byte[] body = MessageCodec.Encode(new NodeState
        {
            Node = node, Group = "g1", Role = NodeRole.None, Epoch = 0, Health = Health.Healthy, Reason = "test", Feeding = true, Seq = 1, Timestamp = Now(),
        });
        await probe.PublishAsync(topic, new SealedChannel(nodeKeys, new PortableHmacSha256(), KeyRole.Node, node).Seal(topic, body, Now()), retain: true);
    }
}
