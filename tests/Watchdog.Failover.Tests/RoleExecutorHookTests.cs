using Watchdog.Failover.Tests.Support;
using Watchdog.Protocol.Messages;
using Watchdog.Protocol.Wire;

namespace Watchdog.Failover.Tests;

/// <summary>Grants carried out with real hook processes (no virtual IP; see VirtualIpTests).</summary>
public sealed class RoleExecutorHookTests : IDisposable
{
    private readonly ScriptDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private static Grant Grant(NodeRole role, long epoch, string reason = "test") =>
        new() { Group = "db", Node = "node-a", Role = role, Epoch = epoch, Reason = reason, Timestamp = 1 };

    private static RoleExecutor Executor(FailoverOptions options) => RoleExecutor.ForThisHost(options);

    /// <summary>An executor for this host that runs these hooks, in this order, and nothing else.</summary>
    private static RoleExecutor Executor(HookOptions[] promote, HookOptions[] demote)
    {
        var options = new FailoverOptions();
        options.Hooks.Promote.AddRange(promote);
        options.Hooks.Demote.AddRange(demote);
        return Executor(options);
    }

    [Fact]
    public async Task Promote_runs_the_hooks_in_order_with_the_documented_environment()
    {
        using RoleExecutor executor = Executor(
            promote: [_dir.Recording("first"), _dir.Recording("second"), _dir.Recording("third")],
            demote: [_dir.Recording("down")]);

        RoleChangeResult standby = await executor.ApplyAsync(Grant(NodeRole.Standby, 6), CancellationToken.None);
        Assert.True(standby.Ok, standby.Detail);
        Assert.Equal(new[] { "down" }, _dir.Runs()); // the first grant after start: the demote steps

        RoleChangeResult r = await executor.ApplyAsync(Grant(NodeRole.Active, 7, "failover: node-b power lost"), CancellationToken.None);

        Assert.True(r.Ok, r.Detail);
        Assert.Equal(RoleChangeOutcome.Applied, r.Outcome);
        Assert.Equal(NodeRole.Active, r.Role);
        Assert.Equal(7, r.Epoch);
        Assert.Equal(NodeRole.Active, executor.CurrentRole);
        Assert.Equal(7, executor.CurrentEpoch);
        Assert.Equal(new[] { "down", "first", "second", "third" }, _dir.Runs());
        Assert.Equal(new[] { "promote hook 0 (first)", "promote hook 1 (second)", "promote hook 2 (third)" }, r.Steps.Select(s => s.Step));
        for (int run = 1; run < 4; run++)
        {
            _dir.AssertRunSaw(
                run,
                "WATCHDOG_ACTION=promote",
                "WATCHDOG_ROLE=active",
                "WATCHDOG_PREVIOUS_ROLE=standby",
                "WATCHDOG_GROUP=db",
                "WATCHDOG_NODE=node-a",
                "WATCHDOG_EPOCH=7",
                "WATCHDOG_REASON=failover: node-b power lost");
        }
    }

    [Fact]
    public async Task Demote_runs_every_hook_even_after_a_failure_and_reports_it()
    {
        using RoleExecutor executor = Executor(
            promote: [],
            demote: [_dir.Recording("stop-writes", exitCode: 4), _dir.Recording("stop-service")]);
        Assert.True((await executor.ApplyAsync(Grant(NodeRole.Active, 3), CancellationToken.None)).Ok);

        RoleChangeResult r = await executor.ApplyAsync(Grant(NodeRole.Standby, 4, "switchover"), CancellationToken.None);

        Assert.False(r.Ok);
        Assert.Equal(RoleChangeOutcome.DemotedWithErrors, r.Outcome);
        Assert.Equal(NodeRole.Standby, r.Role);
        Assert.Equal(NodeRole.Standby, executor.CurrentRole);
        Assert.Equal(new[] { "stop-writes", "stop-service" }, _dir.Runs());
        Assert.Contains("demote hook 0 (stop-writes): exit 4", r.Detail, StringComparison.Ordinal);
        _dir.AssertRunSaw(1, "WATCHDOG_ACTION=demote", "WATCHDOG_ROLE=standby", "WATCHDOG_PREVIOUS_ROLE=active", "WATCHDOG_EPOCH=4");
    }

