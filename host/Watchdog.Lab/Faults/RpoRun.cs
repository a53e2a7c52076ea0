using Watchdog.Lab.Rack;
using Watchdog.Postgres;

namespace Watchdog.Lab.Faults;

/// <summary>
/// The database's side of one failover run (a rack with <see cref="RackService.Postgres"/>): the
/// RPO writer writes numbered rows through the virtual IP across the fault, presenting the epoch
/// it last read on the roles topic, as a client that follows the board would; afterwards the
/// acknowledged rows are counted against the new primary (rpo_rows, their span) and the writes'
/// own outage is measured (write_outage_ms).
/// </summary>
/// <remarks>
/// The writer runs in this process, in the host's namespace: the rack's uplink puts the host on
/// the rack's bridge like any other machine (the broker listens there), so its connections to the
/// virtual IP cross the bridge and follow the gratuitous ARP as the client namespace's would.
/// Npgsql cannot enter a namespace, and a child process would only add a second log to merge.
/// </remarks>
internal sealed class RpoRun
{
    /// <summary>Rows acknowledged before the fault: the writes flow, through the VIP, to the primary.</summary>
    private const int RowsBeforeFault = 10;

    private static readonly TimeSpan FlowTimeout = TimeSpan.FromSeconds(30);

    private readonly RackCluster _cluster;
    private readonly RpoWriter _writer;

    private RpoRun(RackCluster cluster, RpoWriter writer)
    {
        _cluster = cluster;
        _writer = writer;
    }

    /// <summary>Starts writing and returns once <see cref="RowsBeforeFault"/> rows are acknowledged; null without a database.</summary>
    public static async Task<RpoRun?> StartAsync(RackCluster cluster, Action<string> say, CancellationToken ct)
    {
        if (cluster.Database is null || cluster.Vip is null)
        {
            return null;
        }

        var group = cluster.Options.Group;
        var vip = RackPostgres.ConnectionString(cluster.Vip.ToString());
        long Epoch() => cluster.Observer.LatestRoles(group)?.Epoch ?? 0;

        // Every run numbers its rows from 1: an earlier run's rows would stand in for this one's
        // missing ones (and collide with its new ones). TRUNCATE is fenced too: it presents the epoch.
        await using (var connection = new Npgsql.NpgsqlConnection(vip))
        {
            await connection.OpenAsync(ct).ConfigureAwait(false);
            await EpochFence.SetSessionEpochAsync(connection, Epoch(), ct).ConfigureAwait(false);
            await using var truncate = new Npgsql.NpgsqlCommand($"TRUNCATE {RpoWriter.Table}", connection);
            await truncate.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }

        var writer = new RpoWriter(vip, Epoch);
        writer.Start();
        if (!await writer.WaitForAckedAsync(RowsBeforeFault, FlowTimeout, ct).ConfigureAwait(false))
        {
            say($"rpo: the writer has {writer.AckedCount} rows acknowledged through {cluster.Vip}:{RackPostgres.Port} after {FlowTimeout.TotalSeconds} s; injecting anyway");
        }

        return new RpoRun(cluster, writer);
    }

    /// <summary>
    /// Lets the writer get a few rows through after the takeover (the write outage needs its end),
    /// stops it and counts against <paramref name="newPrimary"/>. Null when nobody took over or the
    /// count failed (said).
    /// </summary>
    public async Task<RpoResult?> FinishAsync(string? newPrimary, long faultWallMs, Action<string> say, CancellationToken ct)
    {
        var resumed = newPrimary is not null && await _writer.WaitForAckedAsync(_writer.AckedCount + 5, FlowTimeout, ct).ConfigureAwait(false);
        var log = await _writer.StopAsync().ConfigureAwait(false);
        await _writer.DisposeAsync().ConfigureAwait(false);
        say($"rpo: writer {log}{(resumed || newPrimary is null ? "" : $"; writes did not resume within {FlowTimeout.TotalSeconds} s")}");
        if (newPrimary is null)
        {
            return null;
        }

        // The writer's own view of the outage, for a figure that needs explaining: when its errors
        // began and ended, relative to the fault, and the acknowledgements around them.
        var errors = log.Errors.Where(e => e.AtWallMs >= faultWallMs).ToList();
        if (errors.Count > 0)
        {
            var before = log.Acked.Where(a => a.AckWallMs < errors[0].AtWallMs).Select(a => (RpoAck?)a).LastOrDefault();
            var after = log.Acked.Where(a => a.AckWallMs > errors[^1].AtWallMs).Select(a => (RpoAck?)a).FirstOrDefault();
            var among = log.Acked.Count(a => a.AckWallMs > errors[0].AtWallMs && a.AckWallMs < errors[^1].AtWallMs);
            say($"rpo: {errors.Count} errors from +{errors[0].AtWallMs - faultWallMs} to +{errors[^1].AtWallMs - faultWallMs} ms after the fault, {among} acks among them " +
                $"(first: {errors[0].Message}; last: {errors[^1].Message}); " +
                $"last ack before them: {(before is { } b ? $"row {b.N} at +{b.AckWallMs - faultWallMs} ms" : "none")}, " +
                $"first after them: {(after is { } a ? $"row {a.N} at +{a.AckWallMs - faultWallMs} ms, epoch {a.Epoch}" : "none")}");
        }

        try
        {
            var result = await RpoReport.CountAsync(log, RackPostgres.ConnectionString(_cluster.Server(newPrimary).Address), faultWallMs, ct).ConfigureAwait(false);
            say($"rpo: {result}");
            return result;
        }
        catch (Npgsql.NpgsqlException e)
        {
            say($"rpo: cannot count the rows on {newPrimary}: {e.Message}");
            return null;
        }
    }
}
