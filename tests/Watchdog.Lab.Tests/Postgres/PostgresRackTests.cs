using Npgsql;
using Watchdog.Lab.Tests.Failover;
using Watchdog.Postgres;

namespace Watchdog.Lab.Tests.Postgres;

/// <summary>
/// PostgreSQL 15 streaming replication behind the rack's failover (RackClusterOptions.Service =
/// Postgres): the agents' recipe hooks promote the standby and raise the epoch fence, the RPO
/// writer writes numbered rows through the virtual IP across the fault, and the fenced old
/// primary comes back as a standby of the new one.
/// </summary>
[Collection("rack")]
public sealed class PostgresRackTests(ITestOutputHelper output)
{
    [RackPostgresFact]
    public async Task Synchronous_mode_loses_no_acknowledged_row_when_the_primary_fails_over()
    {
        await using var cluster = await StartAsync(ReplicationMode.Synchronous);
        var result = await RunAsync(cluster, FaultCatalogue.AgentCrash);

        AssertCleanTakeover(result);
        // Never two primaries taking writes: the board confirmed the old primary fenced before it
        // granted the standby (whose promote hook is what makes it a primary), and no two servers
        // held the VIP.
        Assert.NotNull(result.FenceMs);
        Assert.NotNull(result.TakeoverMs);
        Assert.True(result.FenceMs <= result.TakeoverMs, $"fence confirmed at {result.FenceMs} ms, takeover acknowledged at {result.TakeoverMs} ms");
        Assert.True(result.RpoMeasured);
        Assert.Equal(0, result.RpoRows);
        Assert.NotNull(result.WriteOutageMs);
    }

    [RackPostgresFact]
    public async Task The_fenced_old_primary_rejoins_as_a_standby_and_a_writer_of_the_old_epoch_is_refused()
    {
        await using var cluster = await StartAsync(ReplicationMode.Synchronous);
        var result = await RunAsync(cluster, FaultCatalogue.PowerLoss);
        AssertCleanTakeover(result);
        var (old, now) = (result.Victim, result.NewActive!);

        // The run ends once the old primary is back as a healthy standby (its replication check
        // passing counts towards healthy); the new primary must list it, streaming, as its sync standby.
        var primary = RackPostgres.ConnectionString(cluster.Server(now).Address);
        string state = "not asked";
        var asked = System.Diagnostics.Stopwatch.StartNew();
        while (state != "streaming sync" && asked.Elapsed < TimeSpan.FromSeconds(60))
        {
            // PostgreSQL raises no event a test can wait on: its view is polled.
            await Task.Delay(100);
            state = Query<string>(primary, $"SELECT coalesce((SELECT state || ' ' || sync_state FROM pg_stat_replication WHERE application_name = '{old}'), 'absent')");
        }

        Assert.True(state == "streaming sync", $"{now}'s pg_stat_replication shows {old} as '{state}' after {asked.Elapsed.TotalSeconds:0} s, not 'streaming sync'");
        Assert.True(Query<bool>(RackPostgres.ConnectionString(cluster.Server(old).Address), "SELECT pg_is_in_recovery()"), $"{old} is not in recovery: a second primary");

        // Through the virtual IP: the epoch before the failover is refused, the current one taken.
        var vip = RackPostgres.ConnectionString(cluster.Vip!.ToString());
        var refused = await Assert.ThrowsAsync<PostgresException>(() => InsertAsync(vip, result.EpochBefore, -1));
        Assert.Equal(EpochFence.StaleEpochSqlState, refused.SqlState);
        await InsertAsync(vip, result.EpochAfter, -2);
    }