    [Fact]
    public async Task A_failed_promote_stops_the_list_rolls_back_and_is_reported()
    {
        using RoleExecutor executor = Executor(
            promote: [_dir.Recording("mount"), _dir.Recording("start-db", exitCode: 3), _dir.Recording("never")],
            demote: [_dir.Recording("stop-db"), _dir.Recording("umount")]);
        await executor.ApplyAsync(Grant(NodeRole.Standby, 1), CancellationToken.None);

        RoleChangeResult r = await executor.ApplyAsync(Grant(NodeRole.Active, 2), CancellationToken.None);

        Assert.False(r.Ok);
        Assert.Equal(RoleChangeOutcome.PromoteRolledBack, r.Outcome);
        Assert.Equal(NodeRole.Standby, r.Role);
        Assert.Equal(NodeRole.Standby, executor.CurrentRole);
        // The first two ran at the first grant after start (the demote steps), then the promote and its rollback.
        Assert.Equal(new[] { "stop-db", "umount", "mount", "start-db", "stop-db", "umount" }, _dir.Runs());
        Assert.StartsWith("promote failed at promote hook 1 (start-db): exit 3; rolled back", r.Detail, StringComparison.Ordinal);
        _dir.AssertRunSaw(4, "WATCHDOG_ACTION=rollback", "WATCHDOG_ROLE=standby", "WATCHDOG_EPOCH=2");
        Assert.Contains("start-db", _dir.EnvOfRun(4)["WATCHDOG_REASON"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_hook_that_times_out_fails_the_promote_and_its_process_group_is_killed()
    {
        string pidFile = Path.Combine(_dir.Path, "hung.pid");
        var options = new FailoverOptions();
        options.Hooks.KillGraceMs = 200;
        options.Hooks.Promote.Add(new HookOptions
        {
            Name = "hung",
            Path = _dir.Script("hung.sh", "trap '' TERM\necho $$ > '" + pidFile + "'\necho starting\nsleep 60"),
            TimeoutMs = 400,
        });
        options.Hooks.Demote.Add(_dir.Recording("undo"));
        using RoleExecutor executor = Executor(options);

        RoleChangeResult r = await executor.ApplyAsync(Grant(NodeRole.Active, 9), CancellationToken.None);

        Assert.False(r.Ok);
        Assert.Equal(RoleChangeOutcome.PromoteRolledBack, r.Outcome);
        Assert.Equal(NodeRole.None, r.Role); // it was none before; a failed promote does not invent a role
        Assert.Contains("promote hook 0 (hung): timed out after 400 ms, killed with SIGKILL", r.Detail, StringComparison.Ordinal);
        Assert.Equal("stdout: starting", r.Steps[0].Output);
        Assert.Equal(new[] { "undo" }, _dir.Runs());
        Assert.True(r.Took < TimeSpan.FromSeconds(5), $"took {r.Took}");
        int pid = int.Parse(File.ReadAllText(pidFile).Trim());
        Assert.False(Directory.Exists("/proc/" + pid) && !File.ReadAllText("/proc/" + pid + "/stat").Contains(") Z ", StringComparison.Ordinal), "hung hook still alive");
    }

    [Fact]
    public async Task A_grant_with_an_older_epoch_is_refused_without_side_effects()
    {
        using RoleExecutor executor = Executor(promote: [_dir.Recording("up")], demote: [_dir.Recording("down")]);
        Assert.True((await executor.ApplyAsync(Grant(NodeRole.Active, 12), CancellationToken.None)).Ok);

        RoleChangeResult r = await executor.ApplyAsync(Grant(NodeRole.Standby, 11), CancellationToken.None);

        Assert.False(r.Ok);
        Assert.Equal(RoleChangeOutcome.RefusedStale, r.Outcome);
        Assert.Equal("stale epoch 11 < 12 already applied; refused", r.Detail);
        Assert.Equal(NodeRole.Active, r.Role);
        Assert.Equal(12, r.Epoch);
        Assert.Empty(r.Steps);
        Assert.Equal(new[] { "up" }, _dir.Runs());
        Assert.Equal(NodeRole.Active, executor.CurrentRole);
        Assert.Equal(12, executor.CurrentEpoch);
    }

    [Fact]
    public async Task A_failed_promote_still_raises_the_epoch_so_an_older_grant_stays_refused()
    {
        using RoleExecutor executor = Executor(promote: [_dir.Recording("broken", exitCode: 1)], demote: []);
        Assert.False((await executor.ApplyAsync(Grant(NodeRole.Active, 20), CancellationToken.None)).Ok);

        RoleChangeResult late = await executor.ApplyAsync(Grant(NodeRole.Active, 19), CancellationToken.None);

        Assert.Equal(RoleChangeOutcome.RefusedStale, late.Outcome);
        Assert.Single(_dir.Runs());
    }

    [Fact]
    public async Task Repeating_the_current_role_and_epoch_runs_nothing()
    {
        using RoleExecutor executor = Executor(promote: [_dir.Recording("up")], demote: []);
        Assert.True((await executor.ApplyAsync(Grant(NodeRole.Active, 5), CancellationToken.None)).Ok);

        RoleChangeResult again = await executor.ApplyAsync(Grant(NodeRole.Active, 5), CancellationToken.None);

        Assert.True(again.Ok);
        Assert.Equal(RoleChangeOutcome.Unchanged, again.Outcome);
        Assert.Equal("already active at epoch 5; nothing run", again.Detail);
        Assert.Empty(again.Steps);
        Assert.Equal(new[] { "up" }, _dir.Runs());
    }

    [Fact]
    public async Task Active_at_a_higher_epoch_reruns_the_promote_hooks_with_the_new_fencing_token()
    {
        using RoleExecutor executor = Executor(promote: [_dir.Recording("up")], demote: []);
        await executor.ApplyAsync(Grant(NodeRole.Active, 5), CancellationToken.None);

        RoleChangeResult r = await executor.ApplyAsync(Grant(NodeRole.Active, 6, "board restarted"), CancellationToken.None);

        Assert.True(r.Ok, r.Detail);
        Assert.Equal(new[] { "up", "up" }, _dir.Runs());
        _dir.AssertRunSaw(1, "WATCHDOG_PREVIOUS_ROLE=active", "WATCHDOG_EPOCH=6");
    }

    [Fact]
    public async Task Concurrent_grants_run_one_at_a_time_in_arrival_order()
    {
        // Each hook writes "begin E", sleeps, writes "end E". Any overlap would interleave them.
        string body = "echo \"begin $WATCHDOG_ACTION $WATCHDOG_EPOCH\" >> \"$LOG\"; sleep 0.15; echo \"end $WATCHDOG_ACTION $WATCHDOG_EPOCH\" >> \"$LOG\"";
        using RoleExecutor executor = Executor(
            promote: [new HookOptions { Path = _dir.Script("up.sh", body) }],
            demote: [new HookOptions { Path = _dir.Script("down.sh", body) }]);

        var tasks = new List<Task<RoleChangeResult>>();
        for (int epoch = 1; epoch <= 6; epoch++)
        {
            tasks.Add(executor.ApplyAsync(Grant(epoch % 2 == 1 ? NodeRole.Active : NodeRole.Standby, epoch), CancellationToken.None));
        }

        RoleChangeResult[] results = await Task.WhenAll(tasks);

        Assert.All(results, r => Assert.True(r.Ok, r.Detail));
        string[] expected = Enumerable.Range(1, 6)
            .SelectMany(e => new[] { (e % 2 == 1 ? "promote " : "demote ") + e })
            .SelectMany(x => new[] { "begin " + x, "end " + x })
            .ToArray();
        Assert.Equal(expected, _dir.LogLines());
        Assert.Equal(NodeRole.Standby, executor.CurrentRole);
        Assert.Equal(6, executor.CurrentEpoch);
    }

    [Fact]
    public async Task A_grant_cancelled_while_queued_throws_and_does_not_block_the_next()
    {
        using RoleExecutor executor = Executor(
            promote: [new HookOptions { Path = _dir.Script("slow.sh", "sleep 0.5; echo \"run slow\" >> \"$LOG\"") }],
            demote: [_dir.Recording("down")]);

        Task<RoleChangeResult> first = executor.ApplyAsync(Grant(NodeRole.Active, 1), CancellationToken.None);
        using var cts = new CancellationTokenSource();
        Task<RoleChangeResult> cancelled = executor.ApplyAsync(Grant(NodeRole.Standby, 2), cts.Token);
        Task<RoleChangeResult> third = executor.ApplyAsync(Grant(NodeRole.Standby, 3), CancellationToken.None);
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        Assert.True((await first).Ok);
        RoleChangeResult r3 = await third;
        Assert.True(r3.Ok, r3.Detail);
        Assert.Equal(new[] { "slow", "down" }, _dir.Runs());
        Assert.Equal(3, executor.CurrentEpoch);
    }

    [Fact]
    public async Task Cancelling_during_a_promote_kills_the_hook_and_rolls_back()
    {
        using RoleExecutor executor = Executor(
            promote: [new HookOptions { Name = "slow-start", Path = _dir.Script("slow-start.sh", "exec sleep 30"), TimeoutMs = 60_000 }],
            demote: [_dir.Recording("stop")]);
        await executor.ApplyAsync(Grant(NodeRole.Standby, 1), CancellationToken.None);
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));

        RoleChangeResult r = await executor.ApplyAsync(Grant(NodeRole.Active, 2), cts.Token);

        Assert.False(r.Ok);
        Assert.Equal(RoleChangeOutcome.PromoteRolledBack, r.Outcome);
        Assert.Contains("promote hook 0 (slow-start): cancelled, terminated with SIGTERM", r.Detail, StringComparison.Ordinal);
        Assert.Equal(new[] { "stop", "stop" }, _dir.Runs()); // the first grant's demote steps, then the rollback, although the token had fired
        Assert.Equal(NodeRole.Standby, executor.CurrentRole);
        Assert.True(r.Took < TimeSpan.FromSeconds(5), $"took {r.Took}");
    }

    [Fact]
    public async Task Active_to_none_demotes_and_the_hooks_see_role_none()
    {
        using RoleExecutor executor = Executor(promote: [], demote: [_dir.Recording("down")]);
        await executor.ApplyAsync(Grant(NodeRole.Active, 1), CancellationToken.None);

        RoleChangeResult r = await executor.ApplyAsync(Grant(NodeRole.None, 2, "maintenance"), CancellationToken.None);

        Assert.True(r.Ok, r.Detail);
        Assert.Equal(NodeRole.None, r.Role);
        _dir.AssertRunSaw(0, "WATCHDOG_ROLE=none", "WATCHDOG_REASON=maintenance");
    }

    [Fact]
    public void Invalid_options_are_refused_at_construction_with_every_problem_named()
    {
        var options = new FailoverOptions();
        options.Hooks.Promote.Add(new HookOptions { Path = "relative.sh", TimeoutMs = 50 });
        options.Vip.Address = "10.0.0.300";
        var ex = Assert.Throws<ArgumentException>(() => Executor(options));
        Assert.Contains("Failover:Hooks:Promote:0:Path = 'relative.sh': must be an absolute path", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Failover:Hooks:Promote:0:TimeoutMs = 50: must be 100..600000 ms", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Failover:Vip:Address = '10.0.0.300': is not an IPv4 address", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_first_non_active_grant_after_start_runs_the_demote_hooks_and_later_ones_do_not()
    {
        using RoleExecutor executor = Executor(promote: [_dir.Recording("start-db")], demote: [_dir.Recording("stop-db")]);

        RoleChangeResult first = await executor.ApplyAsync(Grant(NodeRole.Standby, 3, "initial roles"), CancellationToken.None);
        RoleChangeResult none = await executor.ApplyAsync(Grant(NodeRole.None, 4), CancellationToken.None);
        RoleChangeResult again = await executor.ApplyAsync(Grant(NodeRole.Standby, 5), CancellationToken.None);

        Assert.True(first.Ok, first.Detail);
        Assert.StartsWith("the first grant after start, so the demote steps ran: demoted to standby at epoch 3", first.Detail, StringComparison.Ordinal);
        Assert.Equal(new[] { "demote hook 0 (stop-db)" }, first.Steps.Select(s => s.Step));
        _dir.AssertRunSaw(0, "WATCHDOG_ACTION=demote", "WATCHDOG_ROLE=standby", "WATCHDOG_PREVIOUS_ROLE=none", "WATCHDOG_EPOCH=3");
        Assert.StartsWith("first grant after start: initial roles", _dir.EnvOfRun(0)["WATCHDOG_REASON"], StringComparison.Ordinal);
        Assert.True(none.Ok && again.Ok);
        Assert.Equal(new[] { "stop-db" }, _dir.Runs());
        Assert.Equal(NodeRole.Standby, executor.CurrentRole);
    }

    [Fact]
    public async Task A_first_grant_of_active_runs_only_the_promote_hooks()
    {
        using RoleExecutor executor = Executor(promote: [_dir.Recording("start-db")], demote: [_dir.Recording("stop-db")]);

        RoleChangeResult r = await executor.ApplyAsync(Grant(NodeRole.Active, 1), CancellationToken.None);

        Assert.True(r.Ok, r.Detail);
        Assert.Equal(new[] { "start-db" }, _dir.Runs());
    }
}
