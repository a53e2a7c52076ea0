using Watchdog.Postgres.Tests.Support;

namespace Watchdog.Postgres.Tests;

public sealed class StreamingReplicationTests
{
    [RootFact(PgTestCluster.RootOnlyReason)]
    public async Task A_row_written_on_the_primary_is_read_on_the_standby()
    {
        await using var cluster = new PgTestCluster();
        PostgresServer primary = await cluster.StartPrimaryAsync("primary", ReplicationMode.Asynchronous);
        PostgresServer standby = await cluster.StartStandbyAsync(primary, "standby1");

        await Replication.ExecuteAsync(primary, "CREATE TABLE greeting (text text); INSERT INTO greeting VALUES ('streamed')");
        await Replication.WaitReplayedAsync(primary, standby);

        Assert.Equal("streamed", await standby.QueryAsync<string>("SELECT text FROM greeting"));
        Assert.False(await primary.IsInRecoveryAsync());
        Assert.True(await standby.IsInRecoveryAsync());
        Assert.Equal("async", await primary.QueryAsync<string>("SELECT sync_state FROM pg_stat_replication WHERE application_name = 'standby1'"));
    }

    [RootFact(PgTestCluster.RootOnlyReason)]
    public async Task A_standby_refuses_writes()
    {
        await using var cluster = new PgTestCluster();
        PostgresServer primary = await cluster.StartPrimaryAsync("primary", ReplicationMode.Asynchronous);
        PostgresServer standby = await cluster.StartStandbyAsync(primary, "standby1");

        var refused = await Assert.ThrowsAsync<Npgsql.PostgresException>(() => Replication.ExecuteAsync(standby, "CREATE TABLE nope (n int)"));
        Assert.Equal("25006", refused.SqlState); // read_only_sql_transaction
    }

    [RootFact(PgTestCluster.RootOnlyReason)]
    public async Task Kill_ends_every_process_of_the_server_and_it_starts_again_after_crash_recovery()
    {
        await using var cluster = new PgTestCluster();
        PostgresServer primary = await cluster.StartPrimaryAsync("primary", ReplicationMode.Asynchronous);
        await Replication.ExecuteAsync(primary, "CREATE TABLE kept (n int); INSERT INTO kept VALUES (42)");
        int postmaster = primary.PostmasterPid!.Value;
        var tree = PostmasterProcesses.Tree(postmaster);
        Assert.True(tree.Count > 3, $"expected the postmaster and its helpers, saw pids {string.Join(",", tree)}");

        primary.Kill();

        Assert.DoesNotContain(tree, PostmasterProcesses.IsAlive);
        Assert.False(primary.IsRunning);
        await primary.StartAsync();
        Assert.Equal(42, await primary.QueryAsync<int>("SELECT n FROM kept"));
    }

    [RootFact(PgTestCluster.RootOnlyReason)]
    public async Task A_frozen_server_answers_nothing_until_thawed()
    {
        await using var cluster = new PgTestCluster();
        PostgresServer primary = await cluster.StartPrimaryAsync("primary", ReplicationMode.Asynchronous);

        primary.Freeze();
        try
        {
            // The socket accepts (the kernel does that) but nobody answers the startup packet.
            await Assert.ThrowsAnyAsync<Npgsql.NpgsqlException>(() => primary.QueryAsync<int>("SELECT 1"));
        }
        finally
        {
            primary.Thaw();
        }

        Assert.Equal(1, await primary.QueryAsync<int>("SELECT 1"));
    }
}
