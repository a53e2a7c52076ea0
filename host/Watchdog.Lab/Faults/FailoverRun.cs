using Watchdog.Lab.Checks;
using Watchdog.Lab.Rack;
using Watchdog.Operator.Commands;
using Watchdog.Operator.Status;
using Watchdog.Protocol.Json;
using Watchdog.Protocol.Messages;
using Watchdog.Protocol.Wire;

namespace Watchdog.Lab.Faults;

/// <summary>
/// One measured fault on a settled rack cluster: inject, wait for the outcome docs/safety-rules.md asks
/// for, measure detection, fence, takeover, recovery time on the virtual IP and overlap from
/// the moment of injection, run the safety checker, then bring the victim back as a standby.
/// Overlap and breaches that began before the injection are reported as pre-existing, not
/// charged to the fault.
/// </summary>
public static class FailoverRun
{
    public static readonly TimeSpan OutcomeTimeout = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long a broker loss or a partition lasts. Not a wait for anything: the fault is held
    /// this long (20 heartbeat timeouts of the rack) while the rack is watched for a wrong move.
    /// </summary>
    public static readonly TimeSpan StayActiveFaultHold = TimeSpan.FromSeconds(3);

    /// <summary>Bound on waiting for the board's settled status before a command (its grace is 1.5 s).</summary>
    public static readonly TimeSpan BoardSettleTimeout = TimeSpan.FromSeconds(60);

