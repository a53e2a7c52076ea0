using Watchdog.Lab.Live;
using Watchdog.Lab.Tests.Failover;

namespace Watchdog.Lab.Tests.Live;

/// <summary>
/// `watchdogctl rack up` and the verbs a second shell uses on it, over the real control socket:
/// a fault injected by request is failed over by the running rack, a recover gives the node back,
/// bad requests get a sentence, a second rack on the same session is refused, and down ends it
/// and removes the session. Needs root like every rack test.
/// </summary>
[Collection("rack")]
public sealed class LiveRackTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    [RackFact]
    public async Task A_running_rack_takes_faults_from_another_shell_and_goes_down_on_request()
    {
        var dir = Directory.CreateTempSubdirectory("watchdog-live-rack-test-").FullName;
        var options = new RackClusterOptions { Broker = BrokerKind.Mosquitto, Log = new RackClusterFixture.OutputWriter(output) };
        var ready = new TaskCompletionSource<(LiveRackSession Session, RackCluster Cluster)>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        var running = LiveRack.RunAsync(options, dir, output.WriteLine, cts.Token, (s, c) => ready.SetResult((s, c)));
        try
        {
            var (session, cluster) = await ready.Task.WaitAsync(Wait);
            Assert.True(File.Exists(LiveRackSession.PathIn(dir)));
            var onDisk = LiveRackSession.ReadFrom(dir);
            Assert.Equal((session.Broker, session.ControlSocket, session.Pid), (onDisk.Broker, onDisk.ControlSocket, onDisk.Pid));
            Assert.Equal(options.Nodes, onDisk.Nodes);
            Assert.Equal($"{cluster.BrokerHost}:{cluster.BrokerPort}", session.Broker);
            Assert.Equal("operator-rack", session.Username);
            Assert.True(File.Exists(session.PasswordFile) && File.Exists(session.KeyFile));

            // A second rack on the same session would hide this one: refused before it starts anything.
            var twice = await Assert.ThrowsAsync<LabFailedException>(() => LiveRack.RunAsync(options, dir, output.WriteLine, CancellationToken.None));
            Assert.Contains("already running", twice.Message);

            var o = cluster.Observer;
            var active = o.LatestRoles(options.Group)!.Active.Single();
            var other = options.Nodes.Single(n => n != active);
            long epoch = o.LatestRoles(options.Group)!.Epoch;

            var (ok, detail) = await LiveRackClient.SendAsync(dir, new LiveRackRequest(LiveRackVerb.Fault, "agent-crash", active), CancellationToken.None);
            Assert.True(ok, detail);
            Assert.Contains($"agent-crash injected into {active}", detail);
            Assert.True(
                await o.WaitForAsync(x => x.LatestRoles(options.Group) is { } r && r.Epoch > epoch && r.Active.SequenceEqual([other]), Wait, CancellationToken.None),
                $"{other} did not take over after the requested fault: " + FailoverRun.Describe(cluster, other));

            // Bad requests: a sentence, and the rack keeps running.
            (ok, detail) = await LiveRackClient.SendAsync(dir, new LiveRackRequest(LiveRackVerb.Fault, "meteor", active), CancellationToken.None);
            Assert.False(ok);
            Assert.Contains("unknown fault 'meteor'", detail);
            (ok, detail) = await LiveRackClient.SendAsync(dir, new LiveRackRequest(LiveRackVerb.Fault, "hang", "web9"), CancellationToken.None);
            Assert.False(ok);
            Assert.Contains("'web9' is neither a node (web1, web2) nor a board (rack1)", detail);
            (ok, detail) = await LiveRackClient.SendAsync(dir, new LiveRackRequest(LiveRackVerb.Recover, Target: other), CancellationToken.None);
            Assert.False(ok);
            Assert.Contains($"no fault to recover on '{other}'", detail);

            (ok, detail) = await LiveRackClient.SendAsync(dir, new LiveRackRequest(LiveRackVerb.Recover, Target: active), CancellationToken.None);
            Assert.True(ok, detail);

            (ok, detail) = await LiveRackClient.SendAsync(dir, new LiveRackRequest(LiveRackVerb.Down), CancellationToken.None);
            Assert.True(ok, detail);
            await running.WaitAsync(Wait);
            Assert.False(File.Exists(LiveRackSession.PathIn(dir)), "the session outlived the rack");
            await Assert.ThrowsAsync<LabFailedException>(() => LiveRackClient.SendAsync(dir, new LiveRackRequest(LiveRackVerb.Down), CancellationToken.None));
        }
        finally
        {
            await cts.CancelAsync();
            await Task.WhenAny(running, Task.Delay(Wait));
            Directory.Delete(dir, recursive: true);
        }
    }
}
