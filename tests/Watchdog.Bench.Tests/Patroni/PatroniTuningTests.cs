using System.Net;
using Watchdog.Bench.Patroni;

namespace Watchdog.Bench.Tests.Patroni;

public class PatroniTuningTests
{
    [Fact]
    public void Defaults_and_tuned_meet_patronis_timing_rule()
    {
        PatroniTuning.Defaults.Validate();
        PatroniTuning.Tuned.Validate();

        Assert.Equal((30, 10, 10), (PatroniTuning.Defaults.TtlSeconds, PatroniTuning.Defaults.LoopWaitSeconds, PatroniTuning.Defaults.RetryTimeoutSeconds));
        Assert.True(PatroniTuning.Tuned.LoopWaitSeconds + (2 * PatroniTuning.Tuned.RetryTimeoutSeconds) <= PatroniTuning.Tuned.TtlSeconds);
        Assert.True(PatroniTuning.Tuned.TtlSeconds < PatroniTuning.Defaults.TtlSeconds);
    }

    [Fact]
    public void A_tuning_breaking_loop_wait_plus_twice_retry_timeout_within_ttl_is_refused_naming_the_numbers()
    {
        // Patroni 3.0.2 would run this: a primary cut off from etcd keeps writing for up to
        // 10 + 2 * 10 = 30 s while its 20 s key expires and the standby promotes.
        var bad = new PatroniTuning("bad", TtlSeconds: 20, LoopWaitSeconds: 10, RetryTimeoutSeconds: 10);

        var e = Assert.Throws<ArgumentException>(bad.Validate);
        Assert.Contains("loop_wait + 2 * retry_timeout <= ttl", e.Message);
        Assert.Contains("10 + 2 * 10 = 30 s > ttl 20 s", e.Message);
        Assert.Contains("'bad'", e.Message);
    }

    [Fact]
    public void The_cluster_and_the_bench_refuse_a_bad_tuning_before_starting_anything()
    {
        var bad = new PatroniTuning("bad", 25, 5, 11);

        Assert.Throws<ArgumentException>(() => PatroniCluster.Start(bad, new Timing.BenchClock(), TimeSpan.FromSeconds(1)));
        Assert.Throws<ArgumentException>(() => PatroniBench.RunMatrix([bad], [PatroniFaults.Hang], runs: 1));
        Assert.Throws<ArgumentException>(() => PatroniConfig.Render(bad, new PatroniNodeLayout("node-a", IPAddress.Loopback, "/tmp/x"), "127.0.0.1:2379", "/usr/lib/postgresql/15/bin"));
    }

    [Fact]
    public void Values_below_patronis_later_minimums_are_refused()
    {
        Assert.Throws<ArgumentException>(new PatroniTuning("short-ttl", 10, 1, 3).Validate);
        Assert.Throws<ArgumentException>(new PatroniTuning("no-loop", 30, 0, 10).Validate);
        Assert.Throws<ArgumentException>(new PatroniTuning("short-retry", 30, 10, 2).Validate);
    }

    [Fact]
    public void Parse_reads_named_and_custom_tunings_and_refuses_bad_ones()
    {
        Assert.Equal(PatroniTuning.Defaults, PatroniTuning.Parse("defaults"));
        PatroniTuning sync = PatroniTuning.Parse("tuned-sync");
        Assert.True(sync.SynchronousMode);
        Assert.Equal("patroni-tuned-sync", sync.Name);
        Assert.Equal("patroni-tuned", sync.WithSynchronousMode(false).Name);

        PatroniTuning custom = PatroniTuning.Parse("ttl=24,loop_wait=4,retry_timeout=10,sync");
        Assert.Equal((24, 4, 10, true), (custom.TtlSeconds, custom.LoopWaitSeconds, custom.RetryTimeoutSeconds, custom.SynchronousMode));

        Assert.Contains("breaks Patroni's rule", Assert.Throws<ArgumentException>(() => PatroniTuning.Parse("ttl=20,loop_wait=10,retry_timeout=6")).Message);
        Assert.Contains("unknown key 'wait'", Assert.Throws<ArgumentException>(() => PatroniTuning.Parse("ttl=20,wait=1,retry_timeout=5")).Message);
        Assert.Contains("give all of", Assert.Throws<ArgumentException>(() => PatroniTuning.Parse("ttl=20")).Message);
    }

    [Fact]
    public void Config_carries_the_timing_the_mode_the_node_directories_and_the_watchdog_off()
    {
        var layout = new PatroniNodeLayout("node-b", IPAddress.Parse("10.213.7.12"), "/tmp/run/node-b");
        string yaml = PatroniConfig.Render(PatroniTuning.Tuned.WithSynchronousMode(true), layout, "10.213.7.13:2379", "/usr/lib/postgresql/15/bin");

        Assert.Contains("name: node-b", yaml);
        Assert.Contains("    ttl: 20\n", yaml);
        Assert.Contains("    loop_wait: 2\n", yaml);
        Assert.Contains("    retry_timeout: 5\n", yaml);
        Assert.Contains("    synchronous_mode: true\n", yaml);
        Assert.Contains("  - 10.213.7.13:2379", yaml);
        Assert.Contains("listen: 10.213.7.12:5432", yaml);
        Assert.Contains("listen: 10.213.7.12:8008", yaml);
        Assert.Contains("data_dir: '/tmp/run/node-b/data'", yaml);
        Assert.Contains("unix_socket_directories: '/tmp/run/node-b/socket'", yaml);
        // Quoted: a bare off is YAML's false.
        Assert.Contains("watchdog:\n  mode: 'off'", yaml);
    }

    [Fact]
    public void Fault_names_parse_with_their_aliases()
    {
        Assert.Same(PatroniFaults.Hang, PatroniFaults.Parse("freeze"));
        Assert.Same(PatroniFaults.PrimaryCrash, PatroniFaults.Parse("agent-crash"));
        Assert.Same(PatroniFaults.LinkLoss, PatroniFaults.Parse("partition-of-primary"));
        Assert.Contains("known: hang, primary-crash, power-loss, link-loss", Assert.Throws<ArgumentException>(() => PatroniFaults.Parse("meteor")).Message);
    }
}