    public static async Task<FailoverResult> RunAsync(RackCluster cluster, Fault fault, Action<string> say, CancellationToken ct)
    {
        var o = cluster.Observer;
        var group = cluster.Options.Group;
        var roles = o.LatestRoles(group) ?? throw new InvalidOperationException($"group {group} has no roles yet: wait until the cluster settles");
        var victim = roles.Active.Single();
        var successor = cluster.Options.Nodes.First(n => n != victim);
        var epochBefore = roles.Epoch;

        // Measure a failover, not a wait for the standby: a successor that is still recovering
        // (its board channel not yet healthy for the recovery time) cannot be promoted, and the
        // board rightly fences nobody until it is (seen as 550 ms and 1 s "fences" in early runs).
        if (!await WaitForStandbyAsync(cluster, successor, TimeSpan.FromSeconds(20), ct).ConfigureAwait(false))
        {
            say($"{successor} is not a ready standby after 20 s, injecting anyway: {Describe(cluster, successor)}");
        }

        // A database behind the address: its writer runs across the fault (rpo_rows, write outage).
        var rpo = await RpoRun.StartAsync(cluster, say, ct).ConfigureAwait(false);
        var t0Wall = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var t0 = cluster.Clock.NowMs;
        say($"fault: {fault.Name} on {victim}");
        var scene = new FaultScene(cluster, victim, successor, say, ct);
        await fault.Inject(scene).ConfigureAwait(false);

        var problems = new List<string>();
        var expected = fault.Expected;
        bool tookOver = false;
        string? newActive = null;
        switch (expected)
        {
            case Outcome.Takeover:
                tookOver = await WaitForActiveAsync(cluster, successor, epochBefore, t0, t0Wall, ct).ConfigureAwait(false);
                newActive = tookOver ? successor : null;
                if (!tookOver)
                {
                    problems.Add($"{successor} did not take over within {OutcomeTimeout.TotalSeconds} s");
                }

                break;
            case Outcome.StayActive:
                // Broker gone or the servers cut off from each other: the wires say both are
                // fine, so the active must stay active and nobody be fenced; then the fault heals.
                await Task.Delay(StayActiveFaultHold, ct).ConfigureAwait(false);
                if (!cluster.Server(victim).IsUp || cluster.Server(victim).IsResetHeld)
                {
                    problems.Add($"{victim} was taken down during the {fault.Name}");
                }

                await fault.Heal(scene).ConfigureAwait(false);
                say($"{fault.Name}: healed");
                if (!await o.WaitForAsync(x => x.LatestRoles(group) is { } r && r.Active.SequenceEqual([victim]) && x.LatestState(victim).ClaimsActive(), OutcomeTimeout, ct).ConfigureAwait(false))
                {
                    problems.Add($"after the {fault.Name} healed, {victim} is not shown active with a fresh state");
                }

                newActive = victim;
                break;
            case Outcome.OneActive:
                // Either answer is right; what must hold is one active that serves the address.
                // First the board's judgement of the flap, so the check below does not just see
                // the state from before it: a new epoch (it failed over), or a reading of the
                // victim's channel stamped a debounce after the last flap that still shows it
                // healthy with every link up (a flap long enough to count changes the state, and
                // a changed state is published at once).
                var flapEnd = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
                var judged = await o.WaitForAsync(x =>
                    (x.LatestRoles(group) is { } r && r.Epoch > epochBefore) ||
                    (x.LatestReading(victim) is { } reading && reading.Timestamp >= flapEnd + ClusterConfigs.DebounceMs(cluster.Options) &&
                     reading.State == ChannelState.Healthy && reading.Link.All(up => up)),
                    OutcomeTimeout, ct).ConfigureAwait(false);
                if (!judged)
                {
                    problems.Add($"the board published no judgement of the link flap within {OutcomeTimeout.TotalSeconds} s: {Describe(cluster, victim)}");
                }

                bool settled = await o.WaitForAsync(x =>
                    x.LatestRoles(group) is { } r && r.Active.Length == 1 && x.LatestState(r.Active[0]).ClaimsActive() &&
                    (cluster.Probe is null || cluster.Probe.Snapshot().Any(p => p.StartMs >= cluster.Clock.NowMs - 1000 && p.Node == r.Active[0])),
                    OutcomeTimeout, ct).ConfigureAwait(false);
                newActive = o.LatestRoles(group)?.Active.FirstOrDefault();
                tookOver = settled && newActive == successor;
                if (!settled)
                {
                    problems.Add($"no single active serving the address within {OutcomeTimeout.TotalSeconds} s: {Describe(cluster, victim)}");
                }

                break;
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

        // Overlap that began before the fault was injected is not the fault's: reported apart.
        var overlap = cluster.Overlap?.Split(t0, tEnd) ?? OverlapSplit.None;
        if (overlap.ChargedMs > 0)
        {
            // Which relay, boot or address change let two servers act at once: the rack's own
            // timeline around each stretch (a count alone cannot say whether the board or the
            // simulated server was late).
            LogOverlaps(cluster, t0, tEnd, say);
        }

        // The board counts the victim out after fence_confirm_ms of reset, trusting the output
        // stage to stop it by then. A simulated server that stopped later is the lab being slower
        // than the hardware it models: whatever overlap followed is the lab's, and the run says so.
        if (fence is not null)
        {
            // The relay loop records a wire change only once it has carried it out (a fence's
            // power-off kills processes and spawns `ip` first), stamped with the board's write:
            // wait for that record, or the measure would miss a reset obeyed after the takeover.
            await Task.Run(() => cluster.Rack.Timeline.WaitFor(e => e.Subject == victim && e.Kind == Sim.Rack.TimelineKind.Wire && e.What == ResetStop.Asserted,
                TimeSpan.FromSeconds(5), t0), ct).ConfigureAwait(false);
        }

        var resetStop = ResetStop.Of(cluster.Rack.Timeline.Snapshot(), victim, t0, cluster.Clock.NowMs);
        var confirmMs = ClusterConfigs.FenceConfirmMs(cluster.Options);
        if (resetStop > confirmMs)
        {
            problems.Add($"the simulator froze {victim} {resetStop:0.0} ms after the board asserted its reset, past fence_confirm_ms ({confirmMs} ms): " +
                         "the lab was slower than the output stage it models, and any overlap after it is the lab's");
            LogResetStop(cluster, victim, t0, cluster.Clock.NowMs, say);
        }

        var checkedAtWall = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var safety = SafetyChecker.CheckRun(o.Observations(), t0Wall, cluster.SafetyReportedUntilWallMs, overlap);
        cluster.SafetyReportedUntilWallMs = checkedAtWall;
        if (safety.Violations.Count > 0)
        {
            // The checker's findings name claims, not their story: who said what, in order.
            say("what the board and the agents said from 1 s before the fault:" + Environment.NewLine + History(cluster, t0Wall - 1000));
        }

        var falseFences = expected == Outcome.StayActive ? FenceEvents(o, t0Wall).Count : 0;
        var rows = rpo is null ? null : await rpo.FinishAsync(newActive, t0Wall, say, ct).ConfigureAwait(false);
        if (rpo is not null && rows is null)
        {
            problems.Add("the rows the writer got acknowledged could not be counted on a new primary");
        }
        else if (rows is { RpoRows: > 0 } && cluster.Options.PostgresMode == Watchdog.Postgres.ReplicationMode.Synchronous)
        {
            // Synchronous replication promises exactly this: no acknowledged commit lost.
            problems.Add($"{rows.RpoRows} acknowledged rows lost in synchronous mode (first missing: {string.Join(",", rows.Missing)})");
        }

        var result = new FailoverResult
        {
            Fault = fault.Name,
            Victim = victim,
            NewActive = newActive,
            DetectionMs = Since(detection?.Timestamp),
            FenceMs = Since(fence?.Timestamp),
            TakeoverMs = Since(ack?.Timestamp),
            RtoMs = rto,
            ResetStopMs = resetStop,
            OverlapMs = overlap.ChargedMs,
            PreExistingOverlapMs = overlap.PreExistingMs,
            OverlapMeasured = cluster.Overlap is not null,
            EpochBefore = epochBefore,
            EpochAfter = o.LatestRoles(group)?.Epoch ?? epochBefore,
            FalseFences = falseFences,
            FaultAtMs = t0,
            EndAtMs = tEnd,
            Violations = safety.Violations,
            PreExisting = safety.PreExisting,
            Problems = problems,
            RpoMeasured = rpo is not null,
            RpoRows = rows?.RpoRows,
            RpoSpanMs = rows?.RpoSpanMs,
            WriteOutageMs = rows?.WriteOutageMs,
        };

        await RecoverAsync(scene, fault, t0Wall).ConfigureAwait(false);
        return result;
    }

    private static Task<bool> WaitForActiveAsync(RackCluster cluster, string successor, long epochBefore, double t0, long t0Wall, CancellationToken ct) =>
        cluster.Observer.WaitForAsync(x =>
            x.LatestRoles(cluster.Options.Group) is { } r && r.Active.Length == 1 && r.Active[0] == successor && r.Epoch > epochBefore &&
            x.Acks(t0Wall).Any(a => a.Node == successor && a.Role == NodeRole.Active && a.Ok && a.Epoch > epochBefore) &&
            (cluster.Probe is null || cluster.Probe.Snapshot().Any(p => p.StartMs >= t0 && p.Node == successor)),
            OutcomeTimeout, ct);

    /// <summary>
    /// Sends a signed command as an operator would, and returns the board's answer. Like
    /// watchdogctl, it first waits for the board's settled status (the board refuses every
    /// command during its boot grace), and after a settling refusal waits for a settled status
    /// newer than it and sends once more with a fresh id and signature.
    /// </summary>
    /// <param name="group">Whose epoch the command carries (the board checks it against the target's group); null: the rack's first group.</param>
    public static async Task<CommandAck?> SendCommandAsync(RackCluster cluster, CommandAction action, string target, string? argument, CancellationToken ct, string? group = null)
    {
        // Sent even when the bound passed: the board's answer then says why better than a timeout would.
        await cluster.WaitForBoardSettledAsync(0, BoardSettleTimeout, ct).ConfigureAwait(false);
        var epoch = cluster.Observer.LatestRoles(group ?? cluster.Options.Group)?.Epoch ?? 0;
        var answer = await SendOnceAsync(cluster, action, target, argument, epoch, ct).ConfigureAwait(false);
        if (BoardSettleWait.IsSettlingRefusal(answer))
        {
            await cluster.WaitForBoardSettledAsync(answer!.Timestamp, BoardSettleTimeout, ct).ConfigureAwait(false);
            answer = await SendOnceAsync(cluster, action, target, argument, epoch, ct).ConfigureAwait(false);
        }

        return answer;
    }

    private static async Task<CommandAck?> SendOnceAsync(RackCluster cluster, CommandAction action, string target, string? argument, long epoch, CancellationToken ct)
    {
        var o = cluster.Observer;
        var command = SignedCommands.Build(action, target, argument, epoch, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), 30, cluster.Key);
        await o.PublishAsync(o.Topics.Command(target), MessageCodec.Encode(command), ct).ConfigureAwait(false);
        CommandAck? answer = null;
        await o.WaitForAsync(x =>
        {
            answer = x.Observations().Select(v => v.Message).OfType<CommandAck>().FirstOrDefault(a => a.Id == command.Id);
            return answer is not null;
        }, TimeSpan.FromSeconds(10), ct).ConfigureAwait(false);
        return answer;
    }

