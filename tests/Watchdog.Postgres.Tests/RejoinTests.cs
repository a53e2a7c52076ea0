using System.Diagnostics;
using Watchdog.Postgres.Tests.Support;
using Xunit.Abstractions;

namespace Watchdog.Postgres.Tests;

/// <summary>The old primary after a failover: rewound (or cloned) and back as a standby of the new one.</summary>
public sealed class RejoinTests(ITestOutputHelper output)
{
    [RootFact(PgTestCluster.RootOnlyReason)]
    public async Task The_killed_old_primary_rewinds_drops_what_only_it_had_and_streams_new_rows()
    {
        await using var cluster = new PgTestCluster();
        (PostgresServer oldPrimary, PostgresServer newPrimary) = await DivergeAsync(cluster);

        RejoinResult rejoin = await oldPrimary.RewindFromAsync(newPrimary);
        await oldPrimary.StartAsync();

        output.WriteLine($"rejoin: {rejoin.Method} in {rejoin.Took.TotalMilliseconds:0} ms: {rejoin.Detail}");
        Assert.Equal(RejoinMethod.Rewound, rejoin.Method);
        await AssertFollowsAsync(oldPrimary, newPrimary);
    }

    [RootFact(PgTestCluster.RootOnlyReason)]
    public async Task When_rewind_cannot_the_old_primary_is_cloned_afresh_and_says_so()
    {
        await using var cluster = new PgTestCluster();
        (PostgresServer oldPrimary, PostgresServer newPrimary) = await DivergeAsync(cluster);

        // Without its control file pg_rewind cannot tell where the target's history left off.
        File.Delete(Path.Combine(oldPrimary.Options.DataDirectory, "global", "pg_control"));
        RejoinResult rejoin = await oldPrimary.RewindFromAsync(newPrimary);
        await oldPrimary.StartAsync();

        output.WriteLine($"rejoin: {rejoin.Method} in {rejoin.Took.TotalMilliseconds:0} ms: {rejoin.Detail}");
        Assert.Equal(RejoinMethod.Cloned, rejoin.Method);
        Assert.Contains("pg_rewind", rejoin.Detail, StringComparison.Ordinal);
        await AssertFollowsAsync(oldPrimary, newPrimary);
    }

    /// <summary>
    /// Primary and standby in asynchronous mode; the standby is stopped while the primary commits
    /// row 2, so only the primary has it (a frozen standby would not do: its socket buffer would
    /// still take the WAL in); then the primary is killed and the standby started and promoted.
    /// The two histories now differ: that is what rewind must undo.
    /// </summary>
    private async Task<(PostgresServer OldPrimary, PostgresServer NewPrimary)> DivergeAsync(PgTestCluster cluster)
    {
        PostgresServer primary = await cluster.StartPrimaryAsync("node1", ReplicationMode.Asynchronous, []);
        PostgresServer standby = await cluster.StartStandbyAsync(primary, "node2");
        await Replication.ExecuteAsync(primary, "CREATE TABLE history (n int, note text); INSERT INTO history VALUES (1, 'both')");
        await Replication.WaitReplayedAsync(primary, standby);

        await standby.StopAsync();
        await Replication.ExecuteAsync(primary, "INSERT INTO history VALUES (2, 'old primary only')");
        primary.Kill();
        await standby.StartAsync();

        var clock = Stopwatch.StartNew();
        await standby.PromoteAsync();
        output.WriteLine($"promote took {clock.ElapsedMilliseconds} ms");
        await Replication.ExecuteAsync(standby, "INSERT INTO history VALUES (3, 'new primary')");
        return (primary, standby);
    }

    private static async Task AssertFollowsAsync(PostgresServer oldPrimary, PostgresServer newPrimary)
    {
        Assert.True(await oldPrimary.IsInRecoveryAsync());
        await Replication.WaitStreamingAsync(newPrimary, oldPrimary.Name);
        await Replication.ExecuteAsync(newPrimary, "INSERT INTO history VALUES (4, 'after the rejoin')");
        await Replication.WaitReplayedAsync(newPrimary, oldPrimary);
        Assert.Equal("1,3,4", await oldPrimary.QueryAsync<string>("SELECT string_agg(n::text, ',' ORDER BY n) FROM history"));
    }
}
