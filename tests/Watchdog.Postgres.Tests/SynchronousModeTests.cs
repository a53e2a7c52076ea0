using Npgsql;
using Watchdog.Postgres.Tests.Support;

namespace Watchdog.Postgres.Tests;

public sealed class SynchronousModeTests
{
    [RootFact(PgTestCluster.RootOnlyReason)]
    public async Task A_commit_waits_while_the_sync_standby_is_down_and_returns_once_it_is_back()
    {
        await using var cluster = new PgTestCluster();
        PostgresServer primary = await cluster.StartPrimaryAsync("primary", ReplicationMode.Synchronous, "standby1");
        PostgresServer standby = await cluster.StartStandbyAsync(primary, "standby1");
        await Replication.WaitStreamingAsync(primary, "standby1", asSync: true);
        await Replication.ExecuteAsync(primary, "CREATE TABLE t (n int)");

        await standby.StopAsync();
        Task<int> commit = InsertWithoutTimeoutAsync(primary, 1);

        // Proof it waits for the standby, not for anything else: its backend sits in SyncRep.
        await Replication.UntilAsync("the INSERT's backend waiting in SyncRep", async () =>
            await primary.QueryAsync<long>("SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'SyncRep' AND query LIKE 'INSERT INTO t%'") == 1);
        Assert.False(commit.IsCompleted, "the commit returned with its synchronous standby down");

        await standby.StartAsync();
        Assert.Equal(1, await commit.WaitAsync(Replication.Patience));
        Assert.Equal(1L, await standby.QueryAsync<long>("SELECT count(*) FROM t WHERE n = 1"));
    }

    [RootFact(PgTestCluster.RootOnlyReason)]
    public async Task Switching_to_asynchronous_releases_a_waiting_commit_and_later_ones_do_not_wait()
    {
        await using var cluster = new PgTestCluster();
        PostgresServer primary = await cluster.StartPrimaryAsync("primary", ReplicationMode.Synchronous, "standby1");
        PostgresServer standby = await cluster.StartStandbyAsync(primary, "standby1");
        await Replication.ExecuteAsync(primary, "CREATE TABLE t (n int)");
        await standby.StopAsync();
        Task<int> waiting = InsertWithoutTimeoutAsync(primary, 1);
        await Replication.UntilAsync("the INSERT waiting in SyncRep", async () =>
            await primary.QueryAsync<long>("SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'SyncRep'") == 1);

        await primary.SetReplicationModeAsync(ReplicationMode.Asynchronous, []);

        Assert.Equal(1, await waiting.WaitAsync(Replication.Patience));
        Assert.Equal(1, await InsertWithoutTimeoutAsync(primary, 2).WaitAsync(Replication.Patience));
        Assert.Equal("", await primary.QueryAsync<string>("SHOW synchronous_standby_names"));
    }

    [RootFact(PgTestCluster.RootOnlyReason)]
    public async Task Switching_to_synchronous_makes_the_standby_sync()
    {
        await using var cluster = new PgTestCluster();
        PostgresServer primary = await cluster.StartPrimaryAsync("primary", ReplicationMode.Asynchronous);
        await cluster.StartStandbyAsync(primary, "standby1");

        await primary.SetReplicationModeAsync(ReplicationMode.Synchronous, ["standby1"]);

        Assert.Equal("FIRST 1 (\"standby1\")", await primary.QueryAsync<string>("SHOW synchronous_standby_names"));
        await Replication.WaitStreamingAsync(primary, "standby1", asSync: true);
    }

    /// <summary>An INSERT on its own connection with no command timeout: it returns only when the commit does.</summary>
    private static async Task<int> InsertWithoutTimeoutAsync(PostgresServer server, int n)
    {
        var builder = new NpgsqlConnectionStringBuilder(server.ConnectionString()) { CommandTimeout = 0 };
        await using var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"INSERT INTO t VALUES ({n})", connection);
        return await command.ExecuteNonQueryAsync();
    }
}
