using Watchdog.Board.Hosting;
using Watchdog.Metrics;
using static Watchdog.Board.Tests.Integration.BoardRig;

namespace Watchdog.Board.Tests.Integration;

/// <summary>
/// The board process with --metrics on the virtual rack: its Prometheus endpoint scraped over
/// loopback HTTP while the rack moves, and every name it exports held to the naming rules.
/// </summary>
public sealed class BoardMetricsTests(ITestOutputHelper output)
{
    private const int TimeoutMs = 600;

    [Fact]
    public async Task Scrapes_follow_the_channel_states_the_roles_and_the_epoch_through_a_failover()
    {
        using var rig = new BoardRig();
        await using MqttProbe probe = await rig.WatchAsync();
        string config = rig.WriteConfig(Config(Group, heartbeatTimeoutMs: TimeoutMs));
        rig.FeedBothHeartbeats();
        await rig.AnnounceHealthyAsync(probe, "n1");
        await rig.AnnounceHealthyAsync(probe, "n2");
        int port = FreePort.Find();
        using BoardProcess board = BoardProcess.Start(rig.BoardArgs(config, "--metrics", $"127.0.0.1:{port}"));
        using var scraper = new MetricsScraper($"http://127.0.0.1:{port}/metrics");
        try
        {
            await rig.WaitUntilSettledAndHealthyAsync(board, probe);
            Scrape before = await scraper.WaitForAsync(
                s => s.Value("watchdog_group_role", "group=g1", "node=n1", "role=active") == 1,
                Wait, "n1 granted active");
            double epochBefore = before.Value("watchdog_board_epoch")!.Value;
            Assert.True(epochBefore >= 1, "the first grant took an epoch");
            Assert.Equal(epochBefore, before.Value("watchdog_group_epoch", "group=g1"));
            Assert.Equal(1, before.Value("watchdog_channel_state", "node=n1", "state=healthy"));
            Assert.Equal(0, before.Value("watchdog_channel_state", "node=n1", "state=failed"));
            Assert.Equal(1, before.Value("watchdog_channel_verdict", "node=n1", "verdict=none"));
            Assert.Equal(1, before.Value("watchdog_channel_power_good", "node=n1", "input=0"));
            Assert.Equal(1, before.Value("watchdog_board_settled"));
            Assert.Equal(1, before.Value("watchdog_board_mqtt_connected"));
            Assert.Equal(1, before.Value("watchdog_pair_state", "state=authority"));
            Assert.Equal(0, before.Value("watchdog_pair_state", "state=passive"));
            Assert.Equal(0, before.Value("watchdog_failovers_total", "group=g1") ?? 0);
            Assert.InRange(before.Value("watchdog_channel_heartbeat_age_seconds", "node=n1")!.Value, 0, TimeoutMs / 1000.0);
            AssertOneStateEach(before, "watchdog_channel_state");

            // The active's heartbeat stops: the board fences it and grants n2.
            rig.Rack.StopHeartbeat("s1");
            Scrape after = await scraper.WaitForAsync(s => s.Value("watchdog_failovers_total", "group=g1") >= 1, Wait, "a failover counted");
            output.WriteLine(scraper.LastText);
            Assert.Equal(1, after.Value("watchdog_group_role", "group=g1", "node=n2", "role=active"));
            Assert.Equal(0, after.Value("watchdog_group_role", "group=g1", "node=n1", "role=active"));
            Assert.True(after.Value("watchdog_board_epoch") > epochBefore, "the failover took a new epoch");
            Assert.True(after.Value("watchdog_group_epoch", "group=g1") > epochBefore);
            Assert.Equal(0, after.Value("watchdog_channel_state", "node=n1", "state=healthy"));
            Assert.NotEqual(1, after.Value("watchdog_channel_verdict", "node=n1", "verdict=none"));
            Assert.Equal(1, after.Value("watchdog_failover_duration_seconds_count", "group=g1"));
            double failoverSeconds = after.Value("watchdog_failover_duration_seconds_sum", "group=g1")!.Value;
            output.WriteLine($"failover measured by the board: {failoverSeconds:F3} s");
            Assert.InRange(failoverSeconds, 0, 30);
            Assert.True(after.Samples.Where(s => s.Name == "watchdog_board_events_total" && s.Label("kind") == "state-failed").Sum(s => s.Value) >= 1,
                "the state-failed event of n1 counted");
            AssertOneStateEach(after, "watchdog_channel_state");

            // The board's own allocation and the scrapes' spend the tick thread's budget within seconds.
            Scrape collected = await scraper.WaitForAsync(s => s.Value("watchdog_board_gc_tick_collections_total") >= 1, Wait, "a collection run by the tick thread");
            Assert.True(collected.Value("watchdog_board_gc_collections_total", "generation=0") >= collected.Value("watchdog_board_gc_tick_collections_total"),
                "every collection the tick thread ran counts among the runtime's");

            foreach (MetricFamily family in after.Families)
            {
                Assert.Empty(MetricNaming.Problems(family));
            }
        }
        finally
        {
            output.WriteLine(board.Output);
        }
    }

    [Fact]
    public void The_metrics_option_takes_an_address_and_names_itself_when_it_is_wrong()
    {
        Assert.True(BoardOptions.TryParse(["--config", "b.json", "--pins", "p.json", "--metrics", "127.0.0.1:9105"], out BoardOptions ok, out _));
        Assert.Equal(new ListenAddress("127.0.0.1", 9105), ok.MetricsAddress);
        Assert.True(BoardOptions.TryParse(["--config", "b.json", "--pins", "p.json"], out BoardOptions off, out _));
        Assert.Null(off.MetricsAddress);
        Assert.False(BoardOptions.TryParse(["--config", "b.json", "--pins", "p.json", "--metrics", "9105"], out _, out string error));
        Assert.StartsWith("--metrics '9105'", error, StringComparison.Ordinal);
        Assert.False(BoardOptions.TryParse(["--config", "b.json", "--pins", "p.json", "--metrics", "host:99999"], out _, out error));
        Assert.Contains("65535", error, StringComparison.Ordinal);
    }

    // Every channel is in exactly one state: the per-state gauges of one channel add up to 1.
    private static void AssertOneStateEach(Scrape scrape, string name)
    {
        var sums = scrape.Samples.Where(s => s.Name == name).GroupBy(s => s.Label("node")).ToDictionary(g => g.Key, g => g.Sum(s => s.Value));
        Assert.Equal(["n1", "n2"], sums.Keys.Order());
        Assert.All(sums.Values, v => Assert.Equal(1, v));
    }
}
