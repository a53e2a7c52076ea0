using Npgsql;
using Watchdog.Platform.Processes;
using Watchdog.Postgres.Tests.Support;
using Xunit.Abstractions;

namespace Watchdog.Postgres.Tests;

/// <summary>The shell recipe (host/Watchdog.Postgres/recipe) run for real, as the agent runs hooks: as root, with a clean environment.</summary>
public sealed class RecipeTests(ITestOutputHelper output)
{
    [RootFact(PgTestCluster.RootOnlyReason)]
    public async Task Demote_promote_and_rejoin_hand_the_primary_over_and_promote_raises_the_fence()
    {
        await using var cluster = new PgTestCluster();
        PostgresServer node1 = await cluster.StartPrimaryAsync("node1", ReplicationMode.Synchronous, "node1", "node2");
        PostgresServer node2 = await cluster.StartStandbyAsync(node1, "node2");
        // Segments under the data directory: a killed instance would leave them in /dev/shm.
        Assert.Equal("mmap", await node2.QueryAsync<string>("SHOW dynamic_shared_memory_type"));
        await Replication.WaitStreamingAsync(node1, "node2", asSync: true);
        await InstallFencedOrdersAsync(node1, epoch: 6);

        await Replication.WaitReplayedAsync(node1, node2);

        // The board moves the group to node2 at epoch 7: node1's agent demotes, node2's promotes.
        await RunOkAsync("demote.sh", Hook(node1, epoch: 7));
        Assert.False(node1.IsRunning);
        await RunOkAsync("promote.sh", Hook(node2, epoch: 7));
        Assert.False(await node2.IsInRecoveryAsync());
        Assert.Equal(7L, await node2.QueryAsync<long>("SELECT epoch FROM watchdog.fence"));
        var stale = await Assert.ThrowsAsync<PostgresException>(() => WriteAsync(node2, epoch: 6, id: 1));
        Assert.Equal(EpochFence.StaleEpochSqlState, stale.SqlState);

        // A promote hook with an epoch older than the database knows is a stale grant: refused.
        ProcessOutcome older = await RunAsync("promote.sh", Hook(node2, epoch: 5));
        Assert.False(older.Succeeded);
        Assert.Contains("fence is at epoch 7, above this grant's epoch 5", older.Stderr, StringComparison.Ordinal);

        ProcessOutcome rejoined = await RunOkAsync("rejoin.sh", Rejoin(node1, node2, epoch: 7));
        Assert.Contains("rewound", rejoined.Stderr, StringComparison.Ordinal);

        // node1 is node2's synchronous standby now, so the write below commits only with it.
        Assert.True(await node1.IsInRecoveryAsync());
        await Replication.WaitStreamingAsync(node2, "node1", asSync: true);
        await WriteAsync(node2, epoch: 7, id: 2);
        await Replication.WaitReplayedAsync(node2, node1);
        Assert.Equal(2, await node1.QueryAsync<int>("SELECT id FROM orders"));
        Assert.Equal(7L, await node1.QueryAsync<long>("SELECT epoch FROM watchdog.fence"));
    }

    /// <summary>
    /// Two standbys of one primary, promoted one after the other, the second never having streamed
    /// from the first: both make timeline 2 (no WAL archive tells them of each other). pg_rewind
    /// goes by the number and keeps the first one's own write; the rejoin must clone instead.
    /// </summary>
    [RootFact(PgTestCluster.RootOnlyReason)]
    public async Task A_former_primary_whose_timeline_number_another_promotion_reused_is_cloned()
    {
        await using var cluster = new PgTestCluster();
        PostgresServer origin = await cluster.StartPrimaryAsync("origin", ReplicationMode.Asynchronous, []);
        PostgresServer first = await cluster.StartStandbyAsync(origin, "first");
        PostgresServer second = await cluster.StartStandbyAsync(origin, "second");
        await InstallFencedOrdersAsync(origin, epoch: 1);

        await Replication.WaitReplayedAsync(origin, first);
        await Replication.WaitReplayedAsync(origin, second);
        await origin.StopAsync();

        // The first is promoted, takes a write and dies before anyone streamed from it.
        await RunOkAsync("promote.sh", Hook(first, epoch: 2));
        await WriteAsync(first, epoch: 2, id: 1);
        first.Kill();
        // The second, promoted next, makes its own timeline 2.
        await RunOkAsync("promote.sh", Hook(second, epoch: 3));
        await WriteAsync(second, epoch: 3, id: 2);
        Assert.Equal("00000002", await second.QueryAsync<string>("SELECT substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8)"));

        ProcessOutcome rejoined = await RunOkAsync("rejoin.sh", Rejoin(first, second, epoch: 3));
        Assert.Contains("not rewinding: this node made timeline 2", rejoined.Stderr, StringComparison.Ordinal);
        Assert.Contains("cloned", rejoined.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(first.Options.DataDirectory.TrimEnd('/') + ".promoted"), "the rejoined node no longer counts as a former primary");

        // The first follows the second's history: its own row 1 is gone, new rows arrive.
        await WriteAsync(second, epoch: 3, id: 3);
        await Replication.WaitReplayedAsync(second, first);
        Assert.Equal("2,3", await first.QueryAsync<string>("SELECT string_agg(id::text, ',' ORDER BY id) FROM orders"));
    }