    private async Task<RackCluster> StartAsync(ReplicationMode mode)
    {
        var cluster = await RackCluster.StartAsync(new RackClusterOptions
        {
            Broker = BrokerKind.Mosquitto,
            Service = RackService.Postgres,
            PostgresMode = mode,
            Log = new RackClusterFixture.OutputWriter(output),
        }, CancellationToken.None);
        try
        {
            // Either node may be granted first: both start as standbys, the grant promotes one.
            Assert.True(await cluster.WaitUntilSettledAsync(null, TimeSpan.FromSeconds(90), CancellationToken.None),
                "the rack did not settle: " + FailoverRun.Describe(cluster, "web1") + "; " + FailoverRun.Describe(cluster, "web2"));
            var active = cluster.Observer.LatestRoles(cluster.Options.Group)!.Active[0];
            var standby = cluster.Options.Nodes.Single(n => n != active);
            // The roles settle on the agents' word; a database may still be starting (a standby
            // that was reset during the boot grace rejoins first): wait for each to answer.
            await AssertRecoveryAsync(cluster, active, inRecovery: false, $"{active} is active but its database is not a primary");
            await AssertRecoveryAsync(cluster, standby, inRecovery: true, $"{standby} is standby but its database is a primary");
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    private async Task<FailoverResult> RunAsync(RackCluster cluster, Fault fault)
    {
        var since = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var result = await FailoverRun.RunAsync(cluster, fault, output.WriteLine, CancellationToken.None);
        output.WriteLine(result.ToJson().ToJsonString());
        output.WriteLine("history:" + Environment.NewLine + FailoverRun.History(cluster, since));
        return result;
    }

    /// <summary>The standby took over from the failed active under a newer epoch, serving the address, with no overlap, breach or unmet expectation.</summary>
    private static void AssertCleanTakeover(FailoverResult result)
    {
        Assert.Empty(result.Violations);
        Assert.Empty(result.Problems);
        Assert.NotNull(result.NewActive);
        Assert.NotEqual(result.Victim, result.NewActive);
        Assert.Equal(0, result.OverlapMs);
        Assert.True(result.EpochAfter > result.EpochBefore, $"epoch {result.EpochBefore} -> {result.EpochAfter}");
        Assert.NotNull(result.RtoMs);
    }

    private static async Task AssertRecoveryAsync(RackCluster cluster, string node, bool inRecovery, string message)
    {
        var connectionString = RackPostgres.ConnectionString(cluster.Server(node).Address);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            try
            {
                Assert.True(Query<bool>(connectionString, "SELECT pg_is_in_recovery()") == inRecovery, message);
                return;
            }
            catch (NpgsqlException) when (DateTime.UtcNow < deadline)
            {
                // Not accepting connections yet (starting, or rejoining after a reset): ask again.
                await Task.Delay(250);
            }
        }
    }

    private static T Query<T>(string connectionString, string sql)
    {
        using var connection = new NpgsqlConnection(connectionString);
        connection.Open();
        using var command = new NpgsqlCommand(sql, connection);
        return (T)command.ExecuteScalar()!;
    }

    private static async Task InsertAsync(string connectionString, long epoch, long n)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await EpochFence.SetSessionEpochAsync(connection, epoch);
        await using var command = new NpgsqlCommand($"INSERT INTO {RpoWriter.Table} (n, epoch, written_at) VALUES ({n}, {epoch}, now())", connection);
        await command.ExecuteNonQueryAsync();
    }
}

/// <summary>A rack test with PostgreSQL: skipped, with the reason, unless root and PostgreSQL 15's server programs are installed.</summary>
public sealed class RackPostgresFactAttribute : FactAttribute
{
    public RackPostgresFactAttribute()
    {
        if (!RackClusterFixture.CanRun)
        {
            Skip = "needs root: the rack puts servers in network namespaces";
        }
        else if (!PgBinaries.AreInstalled())
        {
            Skip = $"needs PostgreSQL 15's server programs in {PgBinaries.DefaultDirectory} (or ${PgBinaries.DirectoryVariable}): ./scripts/install-test-deps.sh, or apt-get install postgresql-15";
        }
    }
}
