using Watchdog.Operator.Commands;

namespace Watchdog.Lab.Tests.Failover;

/// <summary>
/// Genuine messages captured on the broker and published again, on the virtual rack with real
/// agents and a real mosquitto: a signed command replayed at once, after its lifetime, after a
/// restart of the board or of the agent, and a board-sealed grant replayed after an agent
/// restart. Each is refused with an event naming why, and moves no role, no epoch and no server.
/// The broker is open to anyone here, so nothing but the receivers' own checks refuses a replay.
/// </summary>
[Collection("rack")]
public sealed class ReplayedMessageTests(ITestOutputHelper output)
{
    [RackFact]
    public async Task A_command_replayed_at_once_is_refused_as_replayed()
    {
        await using var cluster = await RackClusterFixture.StartSettledAsync(output, secureBroker: false);
        await using var bus = await Forge.ConnectAsync(cluster, output);
        var (command, payload) = await MaintenanceOnWeb2Async(cluster, bus, ttlSeconds: 30);

        var before = await bus.BaselineAsync(web2Ready: false);
        await ReplayAsync(cluster, bus, before, command, payload, CommandVerdict.Replayed, "was already accepted", "was already accepted");
    }

    [RackFact]
    public async Task A_command_replayed_after_its_lifetime_is_refused_as_expired()
    {
        await using var cluster = await RackClusterFixture.StartSettledAsync(output, secureBroker: false);
        await using var bus = await Forge.ConnectAsync(cluster, output);
        var (command, payload) = await MaintenanceOnWeb2Async(cluster, bus, ttlSeconds: 1);

        var before = await bus.BaselineAsync(web2Ready: false);
        // The one wait on the wall clock: a lifetime runs out on it (1 s at most from the issue).
        // Task.Delay runs on the monotonic clock, which an NTP slew moves apart from the wall clock
        // the agent and the board judge expiry by: a delay that ended a few ms "early" let the agent
        // see the command still alive (and refuse it as a replay). So wait until the wall clock says
        // so, with a margin for the reading in the other processes.
        while (Forge.Now() <= command.ExpiresAt + 50)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(Math.Max(1, command.ExpiresAt + 51 - Forge.Now())));
        }

        await ReplayAsync(cluster, bus, before, command, payload, CommandVerdict.Expired, "expired", "expired");
    }

    [RackFact]
    public async Task A_command_replayed_after_a_board_restart_is_refused_as_replayed()
    {
        await using var cluster = await RackClusterFixture.StartSettledAsync(output, secureBroker: false);
        await using var bus = await Forge.ConnectAsync(cluster, output);
        var (command, payload) = await MaintenanceOnWeb2Async(cluster, bus, ttlSeconds: 60);
        long epoch = bus.Roles().Last().Epoch;

        // The board forgets the ids it accepted: only the start time it refuses older commands by remains.
        long restartMs = Forge.Now();
        cluster.KillBoard();
        cluster.StartBoard();
        Assert.True(
            await cluster.Observer.WaitForAsync(o => bus.Roles(restartMs).Count > 0 && o.LatestBoard(ClusterConfigs.BoardName) is { Settled: true } s && s.Timestamp > restartMs,
                Forge.Generous, CancellationToken.None),
            "the restarted board did not settle and publish its roles: " + bus.Describe(restartMs));
        var restored = bus.Roles(restartMs)[0];
        Assert.True(restored.Epoch == epoch && restored.Active.SequenceEqual(["web1"]), $"the board restarted with web@{restored.Epoch} [{string.Join(",", restored.Active)}], not web@{epoch} [web1]");
        // The board judges web2 afresh (maintenance is not kept across its restart): wait until it has.
        Assert.True(
            await cluster.Observer.WaitForAsync(o => o.LatestReading("web2") is { State: ChannelState.Healthy or ChannelState.Maintenance } r && r.Timestamp > restartMs, Forge.Generous, CancellationToken.None),
            "the restarted board has not judged web2: " + bus.Describe(restartMs));

        var before = await bus.BaselineAsync(web2Ready: cluster.Observer.LatestReading("web2")!.State == ChannelState.Healthy);
        await ReplayAsync(cluster, bus, before, command, payload, CommandVerdict.Replayed, "issued before the replay memory began", "was already accepted");
    }

    [RackFact]
    public async Task A_maintenance_command_replayed_to_a_restarted_agent_is_refused_as_replayed()
    {
        await using var cluster = await RackClusterFixture.StartSettledAsync(output, secureBroker: false);
        await using var bus = await Forge.ConnectAsync(cluster, output);
        var (command, payload) = await MaintenanceOnWeb2Async(cluster, bus, ttlSeconds: 120);
        await SendAsync(cluster, bus, CommandAction.MaintenanceOff, ttlSeconds: 30);

        // web2's agent dies; the board resets web2, and the agent starts again at its boot.
        long killMs = Forge.Now();
        cluster.Server("web2").KillProcess("agent");
        Assert.True(
            await cluster.Observer.WaitForAsync(o => o.Events(killMs).Any(e => e.Source == "web2" && e.Kind == "agent-started"), TimeSpan.FromSeconds(60), CancellationToken.None),
            "web2's agent did not start again: " + bus.Describe(killMs));
        Assert.True(await FailoverRun.WaitForStandbyAsync(cluster, "web2", TimeSpan.FromSeconds(60), CancellationToken.None), "web2 is not back as a ready standby: " + bus.Describe(killMs));

        var before = await bus.BaselineAsync();
        await ReplayAsync(cluster, bus, before, command, payload, CommandVerdict.Replayed, "was already accepted", "issued before the replay memory began");
    }

    [RackFact]
    public async Task An_old_sealed_grant_of_active_replayed_to_a_restarted_standby_is_refused_as_stale()
    {
        await using var cluster = await RackClusterFixture.StartSettledAsync(output, secureBroker: false);
        await using var bus = await Forge.ConnectAsync(cluster, output);

        // Capture web2's genuine grant of active, then move the epoch past it: switch over and back.
        await SwitchOverAsync(cluster, "web2");
        var captured = bus.Grants("web2").Last(g => g.Grant.Role == NodeRole.Active);
        await SwitchOverAsync(cluster, "web1");
        var before = await bus.BaselineAsync();
        string epochFile = Path.Combine(cluster.Rack.Directory, "web2.epoch");
        output.WriteLine($"captured web2's grant of active at epoch {captured.Grant.Epoch}; now web@{before.Epoch}, web2's epoch memory says {RememberedEpoch(epochFile)}");
        Assert.True(before.Epoch > captured.Grant.Epoch, $"the epoch did not move past the captured grant's {captured.Grant.Epoch}: {before.Epoch}");
        Assert.Equal(before.Epoch, RememberedEpoch(epochFile));

        // web2's agent dies (the board resets web2 and the agent starts again at its boot); while it
        // is down the old grant replaces the retained one, so it is the first the new agent hears.
        cluster.Server("web2").KillProcess("agent");
        await bus.PublishAsync(bus.Topics.NodeGrant("web2"), captured.Payload, retain: true);

        var refusal = await bus.RefusalAsync(before, "web2", "grant-stale",
            [$"ignored grant of active with epoch {captured.Grant.Epoch} below the highest seen {before.Epoch}"], Severity.Warning);
        // The restart is over when the board judges web2 healthy again and lists it ready to take over.
        Assert.True(
            await cluster.Observer.WaitForAsync(o => o.LatestReading("web2") is { State: ChannelState.Healthy } r && r.Timestamp > refusal.Event.Timestamp &&
                bus.Roles().Last().Ready.Contains("web2"), TimeSpan.FromSeconds(60), CancellationToken.None),
            "web2 is not back as a ready standby: " + bus.Describe(before.WallMs));
        await bus.AssertNothingMovedAsync(before, refusal, restarted: "web2");
        Assert.Equal(before.Epoch, RememberedEpoch(epochFile));
    }

    // An operator's maintenance-on for web2, accepted by the board and by web2's agent; the
    // baseline that follows waits until the board shows web2 in maintenance.
    private async Task<(SignedCommand Command, byte[] Payload)> MaintenanceOnWeb2Async(RackCluster cluster, Forge bus, int ttlSeconds)
    {
        var sent = await SendAsync(cluster, bus, CommandAction.MaintenanceOn, ttlSeconds);
        Assert.True(
            await cluster.Observer.WaitForAsync(o => o.LatestReading("web2") is { State: ChannelState.Maintenance }, Forge.Generous, CancellationToken.None),
            "the board does not show web2 in maintenance: " + bus.Describe(0));
        return sent;
    }

    // Signs and sends a command for web2 as watchdogctl does, and asserts that both the board and the agent accepted it.
    private async Task<(SignedCommand Command, byte[] Payload)> SendAsync(RackCluster cluster, Forge bus, CommandAction action, int ttlSeconds)
    {
        Assert.True(await cluster.WaitForBoardSettledAsync(0, Forge.Generous, CancellationToken.None), "the board has not settled: " + bus.Describe(0));
        var command = SignedCommands.Build(action, "web2", null, bus.Roles().Last().Epoch, Forge.Now(), ttlSeconds, cluster.Key);
        var payload = MessageCodec.Encode(command);
        long sentMs = Forge.Now();
        await bus.PublishAsync(bus.Topics.Command("web2"), payload, retain: false);
        var (board, agent) = await AnswersAsync(cluster, bus, command.Id, sentMs);
        output.WriteLine($"{WireWords.Of(action)} web2 (id {command.Id}, ttl {ttlSeconds} s): board {WireWords.Of(board.Verdict)} '{board.Detail}', agent {WireWords.Of(agent.Verdict)} '{agent.Detail}'");
        Assert.True(board.Verdict == CommandVerdict.Accepted && agent.Verdict == CommandVerdict.Accepted, "the command was not accepted by both");
        return (command, payload);
    }

    // Publishes the captured command again and asserts that the board and the agent refuse it, with events, and nothing moves.
    private async Task ReplayAsync(RackCluster cluster, Forge bus, Baseline before, SignedCommand command, byte[] payload, CommandVerdict verdict, string boardWhy, string agentWhy)
    {
        await bus.PublishAsync(bus.Topics.Command("web2"), payload, retain: false);
        var (board, agent) = await AnswersAsync(cluster, bus, command.Id, before.WallMs);
        output.WriteLine($"replayed {WireWords.Of(command.Action)} (id {command.Id}): board {WireWords.Of(board.Verdict)} '{board.Detail}', agent {WireWords.Of(agent.Verdict)} '{agent.Detail}'");
        Assert.True(board.Verdict == verdict && board.Detail.Contains(boardWhy, StringComparison.Ordinal), $"the board answered {WireWords.Of(board.Verdict)} '{board.Detail}', not {WireWords.Of(verdict)} '{boardWhy}'");
        Assert.True(agent.Verdict == verdict && agent.Detail.Contains(agentWhy, StringComparison.Ordinal), $"web2's agent answered {WireWords.Of(agent.Verdict)} '{agent.Detail}', not {WireWords.Of(verdict)} '{agentWhy}'");

        string word = ": " + WireWords.Of(verdict) + ": ";
        await bus.RefusalAsync(before, ClusterConfigs.BoardName, "command-refused", [$"(id {command.Id})" + word, boardWhy], Severity.Alert, node: "web2");
        var refusal = await bus.RefusalAsync(before, "web2", "command-refused", [$"id {command.Id}" + word, agentWhy], Severity.Warning);
        await bus.AssertNothingMovedAsync(before, refusal);
    }

    // The answers to command id since sinceMs: the board's (sealed with its key) and the agent's (unsealed).
    private static async Task<(CommandAck Board, CommandAck Agent)> AnswersAsync(RackCluster cluster, Forge bus, string id, long sinceMs)
    {
        string topic = bus.Topics.CommandAck("web2");
        CommandAck? board = null, agent = null;
        await cluster.Observer.WaitForAsync(o =>
        {
            foreach (var (_, payload) in bus.Received(topic, sinceMs))
            {
                if (MessageCodec.TryDecode(payload, out CommandAck? a, out _) && a!.Id == id)
                {
                    if (bus.Genuine(topic, payload))
                    {
                        board ??= a;
                    }
                    else
                    {
                        agent ??= a;
                    }
                }
            }

            return board is not null && agent is not null;
        }, Forge.Generous, CancellationToken.None);
        Assert.True(board is not null && agent is not null, $"answers to command {id}: board {(board is null ? "none" : WireWords.Of(board.Verdict))}, agent {(agent is null ? "none" : WireWords.Of(agent.Verdict))}: " + bus.Describe(sinceMs));
        return (board!, agent!);
    }

    // A planned switchover to a ready standby, settled with the probe answered by it.
    private async Task SwitchOverAsync(RackCluster cluster, string to)
    {
        Assert.True(await FailoverRun.WaitForStandbyAsync(cluster, to, TimeSpan.FromSeconds(60), CancellationToken.None), $"{to} is not a ready standby: " + FailoverRun.Describe(cluster, to));
        var ack = await FailoverRun.SendCommandAsync(cluster, CommandAction.Switchover, "web", to, CancellationToken.None);
        output.WriteLine($"switchover to {to}: {(ack is null ? "no answer" : WireWords.Of(ack.Verdict) + " " + ack.Detail)}");
        Assert.Equal(CommandVerdict.Accepted, ack?.Verdict);
        Assert.True(await cluster.WaitUntilSettledAsync(to, TimeSpan.FromSeconds(30), CancellationToken.None), $"{to} did not settle as active: " + FailoverRun.Describe(cluster, to));
    }

    // What the agent's Board:EpochFile holds, read the way the agent reads it at start.
    private static long RememberedEpoch(string epochFile) => new Watchdog.Agent.Roles.EpochMemory(epochFile).Load();
}
