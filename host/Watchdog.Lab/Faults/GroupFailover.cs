using Watchdog.Lab.Rack;
using Watchdog.Protocol.Messages;
using Watchdog.Protocol.Wire;

namespace Watchdog.Lab.Faults;

/// <summary>One group's failover when one or more groups of the rack suffer a fault at once.</summary>
/// <param name="InjectSpreadMs">How long after the first group's injection this group's began (0 for the first).</param>
/// <param name="DetectionMs">The board's failure verdict on the victim, after this group's injection (wall clock).</param>
/// <param name="RtoMs">The first answer from the successor on the group's own virtual IP, after this group's injection.</param>
/// <param name="OverlapMs">Time with both members acting as the group's active, begun after the injection.</param>
public sealed record GroupFailoverResult(
    string Group, string Fault, string Victim, string Successor, string? NewActive, double InjectSpreadMs,
    double? DetectionMs, double? RtoMs, double OverlapMs, long EpochBefore, long EpochAfter, IReadOnlyList<string> Problems);

/// <summary>
/// Faults on the actives of several groups of a rack (RackClusterOptions.GroupCount) at the same
/// instant: each group's injection runs on its own thread, all released together, and each group
/// is measured from its own injection time. The one-group runs of the bench stay FailoverRun's.
/// </summary>
public static class GroupFailover
{
    public static async Task<IReadOnlyList<GroupFailoverResult>> RunAsync(RackCluster cluster, IReadOnlyList<string> groups, Fault fault, Action<string> say, CancellationToken ct)
    {
        if (fault.Expected != Outcome.Takeover)
        {
            throw new ArgumentException($"{fault.Name}: a group failover needs a fault the standby must take over from (hang, agent-crash, power-loss, link-loss)", nameof(fault));
        }

        var o = cluster.Observer;
        var scenes = new List<(string Group, FaultScene Scene, long EpochBefore)>();
        foreach (var group in groups)
        {
            var roles = o.LatestRoles(group) ?? throw new InvalidOperationException($"group {group} has no roles yet: wait until the rack settles");
            var victim = roles.Active.Single();
            var successor = cluster.GroupWatch(group).Nodes.First(n => n != victim);
            if (!await WaitForStandbyAsync(cluster, group, successor, TimeSpan.FromSeconds(20), ct).ConfigureAwait(false))
            {
                say($"{successor} ({group}) is not a ready standby after 20 s, injecting anyway");
            }

            scenes.Add((group, new FaultScene(cluster, victim, successor, say, ct), roles.Epoch));
        }

        // Every injection on its own thread, released by one gate: "at the same instant" as far as
        // the machine allows; each group's clock starts at its own injection.
        using var gate = new ManualResetEventSlim();
        var injections = scenes.Select(s => Task.Run(async () =>
        {
            gate.Wait(ct);
            var (t0, t0Wall) = (cluster.Clock.NowMs, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
            await fault.Inject(s.Scene).ConfigureAwait(false);
            return (t0, t0Wall);
        }, ct)).ToList();
        say($"fault: {fault.Name} on {string.Join(", ", scenes.Select(s => $"{s.Scene.Victim} ({s.Group})"))} at once");
        gate.Set();
        var starts = await Task.WhenAll(injections).ConfigureAwait(false);
        var first = starts.Min(s => s.t0);

        var waits = scenes.Select((s, i) => o.WaitForAsync(x =>
            x.LatestRoles(s.Group) is { } r && r.Active.Length == 1 && r.Active[0] == s.Scene.Successor && r.Epoch > s.EpochBefore &&
            x.Acks(starts[i].t0Wall).Any(a => a.Node == s.Scene.Successor && a.Role == NodeRole.Active && a.Ok && a.Epoch > s.EpochBefore) &&
            cluster.GroupWatch(s.Group).Probe.Snapshot().Any(p => p.StartMs >= starts[i].t0 && p.Node == s.Scene.Successor),
            FailoverRun.OutcomeTimeout, ct)).ToList();
        var tookOver = await Task.WhenAll(waits).ConfigureAwait(false);
        var tEnd = cluster.Clock.NowMs;

        var results = new List<GroupFailoverResult>();
        for (var i = 0; i < scenes.Count; i++)
        {
            var (group, scene, epochBefore) = scenes[i];
            var (t0, t0Wall) = starts[i];
            var watch = cluster.GroupWatch(group);
            var problems = new List<string>();
            if (!tookOver[i])
            {
                problems.Add($"{scene.Successor} did not take over {group} within {FailoverRun.OutcomeTimeout.TotalSeconds} s: {Describe(cluster, group, scene.Victim)}");
            }

            var detection = o.Events(t0Wall).FirstOrDefault(e => e.Node == scene.Victim && e.Kind is "state-failed" or "failure");
            var answer = tookOver[i] ? watch.Probe.Snapshot().FirstOrDefault(p => p.StartMs >= t0 && p.Node == scene.Successor) : null;
            var overlap = watch.Overlap.Split(t0, tEnd);
            results.Add(new GroupFailoverResult(
                group, fault.Name, scene.Victim, scene.Successor, tookOver[i] ? scene.Successor : o.LatestRoles(group)?.Active.FirstOrDefault(),
                Math.Round(t0 - first, 2), detection is null ? null : detection.Timestamp - t0Wall, answer is null ? null : Math.Round(answer.EndMs - t0, 1),
                Math.Round(overlap.ChargedMs, 1), epochBefore, o.LatestRoles(group)?.Epoch ?? epochBefore, problems));
        }

        await Task.WhenAll(scenes.Select((s, i) => RecoverAsync(cluster, s.Group, s.Scene, fault))).ConfigureAwait(false);
        return results;
    }

    /// <summary>FailoverRun.WaitForStandbyAsync for any group of the rack (one board).</summary>
    public static Task<bool> WaitForStandbyAsync(RackCluster cluster, string group, string node, TimeSpan timeout, CancellationToken ct) =>
        cluster.Observer.WaitForAsync(x =>
            x.LatestRoles(group) is { } r && r.Standby.Contains(node) &&
            x.LatestState(node) is { } s && s.Role == NodeRole.Standby && s.Health == Health.Healthy &&
            x.WithSnapshot(snap => snap.Boards.Values.SelectMany(b => b.Channels.Values).Any(c => c.Node == node && c.State == ChannelState.Healthy)),
            timeout, ct);

    /// <summary>
    /// Gives the victim back what the fault took, and releases it as an operator would whenever the
    /// board holds it (safety rule 5). A victim still rebooting is not yet fenced (an unfence then
    /// is refused) and may be held later, when its reboot outlasts the grace on a loaded machine:
    /// so look again, up to three times.
    /// </summary>
    private static async Task RecoverAsync(RackCluster cluster, string group, FaultScene scene, Fault fault)
    {
        fault.Recover(scene);
        for (var attempt = 0; attempt < 3; attempt++)
        {
            if (await WaitForStandbyAsync(cluster, group, scene.Victim, TimeSpan.FromSeconds(20), scene.Ct).ConfigureAwait(false))
            {
                return;
            }

            if (cluster.Observer.LatestRoles(group)?.Fenced.Contains(scene.Victim) == true)
            {
                var ack = await FailoverRun.SendCommandAsync(cluster, CommandAction.Unfence, scene.Victim, null, scene.Ct, group).ConfigureAwait(false);
                scene.Say($"recovery: {scene.Victim} ({group}) held; unfence: {(ack is null ? "no answer" : WireWords.Of(ack.Verdict) + " " + ack.Detail)}");
            }
        }

        scene.Say($"recovery: {scene.Victim} still not back: {Describe(cluster, group, scene.Victim)}");
    }

    public static string Describe(RackCluster cluster, string group, string node)
    {
        var roles = cluster.Observer.LatestRoles(group);
        var state = cluster.Observer.LatestState(node);
        return $"group {group}@{roles?.Epoch} active=[{string.Join(",", roles?.Active ?? [])}] standby=[{string.Join(",", roles?.Standby ?? [])}] fenced=[{string.Join(",", roles?.Fenced ?? [])}]; " +
               (state is null ? $"{node} has published no state" : $"{node} says {WireWords.Of(state.Role)}@{state.Epoch} {WireWords.Of(state.Health)} '{state.Reason}'");
    }
}
