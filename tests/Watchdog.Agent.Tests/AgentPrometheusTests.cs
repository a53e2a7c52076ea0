using System.Net;
using System.Net.Sockets;
using Watchdog.Metrics;
using Watchdog.Protocol.Json;
using Watchdog.Protocol.Topics;
using Watchdog.Sim.Broker;
using Xunit.Abstractions;

namespace Watchdog.Agent.Tests;

/// <summary>
/// The agent process with Metrics:PrometheusListen: its endpoint scraped over loopback HTTP while
/// a grant arrives and a required check fails, and every exported name held to the naming rules.
/// </summary>
[Collection("timing")]
public sealed class AgentPrometheusTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Scrapes_follow_feeding_the_granted_role_and_epoch_and_a_failing_check()
    {
        using var dir = new TempDirectory();
        using MosquittoProcess broker = MosquittoProcess.Start();
        var backend = new TcpListener(IPAddress.Loopback, 0);
        backend.Start();
        int backendPort = ((IPEndPoint)backend.LocalEndpoint).Port;
        string checks = $$"""
            [ { "Name": "backend", "Kind": "tcp", "Host": "127.0.0.1", "Port": {{backendPort}}, "Required": true,
                "IntervalMs": 500, "TimeoutMs": 400, "FailThreshold": 1, "SuccessThreshold": 1 } ]
            """;
        int port = FreePort.Find();
        string json = AgentConfigs.Valid(dir.File("wires"), broker.Port, checks, periodMs: 100)
            .Replace("\"Metrics\": { \"IntervalMs\": 1000 }", $"\"Metrics\": {{ \"IntervalMs\": 1000, \"PrometheusListen\": \"127.0.0.1:{port}\" }}", StringComparison.Ordinal);
        Assert.Contains("PrometheusListen", json, StringComparison.Ordinal);
        string config = dir.Write("agent.json", json);
        var topics = new TopicTree("test");
        await using MqttProbe board = await MqttProbe.ConnectAsync(broker.Host, broker.Port, topics.Everything());
        using AgentProcess agent = AgentProcess.Start("--config", config);
        using var scraper = new MetricsScraper($"http://127.0.0.1:{port}/metrics");
        TimeSpan wait = TimeSpan.FromSeconds(20);
        try
        {
            Scrape feeding = await scraper.WaitForAsync(
                s => s.Value("watchdog_agent_heartbeat_feeding") == 1 && s.Value("watchdog_agent_mqtt_connected") == 1 && s.Value("watchdog_agent_heartbeat_edges_total") > 5,
                wait, "the agent feeding its heartbeat and connected");
            Assert.Equal(1, feeding.Value("watchdog_agent_check_ok", "check=backend", "required=true"));
            Assert.Equal(1, feeding.Value("watchdog_agent_role", "role=none"));
            Assert.Equal(0, feeding.Value("watchdog_agent_role", "role=active"));
            Assert.Equal(1, feeding.Value("watchdog_agent_health", "health=healthy"));
            Assert.Equal(1, feeding.Value("watchdog_agent_info", "node=n1", "group=g1", "cluster=test"));
            Assert.True(feeding.Value("watchdog_agent_heartbeat_lateness_seconds_count") > 0, "edge lateness observed");
            Assert.InRange(feeding.Value("watchdog_agent_heartbeat_age_seconds")!.Value, 0, 5);
            // The agent collects twice before its heartbeat starts (AgentRuntime), and has allocated since.
            Assert.True(feeding.Value("watchdog_agent_gc_collections_total", "generation=2") >= 2, "the start-up collections counted");
            Assert.True(feeding.Value("watchdog_agent_gc_pause_seconds_total") > 0, "their pause counted");
            Assert.True(feeding.Value("watchdog_agent_allocated_bytes_total") > 0, "allocation counted");
            // Its own allocation and the scrapes' spend the heartbeat thread's budget within seconds.
            await scraper.WaitForAsync(s => s.Value("watchdog_agent_gc_heartbeat_collections_total") >= 1, wait, "a collection run by the heartbeat thread");

            var grant = new Grant { Group = "g1", Node = "n1", Role = NodeRole.Active, Epoch = 5, Reason = "test grant", Timestamp = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() };
            await board.PublishAsync(topics.NodeGrant("n1"), MessageCodec.Encode(grant), retain: true);
            Scrape active = await scraper.WaitForAsync(s => s.Value("watchdog_agent_role", "role=active") == 1, wait, "role active");
            Assert.Equal(5, active.Value("watchdog_agent_epoch"));
            Assert.Equal(5, active.Value("watchdog_agent_highest_epoch"));
            Assert.Equal(0, active.Value("watchdog_agent_role", "role=none"));

            backend.Stop();
            Scrape failing = await scraper.WaitForAsync(s => s.Value("watchdog_agent_check_ok", "check=backend") == 0, wait, "the backend check failing");
            await scraper.WaitForAsync(s => s.Value("watchdog_agent_heartbeat_feeding") == 0, wait, "feeding stopped");
            Assert.Equal(1, (await scraper.ScrapeAsync()).Value("watchdog_agent_health", "health=failing"));
            output.WriteLine(scraper.LastText);
            foreach (MetricFamily family in failing.Families)
            {
                Assert.Empty(MetricNaming.Problems(family));
            }
        }
        finally
        {
            backend.Stop();
            output.WriteLine(agent.Output);
        }
    }

    [Fact]
    public void A_listen_address_that_is_not_host_and_port_is_refused_naming_the_key()
    {
        var options = new AgentOptions { Cluster = "c", Node = "n1", Group = "g1" };
        options.Heartbeat.Driver = "virtual";
        options.Heartbeat.WireFile = "/tmp/wires";
        options.Heartbeat.Pin = 2;
        options.Mqtt.Brokers.Add(new BrokerOptions { Host = "127.0.0.1" });
        options.Metrics.PrometheusListen = "9106";
        IReadOnlyList<string> problems = ConfigValidator.Validate(options);
        Assert.Contains(problems, p => p.StartsWith("Metrics:PrometheusListen = '9106'", StringComparison.Ordinal));
        options.Metrics.PrometheusListen = "127.0.0.1:9106";
        Assert.DoesNotContain(ConfigValidator.Validate(options), p => p.Contains("PrometheusListen", StringComparison.Ordinal));
    }
}