    /// <summary>
    /// Brings the rack back to one active and one healthy standby before a run, as an operator
    /// would: a member still held (a ladder that ended again after an earlier unfence, say) is
    /// unfenced. Without this one held standby turns every later run into a wait for a takeover
    /// that cannot happen. False when the rack could not be restored.
    /// </summary>
    public static async Task<bool> RestoreAsync(RackCluster cluster, Action<string> say, CancellationToken ct)
    {
        var roles = cluster.Observer.LatestRoles(cluster.Options.Group);
        if (roles is null || roles.Active.Length != 1)
        {
            return await cluster.WaitUntilSettledAsync(null, TimeSpan.FromSeconds(60), ct).ConfigureAwait(false);
        }

        foreach (var node in cluster.Options.Nodes.Where(n => n != roles.Active[0]))
        {
            if (await WaitForStandbyAsync(cluster, node, TimeSpan.FromSeconds(1), ct).ConfigureAwait(false))
            {
                continue;
            }

            if (cluster.Observer.LatestRoles(cluster.Options.Group)?.Fenced.Contains(node) == true)
            {
                var ack = await SendCommandAsync(cluster, CommandAction.Unfence, node, null, ct).ConfigureAwait(false);
                say($"restore: {node} was still held; unfence: {(ack is null ? "no answer" : WireWords.Of(ack.Verdict) + " " + ack.Detail)}");
            }

            if (!await WaitForStandbyAsync(cluster, node, TimeSpan.FromSeconds(60), ct).ConfigureAwait(false))
            {
                say($"restore: {node} not back as standby: {Describe(cluster, node)}");
                return false;
            }
        }

        // Everyone back on the broker too: an agent still in its reconnect back-off cannot
        // acknowledge a demotion, and a board still reconnecting cannot answer a command (two chaos
        // switchovers right after broker losses measured exactly that, not the failover).
        if (!await cluster.Observer.WaitForAsync(x => x.WithSnapshot(AllPresent), TimeSpan.FromSeconds(30), ct).ConfigureAwait(false))
        {
            say("restore: not every agent and board is back on the broker: " + cluster.Observer.WithSnapshot(snap =>
                string.Join(", ", snap.Nodes.Values.Select(n => $"{n.Name} {Word(n.Presence)}").Concat(snap.Boards.Values.Select(b => $"board {b.Name} {Word(b.Presence)}")))));
            return false;
        }

        return true;
    }

