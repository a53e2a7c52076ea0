using Watchdog.Cli.Commands;
using Watchdog.Protocol.Json;
using Watchdog.Protocol.Messages;
using Watchdog.Protocol.Wire;

namespace Watchdog.Cli.Rack;

/// <summary>
/// One measured fault on a settled rack cluster: inject, wait for the outcome DESIGN.md asks
/// for, measure detection, fence, takeover, recovery time on the virtual IP and overlap from
/// the moment of injection, run the safety checker, then bring the victim back as a standby.
/// </summary>
public static class FailoverRun
{
    public static readonly TimeSpan OutcomeTimeout = TimeSpan.FromSeconds(30);

    public static async Task<FailoverResult> RunAsync(RackCluster cluster, FaultKind fault, Action<string> say, CancellationToken ct)
    {
        var o = cluster.Observer;
        var group = cluster.Options.Group;
        var roles = o.LatestRoles(group) ?? throw new InvalidOperationException($"group {group} has no roles yet: wait until the cluster settles");
        var victim = roles.Active.Single();
        var successor = cluster.Options.Nodes.First(n => n != victim);
        var epochBefore = roles.Epoch;

        var t0Wall = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var t0 = cluster.Clock.NowMs;
        say($"fault: {fault.Name()} on {victim}");
        await InjectAsync(cluster, fault, victim, successor, say, ct).ConfigureAwait(false);

        var problems = new List<string>();
        bool expectTakeover = fault != FaultKind.BrokerStop;
        bool tookOver = false;
        if (expectTakeover)
        {
            tookOver = await o.WaitForAsync(x =>
                x.LatestRoles(group) is { } r && r.Active.Length == 1 && r.Active[0] == successor && r.Epoch > epochBefore &&
                x.Acks(t0Wall).Any(a => a.Node == successor && a.Role == NodeRole.Active && a.Ok && a.Epoch > epochBefore) &&
                (cluster.Probe is null || cluster.Probe.Snapshot().Any(p => p.StartMs >= t0 && p.Node == successor)),
                OutcomeTimeout, ct).ConfigureAwait(false);
            if (!tookOver)
            {
                problems.Add($"{successor} did not take over within {OutcomeTimeout.TotalSeconds} s");
            }
        }
        else
        {
            // Broker gone: the active must stay active, nobody fenced; then the broker returns.
            await Task.Delay(3000, ct).ConfigureAwait(false);
            if (!cluster.Server(victim).IsUp || cluster.Server(victim).IsResetHeld)
            {
                problems.Add($"{victim} was taken down while the broker was away");
            }

            await cluster.StartBrokerAgainAsync(ct).ConfigureAwait(false);
            say("broker: started again");
            if (!await o.WaitForAsync(x => x.LatestRoles(group) is { } r && r.Active.SequenceEqual([victim]) && x.LatestState(victim).ClaimsActive(), OutcomeTimeout, ct).ConfigureAwait(false))
            {
                problems.Add($"after the broker returned, {victim} is not shown active with a fresh state");
            }
        }

        var tEnd = cluster.Clock.NowMs;
        var events = o.Events(t0Wall);
        double? Since(long? ts) => ts is null ? null : ts.Value - t0Wall;
        var detection = events.FirstOrDefault(e => e.Node == victim && e.Kind is "state-failed" or "failure");
        var fence = events.FirstOrDefault(e => e.Node == victim && e.Kind == "state-fenced");
        var ack = o.Acks(t0Wall).FirstOrDefault(a => a.Node == successor && a.Role == NodeRole.Active && a.Ok && a.Epoch > epochBefore);
        double? rto = null;
        if (cluster.Probe is not null && tookOver)
        {
            var answer = cluster.Probe.Snapshot().FirstOrDefault(p => p.StartMs >= t0 && p.Node == successor);
            rto = answer is null ? null : answer.EndMs - t0;
        }

        var overlap = cluster.Overlap?.OverlapMs(t0, tEnd) ?? 0;
        var violations = SafetyChecker.Check(o.Observations(), overlap);
        var falseFences = fault == FaultKind.BrokerStop ? FenceEvents(o, t0Wall).Count : 0;
        var result = new FailoverResult
        {
            Fault = fault.Name(),
            Victim = victim,
            NewActive = tookOver ? successor : (fault == FaultKind.BrokerStop ? victim : null),
            DetectionMs = Since(detection?.Timestamp),
            FenceMs = Since(fence?.Timestamp),
            TakeoverMs = Since(ack?.Timestamp),
            RtoMs = rto,
            OverlapMs = overlap,
            OverlapMeasured = cluster.Overlap is not null,
            EpochBefore = epochBefore,
            EpochAfter = o.LatestRoles(group)?.Epoch ?? epochBefore,
            FalseFences = falseFences,
            FaultAtMs = t0,
            EndAtMs = tEnd,
            Violations = violations,
            Problems = problems,
        };

        await RecoverAsync(cluster, fault, victim, t0Wall, say, ct).ConfigureAwait(false);
        return result;
    }

