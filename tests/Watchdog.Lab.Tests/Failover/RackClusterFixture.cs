namespace Watchdog.Lab.Tests.Failover;

/// <summary>
/// One running rack cluster per test: mosquitto (users and ACL), a board process, two servers in network
/// namespaces with real agents, a service behind a virtual IP and a probing client. Needs root
/// (namespaces); CI runs as root.
/// </summary>
internal static class RackClusterFixture
{
    public static bool CanRun => Watchdog.Platform.Posix.PosixSignals.IsRoot;

    /// <param name="secureBroker">Mosquitto with the users and ACL of `watchdogctl broker config` (RackClusterOptions.SecureBroker, the default); false: anonymous clients.</param>
    public static async Task<RackCluster> StartSettledAsync(ITestOutputHelper output, int failbackStableMs = 0, bool secureBroker = true)
    {
        var options = new RackClusterOptions
        {
            Broker = BrokerKind.Mosquitto,
            SecureBroker = secureBroker,
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
                await FailBackToWeb1Async(cluster, output);
            }

            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts a settled rack, runs <paramref name="fault"/> on it and prints the result and everything since the start.</summary>
    public static async Task<FailoverResult> RunOnFreshRackAsync(ITestOutputHelper output, Fault fault)
    {
        var startMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await using var cluster = await StartSettledAsync(output);
        var result = await FailoverRun.RunAsync(cluster, fault, output.WriteLine, CancellationToken.None);
        output.WriteLine(result.ToJson().ToJsonString());
        output.WriteLine("history since the rack started:" + Environment.NewLine + FailoverRun.History(cluster, startMs));
        return result;
    }

    /// <summary>What a failover from web1 must end with: web2 active under a newer epoch, serving the address, no overlap, no breach, nothing unmet.</summary>
    public static void AssertCleanTakeoverByWeb2(FailoverResult result)
    {
        Assert.Equal("web1", result.Victim);
        AssertCleanTakeover(result);
    }

    /// <summary>A clean failover from whichever member was active: the other one active under a newer epoch, no overlap, no breach, nothing unmet.</summary>
    public static void AssertCleanTakeover(FailoverResult result)
    {
        Assert.Empty(result.Violations);
        Assert.Empty(result.Problems);
        Assert.NotNull(result.NewActive);
        Assert.NotEqual(result.Victim, result.NewActive);
        Assert.Equal(0, result.OverlapMs);
        Assert.True(result.EpochAfter > result.EpochBefore, $"epoch {result.EpochBefore} -> {result.EpochAfter}");
        Assert.NotNull(result.RtoMs);
    }

    // A failback goes to the first member the board sees healthy: until web1 is, the board
    // answers "web2 (the preferred healthy member) is already active"; it lists web1 as ready
    // (healthy, not active) the moment it is. The board may also be moving the role itself
    // already (web2 went unfit after its grant, seen in CI): then it answers "busy", and the
    // fixture waits for that move to end before it asks again.
    private static async Task FailBackToWeb1Async(RackCluster cluster, ITestOutputHelper output)
    {
        string group = cluster.Options.Group;
        string last = "no attempt";
        for (int attempt = 1; attempt <= 3; attempt++)
        {
            Assert.True(
                await cluster.Observer.WaitForAsync(o => o.LatestRoles(group) is { } r && (r.Ready.Contains("web1") || r.Active.Contains("web1")), TimeSpan.FromSeconds(30), CancellationToken.None),
                "web1 not ready to take over 30 s after the start: " + Diagnose(cluster));
            if (cluster.Observer.LatestRoles(group)!.Active.Contains("web1") &&
                await cluster.WaitUntilSettledAsync("web1", TimeSpan.FromSeconds(30), CancellationToken.None))
            {
                return;
            }

            var ack = await FailoverRun.SendCommandAsync(cluster, CommandAction.Failback, group, null, CancellationToken.None);
            last = ack is null ? "no answer" : WireWords.Of(ack.Verdict) + " " + ack.Detail;
            output.WriteLine($"fixture: failback attempt {attempt}: {last}");
            // Accepted or not, the next state is a settled group: web1 (done) or whatever the
            // board's own move ends in (asked again).
            if (await cluster.WaitUntilSettledAsync("web1", TimeSpan.FromSeconds(30), CancellationToken.None))
            {
                return;
            }
        }

        Assert.Fail("failback to web1 after the start: " + last + "\n" + Diagnose(cluster));
    }

    private static string Diagnose(RackCluster cluster) => Diagnose(cluster, ["web1", "web2"]);

    /// <summary>What a failed wait needs to be understood later: each node's state, the board's and agents' log tails, the events seen.</summary>
    internal static string Diagnose(RackCluster cluster, IReadOnlyList<string> nodes, int lines = 30) =>
        string.Join('\n', nodes.Select(n => FailoverRun.Describe(cluster, n))) +
        "\nboard log:\n" + Tail(cluster.BoardLog, lines) +
        string.Concat(nodes.Select(n => $"\n{n} agent:\n" + Tail(Path.Combine(cluster.Rack.Directory, n + ".agent.log"), lines))) +
        "\nevents seen:\n" + string.Join('\n', cluster.Observer.Events().TakeLast(lines).Select(e => $"{e.Timestamp} {e.Source} {e.Kind} {e.Node}: {e.Detail}"));

    public static string Tail(string path, int lines = 30) =>
        File.Exists(path) ? string.Join('\n', File.ReadLines(path).TakeLast(lines)) : "(no log)";

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