    private static bool AllPresent(ClusterSnapshot snap) =>
        snap.Nodes.Count > 0 && snap.Boards.Count > 0
        && snap.Nodes.Values.All(n => n.Presence == Presence.Ready) && snap.Boards.Values.All(b => b.Presence == Presence.Ready);

    private static string Word(Presence? p) => p is { } known ? WireWords.Of(known) : "unknown";

    /// <summary>
    /// Waits until <paramref name="node"/> is back: healthy, standby under the current epoch, and
    /// healthy on the board that decides (of a pair, the one holding authority: the passive's
    /// channel may say healthy while the authority's still says recovering, and the authority
    /// then refuses a switchover to it).
    /// </summary>
    public static Task<bool> WaitForStandbyAsync(RackCluster cluster, string node, TimeSpan timeout, CancellationToken ct) =>
        cluster.Observer.WaitForAsync(x =>
            x.LatestRoles(cluster.Options.Group) is { } r && r.Standby.Contains(node) &&
            x.LatestState(node) is { } s && s.Role == NodeRole.Standby && s.Health == Health.Healthy &&
            x.WithSnapshot(snap => snap.Boards.Values
                .Where(b => cluster.Options.Boards == 1 || x.LatestBoard(b.Name) is { Pair: PairState.Authority })
                .SelectMany(b => b.Channels.Values).Any(c => c.Node == node && c.State == ChannelState.Healthy)),
            timeout, ct);