    /// <summary>Sends a signed command as an operator would, and returns the board's answer.</summary>
    public static async Task<CommandAck?> SendCommandAsync(RackCluster cluster, CommandAction action, string target, string? argument, CancellationToken ct)
    {
        var o = cluster.Observer;
        var epoch = o.LatestRoles(cluster.Options.Group)?.Epoch ?? 0;
        var command = ControlCommands.Build(action, target, argument, epoch, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), 30, cluster.Key);
        var since = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - 1;
        await o.PublishAsync(o.Topics.Command(target), MessageCodec.Encode(command), ct).ConfigureAwait(false);
        CommandAck? answer = null;
        await o.WaitForAsync(x =>
        {
            answer = x.Observations().Select(v => v.Message).OfType<CommandAck>().FirstOrDefault(a => a.Id == command.Id);
            return answer is not null;
        }, TimeSpan.FromSeconds(10), ct).ConfigureAwait(false);
        return answer;
    }

    /// <summary>Waits until <paramref name="node"/> is back: healthy, standby under the current epoch.</summary>
    public static Task<bool> WaitForStandbyAsync(RackCluster cluster, string node, TimeSpan timeout, CancellationToken ct) =>
        cluster.Observer.WaitForAsync(x =>
            x.LatestRoles(cluster.Options.Group) is { } r && r.Standby.Contains(node) &&
            x.LatestState(node) is { } s && s.Role == NodeRole.Standby && s.Health == Health.Healthy &&
            x.WithSnapshot(snap => snap.Boards.Values.SelectMany(b => b.Channels.Values).Any(c => c.Node == node && c.State == ChannelState.Healthy)),
            timeout, ct);

    private static async Task InjectAsync(RackCluster cluster, FaultKind fault, string victim, string successor, Action<string> say, CancellationToken ct)
    {
        var server = cluster.Server(victim);
        switch (fault)
        {
            case FaultKind.AgentCrash:
                server.KillProcess("agent");
                break;
            case FaultKind.Hang:
                server.Freeze();
                break;
            case FaultKind.Power:
                server.PowerLoss();
                break;
            case FaultKind.Link:
                server.LinkDown();
                break;
            case FaultKind.BrokerStop:
                await cluster.StopBrokerAsync().ConfigureAwait(false);
                break;
            case FaultKind.BoardRestart:
                server.Freeze();
                // Kill the board in the middle of the failover: once it has declared the victim failed.
                var since = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - 1;
                await cluster.Observer.WaitForAsync(x => x.Events(since).Any(e => e.Node == victim && e.Kind is "state-suspect" or "state-failed"), TimeSpan.FromSeconds(10), ct).ConfigureAwait(false);
                cluster.KillBoard();
                say("board: killed with SIGKILL mid-failover; starting it again");
                await Task.Delay(300, ct).ConfigureAwait(false);
                cluster.StartBoard();
                break;
            case FaultKind.Switchover:
                var ack = await SendCommandAsync(cluster, CommandAction.Switchover, cluster.Options.Group, successor, ct).ConfigureAwait(false);
                say($"switchover command: {(ack is null ? "no answer" : WireWords.Of(ack.Verdict) + " " + ack.Detail)}");
                break;
        }
    }

    private static async Task RecoverAsync(RackCluster cluster, FaultKind fault, string victim, long since, Action<string> say, CancellationToken ct)
    {
        var server = cluster.Server(victim);
        switch (fault)
        {
            case FaultKind.Hang:
            case FaultKind.BoardRestart:
                server.Thaw();
                break;
            case FaultKind.Power:
                server.PowerRestore(pressPowerButton: true);
                break;
            case FaultKind.Link:
                server.LinkUp();
                break;
        }

        if (fault is FaultKind.BrokerStop)
        {
            return;
        }

        // A board that says its ladder ended holds the node until an operator releases it (safety
        // rule 5): no point waiting for it to come back by itself. Otherwise give it the time a
        // reboot and the recovery-stable period take.
        var held = cluster.Observer.Events(since).Any(e => e.Node == victim && e.Kind == "ladder-ended");
        say($"recovery: waiting for {victim} to come back as standby{(held ? " (held: the ladder ended)" : "")}");
        if (held || !await WaitForStandbyAsync(cluster, victim, TimeSpan.FromSeconds(15), ct).ConfigureAwait(false))
        {
            say($"recovery: {victim} {(held ? "held" : "not back yet")}: {Describe(cluster, victim)}");
            // A fenced node stays fenced until an operator releases it (safety rule 5): do what the operator would.
            say($"recovery: {victim} is held; sending a signed unfence");
            var ack = await SendCommandAsync(cluster, CommandAction.Unfence, victim, null, ct).ConfigureAwait(false);
            say($"recovery: unfence {victim}: {(ack is null ? "no answer" : WireWords.Of(ack.Verdict) + " " + ack.Detail)}");
            if (!await WaitForStandbyAsync(cluster, victim, TimeSpan.FromSeconds(40), ct).ConfigureAwait(false))
            {
                say($"recovery: {victim} still not back: {Describe(cluster, victim)}");
            }
        }
    }

    /// <summary>One line on where a node stands, for messages about waits that ran out.</summary>
    public static string Describe(RackCluster cluster, string node)
    {
        var roles = cluster.Observer.LatestRoles(cluster.Options.Group);
        var state = cluster.Observer.LatestState(node);
        return $"group {cluster.Options.Group}@{roles?.Epoch} active=[{string.Join(",", roles?.Active ?? [])}] standby=[{string.Join(",", roles?.Standby ?? [])}] fenced=[{string.Join(",", roles?.Fenced ?? [])}]; " +
               (state is null ? $"{node} has published no state" : $"{node} says {WireWords.Of(state.Role)}@{state.Epoch} {WireWords.Of(state.Health)} '{state.Reason}'") +
               $"; server up={cluster.Server(node).IsUp} frozen={cluster.Server(node).IsFrozen} reset={cluster.Server(node).IsResetHeld}";
    }

    private static List<EventMessage> FenceEvents(ClusterObserver o, long since) =>
        o.Events(since).Where(e => e.Kind == "state-fenced").ToList();
}
