using Npgsql;
using Watchdog.Lab.Rack;
using Watchdog.Postgres;

namespace Watchdog.Lab.Sites;

/// <summary>What the surviving site's database had after a site switch.</summary>
/// <param name="NewPrimary">The member the new site's board granted, whose rows were counted.</param>
/// <param name="InRecovery">pg_is_in_recovery() on it: true would mean the grant made no primary.</param>
/// <param name="Rows">The writer's acknowledged rows counted against it.</param>
/// <param name="RpoMs">From the oldest acknowledged row it lacks to the fault: how far back the lost writes reach; 0 when none is lost.</param>
public sealed record SiteRpo(string NewPrimary, bool InRecovery, RpoResult Rows, long RpoMs);

/// <summary>
/// The database's side of a site switch on <see cref="TicketedSites"/> with PostgreSQL: the RPO
/// writer (<see cref="RpoWriter"/>) writes numbered rows to the active site's primary, presenting
/// the highest epoch either site's board published, as a client following the group would,
/// through the active site's virtual IP. After the switch its acknowledged rows are counted at
/// the new site's primary: none may be missing in synchronous mode. (It writes to the old site
/// only: the write outage across sites is the site RTO, which the VIP probe measures.)
/// </summary>
/// <remarks>
/// The writer runs in this process, in the host's namespace: it reaches both racks' virtual IPs
/// on their bridges directly, so the inter-site cut (forwarded traffic only) does not cut it off
/// from the surviving site.
/// </remarks>
public sealed class SiteRpoRun
{
    /// <summary>Rows acknowledged before the fault: the writes flow to the primary.</summary>
    public const int RowsBeforeFault = 10;

    private static readonly TimeSpan FlowTimeout = TimeSpan.FromSeconds(30);

    private readonly TicketedSites _sites;
    private readonly RpoWriter _writer;

    private SiteRpoRun(TicketedSites sites, RpoWriter writer)
    {
        _sites = sites;
        _writer = writer;
    }

    public long AckedCount => _writer.AckedCount;

    /// <summary>The member <paramref name="site"/>'s board last granted the active, or null.</summary>
    public static string? ActiveAt(TicketedSites sites, string site) =>
        sites.Site(site).Observer.LatestRoles(SiteDrill.Group)?.Active.FirstOrDefault();

    /// <summary>
    /// Waits until the primary at <paramref name="activeSite"/> streams to a member of the other
    /// site, in synchronous mode as one of the quorum its commits wait for, with as many standbys
    /// of that quorum streaming as a commit waits for (synchronous_standby_names is set again once
    /// a standby streams: the promotion cleared it). PostgreSQL raises no event
    /// for it: pg_stat_replication is polled. Returns what the primary listed; throws
    /// <see cref="LabFailedException"/> when it does not in <paramref name="timeout"/>.
    /// </summary>
    public static async Task<string> WaitReplicatingAsync(TicketedSites sites, string activeSite, TimeSpan timeout, CancellationToken ct)
    {
        RackCluster site = sites.Site(activeSite), other = sites.Site(VirtualSites.PeerOf(activeSite));
        bool sync = sites.Database == ReplicationMode.Synchronous;
        string names = string.Join(", ", other.Options.Nodes.Select(n => $"'{n}'"));
        // One query for what is printed and what is judged: the state shown is the one that passed.
        // In synchronous mode a commit waits for as many standbys as synchronous_standby_names asks
        // (ANY 2 of the four members): one standby of the other site streaming is not yet a primary
        // that can commit, and a writer started then waits out its timeout (seen after a planned
        // switch, when the new primary's own fellow and the old site's second member were still
        // rejoining).
        string quorum = "coalesce(substring(current_setting('synchronous_standby_names') from '^[[:space:]]*(?:ANY|FIRST)?[[:space:]]*([0-9]+)[[:space:]]*[(]')::int, 1)";
        string ready = sync
            ? $"current_setting('synchronous_standby_names') <> '' AND EXISTS (SELECT 1 FROM pg_stat_replication WHERE state = 'streaming' AND sync_state IN ('sync', 'quorum') AND application_name IN ({names})) " +
              $"AND (SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming' AND sync_state IN ('sync', 'quorum')) >= {quorum}"
            : $"EXISTS (SELECT 1 FROM pg_stat_replication WHERE state = 'streaming' AND application_name IN ({names}))";
        string sql = $"SELECT CASE WHEN {ready} THEN 'ready ' ELSE 'waiting ' END || " +
                     "coalesce((SELECT string_agg(application_name || ' ' || sync_state, ', ' ORDER BY application_name) FROM pg_stat_replication WHERE state = 'streaming'), '') " +
                     "|| ' | ' || current_setting('synchronous_standby_names')";
        var deadline = DateTime.UtcNow + timeout;
        string last = "no primary granted yet";
        while (DateTime.UtcNow < deadline)
        {
            if (ActiveAt(sites, activeSite) is { } primary)
            {
                try
                {
                    string address = RackPostgres.ConnectionString(site.Server(primary).Address);
                    string seen = await QueryAsync<string>(address, sql, ct).ConfigureAwait(false);
                    bool passed = seen.StartsWith("ready ", StringComparison.Ordinal);
                    last = $"{primary}: " + seen[(passed ? "ready " : "waiting ").Length..];
                    if (passed)
                    {
                        return last;
                    }
                }
                catch (NpgsqlException e)
                {
                    last = $"{primary}: {e.Message}";
                }
            }

            await Task.Delay(200, ct).ConfigureAwait(false);
        }

        throw new LabFailedException($"{activeSite}'s primary does not stream to {VirtualSites.PeerOf(activeSite)} ({names}){(sync ? " as a synchronous standby" : "")} after {timeout.TotalSeconds:F0} s; last seen (standby state | synchronous_standby_names): {last}");
    }