    private static async Task RecoverAsync(FaultScene scene, Fault fault, long since)
    {
        var (cluster, victim, say, ct) = (scene.Cluster, scene.Victim, scene.Say, scene.Ct);
        fault.Recover(scene);

        // Nothing to bring back when the victim kept its role (the broker or partition healed in
        // the run, or a link flap the board rode out).
        if (fault.Expected == Outcome.StayActive || cluster.Observer.LatestRoles(cluster.Options.Group)?.Active.Contains(victim) == true)
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

    /// <summary>The rack's timeline from the victim's reset to its freeze: what the simulator did meanwhile.</summary>
    private static void LogResetStop(RackCluster cluster, string victim, double fromMs, double toMs, Action<string> log)
    {
        var timeline = cluster.Rack.Timeline.Snapshot();
        var asserted = timeline.First(e => e.Subject == victim && e.Kind == Sim.Rack.TimelineKind.Wire && e.What == ResetStop.Asserted && e.AtMs >= fromMs && e.AtMs <= toMs);
        var stop = ResetStop.Of(timeline, victim, fromMs, toMs)!.Value;
        log($"reset stop of {victim}: {stop:0.0} ms; the rack around it:");
        foreach (var e in timeline.Where(e => e.AtMs >= asserted.AtMs - 50 && e.AtMs <= asserted.AtMs + stop + 20))
        {
            log("  " + e);
        }
    }

    private static void LogOverlaps(RackCluster cluster, double fromMs, double toMs, Action<string> log)
    {
        var timeline = cluster.Rack.Timeline.Snapshot();
        foreach (var (start, end, acting) in cluster.Overlap!.Overlaps(fromMs, toMs))
        {
            log($"overlap {start:0.0}-{end:0.0} ms: [{string.Join(", ", acting)}] acted as active; the rack around it:");
            foreach (var e in timeline.Where(e => e.AtMs >= start - 300 && e.AtMs <= end + 50))
            {
                log("  " + e);
            }
        }
    }

    /// <summary>
    /// Every role change, every claim an agent made (its role and epoch when they changed), every
    /// grant acknowledgement and every board or agent event since <paramref name="sinceMs"/>, one
    /// per line with its offset: what a run the safety checker failed prints, so the log says who
    /// claimed what and why the epoch moved. Claims and acknowledgements are stamped when the
    /// observer received them, the rest with their sender's clock.
    /// </summary>
    public static string History(RackCluster cluster, long sinceMs)
    {
        var lines = new List<(long At, string Text)>();
        long lastEpoch = -1;
        var lastClaim = new Dictionary<string, (NodeRole Role, long Epoch)>(StringComparer.Ordinal);
        foreach (var o in cluster.Observer.Observations())
        {
            switch (o.Message)
            {
                case GroupRoles r when r.Timestamp >= sinceMs && r.Epoch != lastEpoch:
                    lastEpoch = r.Epoch;
                    lines.Add((r.Timestamp, $"roles {r.Group}@{r.Epoch} active=[{string.Join(",", r.Active)}] fenced=[{string.Join(",", r.Fenced)}] '{r.Reason}'"));
                    break;
                case NodeState n when lastClaim.GetValueOrDefault(n.Node) != (n.Role, n.Epoch):
                    lastClaim[n.Node] = (n.Role, n.Epoch);
                    if (o.ReceivedAtMs >= sinceMs)
                    {
                        lines.Add((o.ReceivedAtMs, $"state {n.Node} says {WireWords.Of(n.Role)}@{n.Epoch} (received)"));
                    }

                    break;
                case GrantAck a when o.ReceivedAtMs >= sinceMs:
                    lines.Add((o.ReceivedAtMs, $"ack {a.Node} {WireWords.Of(a.Role)}@{a.Epoch} {(a.Ok ? "ok" : "failed")} (received): {a.Detail}"));
                    break;
            }
        }

        foreach (var e in cluster.Observer.Events(sinceMs))
        {
            lines.Add((e.Timestamp, $"event {e.Source} {e.Kind} {e.Node}: {e.Detail}"));
        }

        return string.Join(Environment.NewLine, lines.OrderBy(l => l.At).Select(l => $"  +{l.At - sinceMs} ms {l.Text}"));
    }

    private static List<EventMessage> FenceEvents(ClusterObserver o, long since) =>
        o.Events(since).Where(e => e.Kind == "state-fenced").ToList();
}