    [Fact]
    public async Task Promote_without_an_epoch_fails_naming_the_variable()
    {
        // A stand-in pg_ctl: the check must fire before any PostgreSQL program runs.
        using var bin = new TempDirectory("watchdog-pgbin-");
        File.SetUnixFileMode(bin.Write("pg_ctl", "#!/bin/sh\nexit 0\n"), UnixFileMode.UserRead | UnixFileMode.UserExecute);

        ProcessOutcome outcome = await RunAsync("promote.sh", new() { ["PGDATA"] = "/nonexistent/data", ["PGBIN"] = bin.Path });
        Assert.False(outcome.Succeeded);
        Assert.Contains("WATCHDOG_EPOCH='' is not an epoch", outcome.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Scripts_without_PGDATA_or_with_a_wrong_PGBIN_fail_naming_what_is_wrong()
    {
        foreach (string script in new[] { "promote.sh", "demote.sh", "rejoin.sh" })
        {
            ProcessOutcome noData = await RunAsync(script, new());
            Assert.Contains("set PGDATA", noData.Stderr, StringComparison.Ordinal);
            ProcessOutcome noBin = await RunAsync(script, new() { ["PGDATA"] = "/x", ["PGBIN"] = "/nonexistent/bin" });
            Assert.Contains("no pg_ctl in PGBIN=/nonexistent/bin", noBin.Stderr, StringComparison.Ordinal);
            Assert.False(noData.Succeeded || noBin.Succeeded);
        }
    }

    /// <summary>The environment the agent gives a hook, plus the recipe's settings for <paramref name="server"/>.</summary>
    private static Dictionary<string, string> Hook(PostgresServer server, long epoch) => new()
    {
        ["PGDATA"] = server.Options.DataDirectory,
        ["PGPORT"] = server.Options.Port.ToString(),
        ["PGHOST"] = "127.0.0.1",
        ["WATCHDOG_EPOCH"] = epoch.ToString(),
        ["WATCHDOG_NODE"] = server.Name,
    };

    /// <summary>rejoin.sh's environment: <paramref name="node"/> back as a standby of <paramref name="primary"/>, on its own port and socket.</summary>
    private static Dictionary<string, string> Rejoin(PostgresServer node, PostgresServer primary, long epoch)
    {
        var environment = Hook(node, epoch);
        environment["WATCHDOG_PG_PRIMARY_HOST"] = "127.0.0.1";
        environment["WATCHDOG_PG_PRIMARY_PORT"] = primary.Options.Port.ToString();
        environment["WATCHDOG_PG_NAME"] = node.Name;
        environment["WATCHDOG_PG_LOG"] = node.LogFile;
        environment["WATCHDOG_PG_CTL_OPTIONS"] = $"-p {node.Options.Port} -k {node.Options.SocketDirectory} -c listen_addresses=127.0.0.1";
        return environment;
    }

    /// <summary>The fence and a protected table <c>orders</c> on <paramref name="primary"/>, the fence at <paramref name="epoch"/>.</summary>
    private static async Task InstallFencedOrdersAsync(PostgresServer primary, long epoch)
    {
        await using var admin = new NpgsqlConnection(primary.ConnectionString());
        await admin.OpenAsync();
        await EpochFence.InstallAsync(admin);
        await new NpgsqlCommand("CREATE TABLE orders (id int)", admin).ExecuteNonQueryAsync();
        await EpochFence.ProtectAsync(admin, "orders");
        await EpochFence.RaiseAsync(admin, epoch);
    }

    private static async Task WriteAsync(PostgresServer server, long epoch, int id)
    {
        await using var connection = new NpgsqlConnection(server.ConnectionString());
        await connection.OpenAsync();
        await EpochFence.SetSessionEpochAsync(connection, epoch);
        await new NpgsqlCommand($"INSERT INTO orders VALUES ({id})", connection).ExecuteNonQueryAsync();
    }

    private async Task<ProcessOutcome> RunOkAsync(string script, Dictionary<string, string> environment)
    {
        ProcessOutcome outcome = await RunAsync(script, environment);
        Assert.True(outcome.Succeeded, $"{script}: {outcome.Describe(TimeSpan.FromMinutes(5))}\n{outcome.Stderr}");
        return outcome;
    }

    /// <summary>Runs a recipe script directly (its exec bit and shebang as the agent uses them) with only <paramref name="environment"/> and a PATH.</summary>
    private async Task<ProcessOutcome> RunAsync(string script, Dictionary<string, string> environment)
    {
        string[] arguments = ["-i", "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            .. environment.Select(pair => $"{pair.Key}={pair.Value}"), Repository.Path("host", "Watchdog.Postgres", "recipe", script)];
        var request = new ProcessRequest("env", arguments, new Dictionary<string, string>(), TimeSpan.FromMinutes(5), TimeSpan.FromSeconds(5), 64 * 1024);
        ProcessOutcome outcome = await new ProcessRunner(TimeProvider.System).RunAsync(request, CancellationToken.None);
        output.WriteLine($"{script}: {outcome.Describe(request.Timeout)} in {outcome.Took.TotalMilliseconds:0} ms\n{outcome.Stderr}");
        return outcome;
    }
}
