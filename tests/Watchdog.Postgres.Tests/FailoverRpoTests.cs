using Npgsql;
using Watchdog.Postgres.Tests.Support;
using Xunit.Abstractions;

namespace Watchdog.Postgres.Tests;

/// <summary>
/// Power loss of the primary in the middle of a stream of writes, then the standby promoted: how
/// many acknowledged rows the new primary lacks, counted by RpoReport.
/// </summary>
public sealed class FailoverRpoTests(ITestOutputHelper output)
{
    [RootFact(PgTestCluster.RootOnlyReason)]
    public async Task Killing_the_primary_in_synchronous_mode_loses_no_acknowledged_row()
    {
        await using var cluster = new PgTestCluster();
        PostgresServer primary = await cluster.StartPrimaryAsync("primary", ReplicationMode.Synchronous, "standby1");
        PostgresServer standby = await cluster.StartStandbyAsync(primary, "standby1");
        await Replication.WaitStreamingAsync(primary, "standby1", asSync: true);

        (RpoResult result, RpoLog log) = await KillPromoteAndCountAsync(primary, standby);

        output.WriteLine($"synchronous: {result}; writer: {log}");
        Assert.True(result.Acked >= 200, $"too few writes to prove anything: {result.Acked}");
        Assert.Equal(0, result.RpoRows);
        Assert.Empty(result.Missing);
        Assert.NotNull(result.WriteOutageMs);
    }

    [RootFact(PgTestCluster.RootOnlyReason)]
    public async Task Killing_the_primary_in_asynchronous_mode_is_counted_as_a_direct_check_counts_it()
    {
        await using var cluster = new PgTestCluster();
        PostgresServer primary = await cluster.StartPrimaryAsync("primary", ReplicationMode.Asynchronous);
        PostgresServer standby = await cluster.StartStandbyAsync(primary, "standby1");

        (RpoResult result, RpoLog log) = await KillPromoteAndCountAsync(primary, standby);

        // The same question answered another way: the server anti-joins the acknowledged numbers.
        long[] acked = [.. log.Acked.Select(a => a.N)];
        await using var connection = new NpgsqlConnection(standby.ConnectionString());
        await connection.OpenAsync();
        await using var check = new NpgsqlCommand(
            "SELECT count(*) FROM unnest($1::bigint[]) AS a(n) WHERE NOT EXISTS (SELECT 1 FROM watchdog_rpo r WHERE r.n = a.n)", connection)
        {
            Parameters = { new NpgsqlParameter<long[]> { TypedValue = acked } },
        };
        long missingByServer = (long)(await check.ExecuteScalarAsync())!;

        output.WriteLine($"asynchronous: {result}; writer: {log}; the server counts {missingByServer} missing");
        Assert.True(result.Acked >= 200, $"too few writes to prove anything: {result.Acked}");
        Assert.Equal(missingByServer, result.RpoRows);
        Assert.Equal(Math.Min(20, result.RpoRows), result.Missing.Count);
    }

    /// <summary>
    /// Writes through both addresses (the writer finds whichever takes writes), kills the primary
    /// once 200 rows are acknowledged, promotes the standby, waits for 100 more acks on it, counts.
    /// </summary>
    private static async Task<(RpoResult Result, RpoLog Log)> KillPromoteAndCountAsync(PostgresServer primary, PostgresServer standby)
    {
        await RpoWriter.CreateTableAsync(primary.ConnectionString());
        await Replication.WaitReplayedAsync(primary, standby);
        var both = new NpgsqlConnectionStringBuilder(primary.ConnectionString())
        {
            Host = $"127.0.0.1:{primary.Options.Port},127.0.0.1:{standby.Options.Port}",
        };

        await using var writer = new RpoWriter(both.ConnectionString);
        writer.Start();
        await Replication.UntilAsync("200 rows acknowledged", () => Task.FromResult(writer.AckedCount >= 200));

        long faultWallMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        primary.Kill();
        await standby.PromoteAsync();

        // The promoted standby's copy of the settings names itself as the synchronous standby
        // and no other is left: without this its commits would wait for a standby forever.
        await standby.SetReplicationModeAsync(ReplicationMode.Asynchronous, []);
        long ackedAtPromote = writer.AckedCount;
        await Replication.UntilAsync("100 rows acknowledged by the new primary", () => Task.FromResult(writer.AckedCount >= ackedAtPromote + 100));

        RpoLog log = await writer.StopAsync();
        return (await RpoReport.CountAsync(log, standby.ConnectionString(), faultWallMs), log);
    }
}
