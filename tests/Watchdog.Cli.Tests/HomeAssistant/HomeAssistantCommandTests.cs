using Watchdog.Cli.Tests.Broker;

namespace Watchdog.Cli.Tests.HomeAssistant;

/// <summary>
/// `watchdogctl homeassistant` as an operator runs it, against a real mosquitto with the generated
/// users and ACL: the configs land retained, a node removed from the board configuration loses its
/// configs on the next run, and bad input is named.
/// </summary>
public sealed class HomeAssistantCommandTests(GeneratedBroker broker) : IClassFixture<GeneratedBroker>, IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private readonly string _dir = BrokerTestSupport.NewDirectory();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(params string[] args) =>
        CliProcess.RunAsync(Timeout, new Dictionary<string, string> { ["WATCHDOG_MQTT_PASSWORD"] = BrokerTestSupport.Password(broker.Directory, "operator-alice") },
            ["homeassistant", .. args, "-b", $"127.0.0.1:{broker.Broker.Port}", "--username", "operator-alice"]);

    // What is retained under homeassistant/ now: a fresh subscriber gets it, then a marker it published after.
    private async Task<List<string>> RetainedTopicsAsync()
    {
        await using var watcher = await broker.LoginAsync("operator-alice");
        await watcher.SubscribeAsync("homeassistant/#");
        var marker = "homeassistant/test-marker/" + Guid.NewGuid().ToString("N");
        await watcher.PublishAsync(marker, "x");
        await watcher.WaitForAsync(marker, "x", Timeout);
        return watcher.Seen.Where(m => m.Topic.EndsWith("/config", StringComparison.Ordinal) && m.Payload.Length > 0 && m.Topic.Contains("watchdog_prod_", StringComparison.Ordinal))
            .Select(m => m.Topic).Distinct().ToList();
    }

    [Fact]
    public async Task Configs_are_published_retained_and_removed_for_a_node_that_left()
    {
        var config = Path.Combine(_dir, "rack1.json");
        File.WriteAllText(config, BrokerTestSupport.BoardJson("prod", "rack1", "db", "db1", "db2"));

        var (exit, stdout, stderr) = await RunAsync("--board-config", config);
        Assert.True(exit == 0, stderr + stdout);
        Assert.Contains("published 18 discovery configs for cluster prod (boards rack1)", stdout);
        var first = await RetainedTopicsAsync();
        Assert.Contains("homeassistant/sensor/watchdog_prod_node_db2/role/config", first);
        Assert.Equal(18, first.Count);

        // db2 leaves the configuration.
        File.WriteAllText(config, BrokerTestSupport.BoardJson("prod", "rack1", "db", "db1"));
        (exit, stdout, stderr) = await RunAsync("--board-config", config);
        Assert.True(exit == 0, stderr + stdout);
        Assert.Contains("published 11 discovery configs", stdout);
        Assert.Contains("removed 7 of members that left", stdout);
        var second = await RetainedTopicsAsync();
        Assert.Equal(11, second.Count);
        Assert.DoesNotContain(second, t => t.Contains("watchdog_prod_node_db2/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_missing_or_broken_board_configuration_is_named_and_nothing_is_published()
    {
        var broken = Path.Combine(_dir, "broken.json");
        File.WriteAllText(broken, "{ \"board\": ");
        var missing = Path.Combine(_dir, "missing.json");

        var (exit, _, stderr) = await RunAsync("--board-config", broken, "--board-config", missing);

        Assert.Equal(2, exit);
        Assert.Contains($"--board-config '{broken}'", stderr);
        Assert.Contains($"--board-config '{missing}'", stderr);
    }

    [Fact]
    public async Task A_dry_run_prints_the_configs_without_a_broker()
    {
        var config = Path.Combine(_dir, "rack1.json");
        File.WriteAllText(config, BrokerTestSupport.BoardJson("prod", "rack1", "db", "db1"));

        var (exit, stdout, stderr) = await CliProcess.RunAsync(Timeout, "homeassistant", "--board-config", config, "--dry-run", "-b", "127.0.0.1:1");

        Assert.True(exit == 0, stderr);
        var lines = stdout.Trim().Split('\n');
        Assert.Equal(2 * 11, lines.Length);
        Assert.StartsWith("homeassistant/binary_sensor/watchdog_prod_board_rack1/connectivity/config", lines[0]);
        Assert.StartsWith("{", lines[1]);
    }
}
