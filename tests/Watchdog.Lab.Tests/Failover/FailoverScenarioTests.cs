namespace Watchdog.Lab.Tests.Failover;

/// <summary>
/// The end-to-end failover scenarios on the virtual rack with a real mosquitto: each fault ends as
/// docs/safety-rules.md says, and the safety checker over the run's record finds no overlap of two actives
/// and only growing epochs.
/// </summary>
[Collection("rack")]
public sealed class FailoverScenarioTests(ITestOutputHelper output)
{
    [RackTheory]
    [InlineData("agent-crash")]
    [InlineData("hang")]
    [InlineData("power")]
    [InlineData("link")]
    [InlineData("board-restart")]
    public async Task A_failed_active_is_fenced_before_the_standby_takes_over(string faultName)
    {
        var result = await RackClusterFixture.RunOnFreshRackAsync(output, FaultCatalogue.Parse(faultName));

        RackClusterFixture.AssertCleanTakeoverByWeb2(result);
        Assert.NotNull(result.DetectionMs);
    }

    [RackTheory]
    [InlineData("broker-loss")]
    [InlineData("partition")]
    public async Task Losing_the_broker_or_the_peer_takes_nobody_down_and_fails_nothing_over(string faultName)
    {
        // The wires say both servers are fine: no failover, no fence, the epoch unchanged.
        var result = await RackClusterFixture.RunOnFreshRackAsync(output, FaultCatalogue.Parse(faultName));

        Assert.Empty(result.Violations);
        Assert.Empty(result.Problems);
        Assert.Equal("web1", result.NewActive);
        Assert.Equal(result.EpochBefore, result.EpochAfter);
        Assert.Equal(0, result.FalseFences);
    }

    [RackFact]
    public async Task A_planned_switchover_has_zero_overlap_and_manual_failback_waits_for_the_operator()
    {
        await using var cluster = await RackClusterFixture.StartSettledAsync(output);
        var runStart = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var result = await FailoverRun.RunAsync(cluster, FaultCatalogue.Switchover, output.WriteLine, CancellationToken.None);
        output.WriteLine(result.ToJson().ToJsonString());
        Assert.Empty(result.Violations);
        Assert.Empty(result.Problems);
        Assert.Equal(0, result.OverlapMs);

        // Manual failback: web1 is back and healthy, yet web2 stays active until told otherwise. The
        // board says failback-available in the tick an automatic failback would start (web1 healthy
        // for failback_stable_ms); the roles of that tick are published before the event.
        Assert.True(
            await cluster.Observer.WaitForAsync(o => o.Events(runStart).Any(e => e.Kind == "failback-available" && e.Group == "web"), TimeSpan.FromSeconds(30), CancellationToken.None),
            "no failback-available from the board: " + FailoverRun.Describe(cluster, "web1"));
        Assert.Equal(["web2"], cluster.Observer.LatestRoles("web")!.Active);

        var ack = await FailoverRun.SendCommandAsync(cluster, CommandAction.Failback, "web", null, CancellationToken.None);
        Assert.Equal(CommandVerdict.Accepted, ack?.Verdict);
        Assert.True(await cluster.WaitUntilSettledAsync("web1", TimeSpan.FromSeconds(30), CancellationToken.None));
        Assert.Empty(SafetyChecker.Check(cluster.Observer.Observations(), cluster.Overlap!.OverlapMs(0, cluster.Clock.NowMs)));
    }

    [RackFact]
    public async Task Automatic_failback_returns_the_preferred_member_after_its_stable_period()
    {
        await using var cluster = await RackClusterFixture.StartSettledAsync(output, failbackStableMs: 2000);
        cluster.Addresses!.Debug = line => cluster.Rack.Timeline.Record(Watchdog.Sim.Rack.TimelineKind.Note, "vipmon", line);
        var result = await FailoverRun.RunAsync(cluster, FaultCatalogue.AgentCrash, output.WriteLine, CancellationToken.None);
        Assert.True(result.Ok, result.ToJson().ToJsonString());
        Assert.True(await cluster.WaitUntilSettledAsync("web1", TimeSpan.FromSeconds(30), CancellationToken.None), "web1 did not fail back automatically");
        foreach (var (at, acting) in cluster.Overlap!.Changes())
        {
            output.WriteLine($"{at,10:0.0} ms acting: [{string.Join(", ", acting)}]");
        }

        foreach (var e in cluster.Rack.Timeline.Snapshot().Where(e => !e.ToString().Contains("Wire ", StringComparison.Ordinal)))
        {
            output.WriteLine(e.ToString());
        }
        Assert.Empty(SafetyChecker.Check(cluster.Observer.Observations(), cluster.Overlap!.OverlapMs(0, cluster.Clock.NowMs)));
    }
}
