namespace Watchdog.Lab.Tests.Failover;

/// <summary>
/// The edges of availability on the virtual rack with a real mosquitto: a board that starts long
/// before its agents, and a grant of active that its member cannot hear. Every wait is on a
/// message or a timeline record, with generous bounds; the design bounds are asserted on the
/// board's own timestamps.
/// </summary>
[Collection("rack")]
public sealed class AvailabilityEdgeTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(60);

    [RackFact]
    public async Task Agents_installed_30_s_after_the_board_get_roles_and_nothing_is_reset_or_powered()
    {
        await using var cluster = await RackCluster.StartAsync(
            new RackClusterOptions { Broker = BrokerKind.Mosquitto, InstallAgents = false, Log = new RackClusterFixture.OutputWriter(output) }, CancellationToken.None);
        var boardStart = DateTimeOffset.UtcNow;

        // The board's grace ends: both members are absent (never heard, no commissioning record).
        Assert.True(
            await cluster.Observer.WaitForAsync(o => Absent(o).Count == 2, Generous, CancellationToken.None),
            "both members should be reported absent; events: " + Kinds(cluster));

        // The agents are installed 30 s after the board started (the scenario, not a wait for an outcome).
        var installAt = boardStart + TimeSpan.FromSeconds(30);
        if (installAt > DateTimeOffset.UtcNow)
        {
            await Task.Delay(installAt - DateTimeOffset.UtcNow);
        }

        Assert.Empty(WireActions(cluster));
        Assert.Null(cluster.Observer.LatestRoles("web")?.Active.FirstOrDefault());
        long installedMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        cluster.InstallAgent("web1");
        cluster.InstallAgent("web2");

        Assert.True(await cluster.WaitUntilSettledAsync(null, Generous, CancellationToken.None), "the group did not settle after the agents were installed; events: " + Kinds(cluster));
        var roles = cluster.Observer.LatestRoles("web")!;
        var grant = cluster.Observer.Observations().Select(o => o.Message).OfType<Grant>().First(g => g.Role == NodeRole.Active);
        output.WriteLine($"{roles.Active[0]} granted active {grant.Timestamp - installedMs} ms after the agents were installed (epoch {roles.Epoch})");
        Assert.Empty(WireActions(cluster));
        Assert.DoesNotContain(cluster.Observer.Events(), e => e.Kind is "state-failed" or "state-fenced" or "reset-pulse" or "power-cycle");
    }

    [RackFact]
    public async Task A_grant_the_standby_cannot_hear_is_alerted_and_the_role_moves_back_to_a_member_that_can()
    {
        await using var cluster = await RackClusterFixture.StartSettledAsync(output);
        var observer = cluster.Observer;

        // The roles are settled; the standby's channel must be too (not still recovering from an
        // action at the start), or its silence would be judged against a reboot.
        Assert.True(
            await observer.WaitForAsync(o => o.WithSnapshot(s => s.Boards.Values.SelectMany(b => b.Channels.Values).Any(c => c.Node == "web2" && c.State == ChannelState.Healthy && c.Verdict == Verdict.None)), Generous, CancellationToken.None),
            "web2's channel is not healthy; events: " + Kinds(cluster));

        // The standby loses the broker, its wires intact: the board reports it within node_silence_ms.
        long cutMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        cluster.Server("web2").BlockTraffic(cluster.BrokerHost);
        Assert.True(
            await observer.WaitForAsync(o => o.Events(cutMs).Any(e => e.Kind == "broker-path-lost" && e.Node == "web2"), Generous, CancellationToken.None),
            "no broker-path-lost for web2; events: " + Kinds(cluster));
        output.WriteLine("events before the cut: " + Kinds(cluster, 0, cutMs));
        var lost = observer.Events(cutMs).First(e => e.Kind == "broker-path-lost" && e.Node == "web2");
        output.WriteLine($"broker-path-lost for web2 {lost.Timestamp - cutMs} ms after the cut: {lost.Detail}");
        output.WriteLine("events since the cut: " + string.Join("; ", observer.Events(cutMs).Select(e => $"{e.Timestamp - cutMs} ms {e.Kind} {e.Node} {e.Detail}")));
        output.WriteLine("web2's states seen by the observer since the cut: " + string.Join("; ", observer.Observations()
            .Where(o => o.Message is NodeState { Node: "web2" } && o.ReceivedAtMs >= cutMs).Select(o => $"{o.ReceivedAtMs - cutMs} ms {((NodeState)o.Message).Role}@{((NodeState)o.Message).Epoch} {((NodeState)o.Message).Health}")));
        // node_silence_ms in the rack, counted from the last state before the cut; the will would take 22.5 s.
        Assert.InRange(lost.Timestamp - cutMs, 0, ClusterConfigs.NodeSilenceMs + 1000);

        // The active's agent dies: web1 is fenced and web2, the only healthy member, is granted active
        // although it cannot hear it.
        long crashMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        cluster.Server("web1").KillProcess("agent");
        Assert.True(
            await observer.WaitForAsync(o => o.Events(crashMs).Any(e => e.Kind == "grant-unacknowledged" && e.Node == "web2"), Generous, CancellationToken.None),
            "no grant-unacknowledged for web2; events: " + Kinds(cluster));
        var grantToWeb2 = observer.Observations().Select(o => o.Message).OfType<Grant>().First(g => g.Node == "web2" && g.Role == NodeRole.Active && g.Timestamp >= crashMs);
        var alert = observer.Events(crashMs).First(e => e.Kind == "grant-unacknowledged" && e.Node == "web2");
        output.WriteLine($"grant to web2 at epoch {grantToWeb2.Epoch}; grant-unacknowledged {alert.Timestamp - grantToWeb2.Timestamp} ms later: {alert.Detail}");
        // grant_ack_timeout_ms in the rack, counted in the board's 10 ms ticks. The stamps are wall
        // clock: a tick loop that runs late catches up with ticks back to back (20 ms short seen),
        // and a stalled one pauses the count; what matters to a user is the upper end.
        Assert.InRange(alert.Timestamp - grantToWeb2.Timestamp, ClusterConfigs.GrantAckTimeoutMs - 500, ClusterConfigs.GrantAckTimeoutMs + 1500);

        // web1 rebooted from its fence and can hear the board: the role comes back to it (web2's
        // own state cannot reach the broker, so this waits for web1's acknowledged state only).
        Assert.True(
            await observer.WaitForAsync(o => o.LatestRoles("web") is { Active: ["web1"] } r && o.LatestState("web1") is { Role: NodeRole.Active } s && s.Epoch == r.Epoch, Generous, CancellationToken.None),
            "web1 did not become active again; events: " + Kinds(cluster));
        var web1Grant = observer.Observations().Select(o => o.Message).OfType<Grant>().First(g => g.Node == "web1" && g.Role == NodeRole.Active && g.Timestamp >= crashMs);
        var web1Healthy = observer.Events(crashMs).Last(e => e.Kind == "state-healthy" && e.Node == "web1" && e.Timestamp <= web1Grant.Timestamp);
        long readyMs = Math.Max(web1Healthy.Timestamp, alert.Timestamp);
        output.WriteLine($"no acknowledged active for {web1Grant.Timestamp - grantToWeb2.Timestamp} ms; web1 granted {web1Grant.Timestamp - readyMs} ms after it was healthy and the grant to web2 had timed out");
        // Once a member that can hear the board is healthy and the unheard grant timed out: fence web2 (fence_confirm_ms, ClusterConfigs.FenceConfirmMs), one round.
        Assert.InRange(web1Grant.Timestamp - readyMs, 0, 1000);
        Assert.Empty(SafetyChecker.Check(observer.Observations(), cluster.Overlap!.OverlapMs(0, cluster.Clock.NowMs)));
    }

    private static List<EventMessage> Absent(ClusterObserver o) =>
        o.Events().Where(e => e.Kind == "state-absent").GroupBy(e => e.Node).Select(g => g.First()).ToList();

    // Resets and power presses the simulated servers carried out (the rack's record, not the board's word).
    private static List<TimelineEvent> WireActions(RackCluster cluster) =>
        cluster.Rack.Timeline.Snapshot().Where(e => e.Kind == TimelineKind.Relay).ToList();

    private static string Kinds(RackCluster cluster, long fromMs = 0, long toMs = long.MaxValue) =>
        string.Join(", ", cluster.Observer.Events(fromMs).Where(e => e.Timestamp < toMs).Select(e => e.Kind + (e.Node.Length > 0 ? " " + e.Node : "")));
}