    /// <summary>Empties the table (presenting the epoch: it is fenced too), starts writing and returns once <see cref="RowsBeforeFault"/> rows are acknowledged.</summary>
    public static async Task<SiteRpoRun> StartAsync(TicketedSites sites, string activeSite, CancellationToken ct)
    {
        string Vip(string site) => sites.Site(site).Vip?.ToString() ?? throw new LabFailedException($"site {site} has no virtual IP (network namespaces needed)");
        long Epoch() => new[] { sites.East, sites.West }.Max(s => s.Observer.LatestRoles(SiteDrill.Group)?.Epoch ?? 0);

        await using (var connection = new NpgsqlConnection(RackPostgres.ConnectionString(Vip(activeSite))))
        {
            await connection.OpenAsync(ct).ConfigureAwait(false);
            await EpochFence.SetSessionEpochAsync(connection, Epoch(), ct).ConfigureAwait(false);
            await using var truncate = new NpgsqlCommand($"TRUNCATE {RpoWriter.Table}", connection);
            await truncate.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }

        var writer = new RpoWriter(RackPostgres.ConnectionString(Vip(activeSite)), Epoch);
        writer.Start();
        if (!await writer.WaitForAckedAsync(RowsBeforeFault, FlowTimeout, ct).ConfigureAwait(false))
        {
            RpoLog log = await writer.StopAsync().ConfigureAwait(false);
            await writer.DisposeAsync().ConfigureAwait(false);
            throw new LabFailedException($"the RPO writer got {log.Acked.Count} of {RowsBeforeFault} rows acknowledged through {activeSite}'s virtual IP in {FlowTimeout.TotalSeconds:F0} s; " +
                                         $"{log.Errors.Count} errors, the last: {(log.Errors.Count > 0 ? log.Errors[^1].Message : "none")}");
        }

        return new SiteRpoRun(sites, writer);
    }

    /// <summary>
    /// After <paramref name="newSite"/> serves: stops the writer and counts its acknowledged rows
    /// at the new site's granted member. <paramref name="say"/> gets the writer's log line.
    /// </summary>
    public async Task<SiteRpo> FinishAsync(string newSite, long faultWallMs, Action<string> say, CancellationToken ct)
    {
        RpoLog log = await _writer.StopAsync().ConfigureAwait(false);
        await _writer.DisposeAsync().ConfigureAwait(false);
        say($"rpo: writer {log}");
        string primary = ActiveAt(_sites, newSite) ?? throw new LabFailedException($"{newSite} serves but its board published no active to count the rows at");
        string address = RackPostgres.ConnectionString(_sites.Site(newSite).Server(primary).Address);
        bool inRecovery = await QueryAsync<bool>(address, "SELECT pg_is_in_recovery()", ct).ConfigureAwait(false);
        RpoResult rows = await RpoReport.CountAsync(log, address, faultWallMs, ct).ConfigureAwait(false);
        long rpoMs = 0;
        if (rows.Missing.Count > 0)
        {
            long firstMissing = rows.Missing[0];
            long ackedAt = log.Acked.First(a => a.N == firstMissing).AckWallMs;
            rpoMs = Math.Max(0, faultWallMs - ackedAt);
        }

        say($"rpo: at {newSite}'s {primary} (in recovery: {inRecovery}): {rows}; rpo_ms {rpoMs}");
        return new SiteRpo(primary, inRecovery, rows, rpoMs);
    }

    private static async Task<T> QueryAsync<T>(string connectionString, string sql, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync(ct).ConfigureAwait(false))!;
    }
}
