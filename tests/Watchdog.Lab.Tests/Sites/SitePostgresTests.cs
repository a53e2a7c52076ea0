using Npgsql;
using Watchdog.Lab.Rack;
using Watchdog.Lab.Sites;
using Watchdog.Lab.Tests.Failover;
using Watchdog.Postgres;
using Watchdog.Testing;

namespace Watchdog.Lab.Tests.Sites;

/// <summary>
/// The two ticketed sites with real PostgreSQL 15 (<see cref="TicketedSites"/> with a database):
/// one database across both sites, every member streaming directly from the primary at the site
/// holding the ticket. With synchronous replication an acknowledged commit at east is at west
/// already, so losing the whole of east loses no acknowledged row, and west's granted member is
/// the primary.
/// </summary>
[Collection("rack")]
public sealed class SitePostgresTests(ITestOutputHelper output)
{
    private const string Why = "two racks in network namespaces, etcd members in their own, PostgreSQL in every server's namespace, and nft to cut sites apart";

    /// <summary>Loose: two racks, four PostgreSQL instances and three etcd members starting on a loaded 2-core machine.</summary>
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(180);

    /// <summary>lease + acquire-after (16 s), the keeper's turn and the promotion on a loaded machine.</summary>
    private static readonly TimeSpan Takeover = TimeSpan.FromSeconds(90);

    private static string East => VirtualSites.EastName;

    private static string West => VirtualSites.WestName;

    [SitePostgresFact(Why)]
    public async Task Losing_east_in_sync_mode_loses_no_acknowledged_row_at_west()
    {
        var log = new RackClusterFixture.OutputWriter(output);
        await using TicketedSites sites = await TicketedSites.StartSettledAsync(log, Settle, CancellationToken.None, ReplicationMode.Synchronous);
        string streaming = await SiteRpoRun.WaitReplicatingAsync(sites, East, Settle, CancellationToken.None);
        output.WriteLine($"east's primary streams to: {streaming}");
        long eastEpoch = sites.East.Observer.LatestRoles(SiteDrill.Group)!.Epoch;

        SiteRpoRun rpo = await SiteRpoRun.StartAsync(sites, East, CancellationToken.None);
        long faultWallMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        double faultMeter = sites.Meter.NowMs;
        await sites.LoseSiteAsync(East);

        Assert.True(await sites.West.WaitUntilSettledAsync(null, Takeover, CancellationToken.None), "west did not run the active after east was lost" + sites.BoardLogs());
        SiteRpo result = await rpo.FinishAsync(West, faultWallMs, output.WriteLine, CancellationToken.None);

        // StartAsync returns once this many are acknowledged and the fault follows at once: more
        // is the machine's pace, not something the test may count on (10 exactly on a calm one).
        Assert.True(result.Rows.Acked >= SiteRpoRun.RowsBeforeFault, $"only {result.Rows.Acked} rows were acknowledged before the fault, fewer than the {SiteRpoRun.RowsBeforeFault} the writer waits for");
        Assert.Equal(0, result.Rows.RpoRows);
        Assert.Equal(0, result.RpoMs);
        Assert.False(result.InRecovery, $"west's granted member {result.NewPrimary} is still in recovery: the grant made no primary");
        Assert.True(sites.West.Observer.LatestRoles(SiteDrill.Group)!.Epoch > eastEpoch, "west's epoch is not above east's");
        Assert.Equal(0, sites.Meter.OverlapMs(faultMeter));
        Assert.Equal(0, sites.Meter.OverlapMs());

        // West's promote hook raised the fence above every epoch east could have used: a writer
        // still presenting east's is refused there.
        await using var connection = new NpgsqlConnection(RackPostgres.ConnectionString(sites.West.Server(result.NewPrimary).Address));
        await connection.OpenAsync();
        long fence = await EpochFence.CurrentAsync(connection);
        Assert.True(fence > eastEpoch, $"the fence at west's primary is at epoch {fence}, not above east's {eastEpoch}");
    }
}

/// <summary>A sites test with PostgreSQL: skipped, with the reason, unless root, the sites' programs and PostgreSQL 15's server programs are there.</summary>
public sealed class SitePostgresFactAttribute : FactAttribute
{
    public SitePostgresFactAttribute(string why)
    {
        Skip = RootOnly.SkipReason(why, "mosquitto", "nft", "etcd", "setpriv");
        if (Skip is null && !PgBinaries.AreInstalled())
        {
            Skip = $"needs PostgreSQL 15's server programs in {PgBinaries.DefaultDirectory} (or ${PgBinaries.DirectoryVariable}): ./scripts/install-test-deps.sh, or apt-get install postgresql-15";
        }
    }
}
