using Xunit.Abstractions;
using Watchdog.Cli.Rack;
using Watchdog.Protocol.Wire;

namespace Watchdog.Cli.Tests.Failover;

/// <summary>
/// One running rack cluster per test: mosquitto, a board process, two servers in network
/// namespaces with real agents, a service behind a virtual IP and a probing client. Needs root
/// (namespaces); CI runs as root.
/// </summary>
internal static class RackClusterFixture
{
    public static bool CanRun => Watchdog.Sim.Posix.PosixSignals.IsRoot;

    public static async Task<RackCluster> StartSettledAsync(ITestOutputHelper output, int failbackStableMs = 0)
    {
        var options = new RackClusterOptions
        {
            Broker = BrokerKind.Mosquitto,
            FailbackStableMs = failbackStableMs,
            Log = new OutputWriter(output),
        };
        var cluster = await RackCluster.StartAsync(options, CancellationToken.None);
        try
        {
            Assert.True(await cluster.WaitUntilSettledAsync(null, TimeSpan.FromSeconds(60), CancellationToken.None), "cluster did not settle: " + Diagnose(cluster));

            // The board grants the preferred member (web1) unless web1 is still recovering from a
            // first service check that ran before its service was up: then web2 is granted, and
            // with manual failback stays active. Every test starts from web1 active, so fail back.
            string active = cluster.Observer.LatestRoles(cluster.Options.Group)!.Active[0];
            if (active != "web1" && failbackStableMs > 0)
            {
                // Automatic failback: the board moves the role back itself once web1 has been
                // healthy for failback_stable_ms (a command would race it and be refused as busy).
                output.WriteLine($"fixture: {active} settled as active (web1 was not ready when the board settled); waiting for the automatic failback to web1");
                Assert.True(
                    await cluster.WaitUntilSettledAsync("web1", TimeSpan.FromSeconds(30) + TimeSpan.FromMilliseconds(failbackStableMs), CancellationToken.None),
                    "no automatic failback to web1 after the start: " + Diagnose(cluster));
            }
            else if (active != "web1")
            {
                output.WriteLine($"fixture: {active} settled as active (web1 was not ready when the board settled); failing back to web1");
                // A failback goes to the first member the board sees healthy: until web1 is, the
                // board answers "web2 (the preferred healthy member) is already active". The board
                // lists web1 as ready (healthy, not active) the moment it is.
                Assert.True(
                    await cluster.Observer.WaitForAsync(o => o.LatestRoles(cluster.Options.Group) is { } r && r.Ready.Contains("web1"), TimeSpan.FromSeconds(30), CancellationToken.None),
                    "web1 not ready to take over 30 s after the start: " + Diagnose(cluster));
                var ack = await FailoverRun.SendCommandAsync(cluster, CommandAction.Failback, cluster.Options.Group, null, CancellationToken.None);
                Assert.True(
                    ack?.Verdict == CommandVerdict.Accepted && await cluster.WaitUntilSettledAsync("web1", TimeSpan.FromSeconds(30), CancellationToken.None),
                    "failback to web1 after the start: " + (ack is null ? "no answer" : WireWords.Of(ack.Verdict) + " " + ack.Detail) + "\n" + Diagnose(cluster));
            }

            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    private static string Diagnose(RackCluster cluster) =>
        FailoverRun.Describe(cluster, "web1") + "\n" + FailoverRun.Describe(cluster, "web2") +
        "\nboard log:\n" + Tail(cluster.BoardLog) +
        "\nweb1 agent:\n" + Tail(Path.Combine(cluster.Rack.Directory, "web1.agent.log")) +
        "\nweb2 agent:\n" + Tail(Path.Combine(cluster.Rack.Directory, "web2.agent.log"));

    public static string Tail(string path) =>
        File.Exists(path) ? string.Join('\n', File.ReadLines(path).TakeLast(30)) : "(no log)";

    /// <summary>Rack progress lines into the test's output.</summary>
    internal sealed class OutputWriter(ITestOutputHelper output) : StringWriter
    {
        public override void WriteLine(string? value)
        {
            try
            {
                output.WriteLine(value ?? "");
            }
            catch (InvalidOperationException)
            {
                // The test has finished; late lines from background threads are dropped.
            }
        }
    }
}

/// <summary>A rack test: skipped, with the reason, unless root (it creates network namespaces).</summary>
public sealed class RackFactAttribute : FactAttribute
{
    public RackFactAttribute()
    {
        if (!RackClusterFixture.CanRun)
        {
            Skip = "needs root: the rack puts servers in network namespaces";
        }
    }
}

/// <summary>The theory form of <see cref="RackFactAttribute"/>.</summary>
public sealed class RackTheoryAttribute : TheoryAttribute
{
    public RackTheoryAttribute()
    {
        if (!RackClusterFixture.CanRun)
        {
            Skip = "needs root: the rack puts servers in network namespaces";
        }
    }
}
