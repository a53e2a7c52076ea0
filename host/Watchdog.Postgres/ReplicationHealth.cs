using System.Globalization;
using System.Text;
using Npgsql;

namespace Watchdog.Postgres;

/// <summary>What this node's server says about itself, read in one query.</summary>
public sealed record LocalReading
{
    /// <summary>pg_is_in_recovery(): true on a standby.</summary>
    public bool InRecovery { get; init; }

    /// <summary>pg_stat_wal_receiver.status (streaming, waiting, starting, ...); null when no WAL receiver runs.</summary>
    public string? ReceiverStatus { get; init; }

    /// <summary>A WAL receiver runs but its state is hidden from the probe's user (it lacks pg_monitor).</summary>
    public bool ReceiverHidden { get; init; }

    /// <summary>The primary the receiver is connected to (pg_stat_wal_receiver), "" when none.</summary>
    public string SenderHost { get; init; } = "";

    public int SenderPort { get; init; }

    /// <summary>pg_last_wal_receive_lsn() as a byte position; -1 before the first streamed byte since start.</summary>
    public long ReceiveLsn { get; init; } = -1;

    /// <summary>pg_last_wal_replay_lsn() as a byte position; -1 on a primary.</summary>
    public long ReplayLsn { get; init; } = -1;

    /// <summary>now() - pg_last_xact_replay_timestamp() in ms; -1 when nothing was replayed since start.</summary>
    public double ReplayAgeMs { get; init; } = -1;

    public bool ReplayPaused { get; init; }

    /// <summary>The primary_conninfo setting: where to ask the primary when no receiver runs.</summary>
    public string PrimaryConninfo { get; init; } = "";

    /// <summary>The name the primary knows this standby by (application_name, else cluster_name, else walreceiver).</summary>
    public string ApplicationName { get; init; } = "walreceiver";

    /// <summary>Receive minus replay: WAL this standby holds but has not applied yet (what a promotion must replay first).</summary>
    public long UnreplayedBytes => ReplayLsn < 0 || ReceiveLsn < 0 ? 0 : Math.Max(0, ReceiveLsn - ReplayLsn);
}

/// <summary>What the primary said about this standby, and when (the probe's monotonic clock, ms).</summary>
public sealed record PrimaryWord
{
    public required long AtMs { get; init; }

    /// <summary>The server asked is itself in recovery: its pg_stat_replication says nothing about commits.</summary>
    public bool InRecovery { get; init; }

    /// <summary>pg_current_wal_lsn() as a byte position; -1 when the server asked is in recovery.</summary>
    public long CurrentLsn { get; init; } = -1;

    /// <summary>synchronous_commit on the primary: off or local means commits never wait for a standby.</summary>
    public string SynchronousCommit { get; init; } = "";

    /// <summary>pg_stat_replication.state for this standby; null when the primary does not list it.</summary>
    public string? State { get; init; }

    /// <summary>pg_stat_replication.sync_state (sync, potential, quorum, async); null when not listed or hidden.</summary>
    public string? SyncState { get; init; }

    /// <summary>pg_stat_replication.replay_lag in ms; -1 when null (no recent WAL activity).</summary>
    public double ReplayLagMs { get; init; } = -1;

    public bool Listed => State != null;
}

/// <summary>How this probe went at the primary: the word it got now, or why not, and the last word it ever got.</summary>
public sealed record PrimaryContact
{
    /// <summary>host:port asked (or "" when there was nowhere to ask).</summary>
    public string Target { get; init; } = "";

    /// <summary>The primary answered during this probe: <see cref="Last"/> is that answer.</summary>
    public bool ReachedNow { get; init; }

    /// <summary>Why the primary did not answer now ("" when it did).</summary>
    public string Error { get; init; } = "";

    /// <summary>The most recent answer, from this probe or an earlier one; null when never reached.</summary>
    public PrimaryWord? Last { get; init; }
}

/// <summary>The limits a standby must meet to be ready to take over.</summary>
/// <param name="MaxLagBytes">WAL the primary has that this standby has not replayed.</param>
/// <param name="MaxLagMs">How far replay is behind in time, counted only while there is WAL to replay.</param>
/// <param name="RequireSync">The primary must list this standby as its synchronous standby.</param>
/// <param name="MaxContactAgeMs">How long the primary's last word counts once it stops answering; 0 = for ever.</param>
public sealed record ReplicationLimits(long MaxLagBytes, int MaxLagMs, bool RequireSync, int MaxContactAgeMs);

public readonly record struct ReplicationVerdict(bool Ready, string Detail);

/// <summary>
/// Whether this node's PostgreSQL is ready to be, or stay, the active. A primary is ready when it
/// is out of recovery (accepting writes). A standby is ready when it receives WAL, is within the
/// lag limits and, with RequireSync, the primary lists it as its synchronous standby.
/// When the primary stops answering (the moment a takeover matters), the standby's own WAL
/// receiver stops too; the verdict then rests on the primary's last word and its age, and the
/// detail says so. The decision is pure; the two queries are separate.
/// </summary>
public static class ReplicationHealth
{
    /// <summary>The verdict from one local reading and the contact with the primary; nowMs on the clock of <see cref="PrimaryWord.AtMs"/>.</summary>
    public static ReplicationVerdict Decide(LocalReading local, PrimaryContact contact, long nowMs, ReplicationLimits limits)
    {
        if (!local.InRecovery)
        {
            return new ReplicationVerdict(true, "primary: not in recovery, accepting writes");
        }

        var why = new List<string>();
        PrimaryWord? last = contact.Last;
        long age = last == null ? -1 : Math.Max(0, nowMs - last.AtMs);
        bool lastCounts = last != null && (contact.ReachedNow || limits.MaxContactAgeMs == 0 || age <= limits.MaxContactAgeMs);
        string basis = contact.ReachedNow
            ? "primary " + contact.Target + " answered now"
            : "primary " + contact.Target + " did not answer (" + contact.Error + "); "
              + (last == null ? "no word from it since the agent started" : "its last word is " + age + " ms old" + (lastCounts ? "" : ", older than MaxContactAgeMs " + limits.MaxContactAgeMs));

        string receiver = local.ReceiverHidden ? "hidden" : local.ReceiverStatus ?? "not running";
        if (local.ReceiverHidden)
        {
            why.Add("the probe's user cannot see the WAL receiver (grant it pg_monitor)");
        }
        else if (local.ReceiverStatus != "streaming")
        {
            if (contact.ReachedNow)
            {
                why.Add("WAL receiver " + receiver + " while the primary answers: this standby falls behind");
            }
            else if (!lastCounts)
            {
                why.Add("WAL receiver " + receiver + " and no recent word from the primary");
            }
            else if (last!.State != "streaming")
            {
                why.Add("WAL receiver " + receiver + " and the primary's last word had it " + (last.State ?? "not listed"));
            }
        }

        if (local.ReplayPaused)
        {
            why.Add("replay is paused (pg_wal_replay_pause)");
        }

        // Bytes: the primary's position minus ours when it answered now (what a takeover now
        // would lose or must still fetch), else what we hold but have not replayed.
        long lagBytes = contact.ReachedNow && last!.CurrentLsn >= 0 && local.ReplayLsn >= 0
            ? Math.Max(0, last.CurrentLsn - local.ReplayLsn)
            : local.UnreplayedBytes;
        string bytesFrom = contact.ReachedNow && last!.CurrentLsn >= 0 ? "primary - replayed" : "received - replayed";
        if (lagBytes > limits.MaxLagBytes)
        {
            why.Add("lag " + lagBytes + " bytes > MaxLagBytes " + limits.MaxLagBytes);
        }

        // Time: the age of the last replayed commit says nothing on an idle primary, so it
        // counts only while there is received WAL left to replay; the primary's replay_lag is
        // null once the standby has caught up and writes stopped.
        double lagMs = local.UnreplayedBytes > 0 && local.ReplayAgeMs >= 0 ? local.ReplayAgeMs : 0;
        if (contact.ReachedNow && last!.ReplayLagMs > lagMs)
        {
            lagMs = last.ReplayLagMs;
        }

        lagMs = Math.Round(lagMs, 1);
        if (lagMs > limits.MaxLagMs)
        {
            why.Add("replay " + Ms(lagMs) + " ms behind > MaxLagMs " + limits.MaxLagMs);
        }

        string sync = SyncWord(last, local.ApplicationName);
        if (limits.RequireSync)
        {
            string? problem = SyncProblem(last, lastCounts, local.ApplicationName);
            if (problem != null)
            {
                why.Add(problem);
            }
        }

        var d = new StringBuilder(why.Count == 0 ? "standby ready" : "standby not ready: " + string.Join("; ", why));
        d.Append(" | receiver ").Append(receiver);
        if (local.SenderHost.Length > 0)
        {
            d.Append(" from ").Append(local.SenderHost).Append(':').Append(local.SenderPort);
        }

        d.Append(", lag ").Append(lagBytes).Append(" bytes (").Append(bytesFrom).Append("), ")
            .Append(Ms(lagMs)).Append(" ms, ").Append(sync).Append(" | ").Append(basis);
        return new ReplicationVerdict(why.Count == 0, d.ToString());
    }

    private static string? SyncProblem(PrimaryWord? last, bool lastCounts, string name)
    {
        if (last == null || !lastCounts)
        {
            return "RequireSync: sync state unknown (no " + (last == null ? "" : "recent ") + "word from the primary)";
        }

        if (last.InRecovery)
        {
            return "RequireSync: the server asked is itself in recovery, not the primary";
        }

        if (!last.Listed)
        {
            return "RequireSync: the primary does not list '" + name + "' in pg_stat_replication";
        }

        if (last.SyncState == null)
        {
            return "RequireSync: the primary hides the sync state from the probe's user (grant it pg_monitor)";
        }

        if (last.SyncState != "sync")
        {
            // quorum (ANY n): a given standby may lack a commit another acknowledged.
            return "RequireSync: the primary lists '" + name + "' as " + last.SyncState + ", not sync";
        }

        if (last.SynchronousCommit is "off" or "local")
        {
            return "RequireSync: synchronous_commit = " + last.SynchronousCommit + " on the primary, commits do not wait for '" + name + "'";
        }

        return null;
    }

    private static string SyncWord(PrimaryWord? last, string name) => last == null
        ? "sync state of '" + name + "' unknown"
        : last.InRecovery ? "upstream in recovery"
        : last.Listed ? "'" + name + "' " + (last.SyncState ?? "hidden") + " (synchronous_commit " + last.SynchronousCommit + ")"
        : "'" + name + "' not listed by the primary";

    private static string Ms(double ms) => ms.ToString("0.#", CultureInfo.InvariantCulture);

    /// <summary>Reads <see cref="LocalReading"/> from this node's server.</summary>
    public static async Task<LocalReading> ReadLocalAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        const string Sql = """
            SELECT pg_is_in_recovery(), r.pid, r.status, r.sender_host, r.sender_port,
                   pg_wal_lsn_diff(pg_last_wal_receive_lsn(), '0/0')::bigint,
                   pg_wal_lsn_diff(pg_last_wal_replay_lsn(), '0/0')::bigint,
                   (extract(epoch FROM now() - pg_last_xact_replay_timestamp()) * 1000)::float8,
                   CASE WHEN pg_is_in_recovery() THEN pg_is_wal_replay_paused() ELSE false END,
                   current_setting('primary_conninfo'), current_setting('cluster_name')
            FROM (SELECT 1) AS one LEFT JOIN pg_stat_wal_receiver r ON true
            """;
        await using var cmd = new NpgsqlCommand(Sql, connection);
        await using NpgsqlDataReader r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
        if (!await r.ReadAsync(ct).ConfigureAwait(false))
        {
            throw new InvalidOperationException("the replication query returned no row");
        }

        string conninfo = r.IsDBNull(9) ? "" : r.GetString(9);
        string cluster = r.IsDBNull(10) ? "" : r.GetString(10);
        string appName = Conninfo.Get(conninfo, "application_name");
        return new LocalReading
        {
            InRecovery = r.GetBoolean(0),
            ReceiverHidden = !r.IsDBNull(1) && r.IsDBNull(2),
            ReceiverStatus = r.IsDBNull(2) ? null : r.GetString(2),
            SenderHost = r.IsDBNull(3) ? "" : r.GetString(3),
            SenderPort = r.IsDBNull(4) ? 0 : r.GetInt32(4),
            ReceiveLsn = r.IsDBNull(5) ? -1 : r.GetInt64(5),
            ReplayLsn = r.IsDBNull(6) ? -1 : r.GetInt64(6),
            ReplayAgeMs = r.IsDBNull(7) ? -1 : r.GetDouble(7),
            ReplayPaused = r.GetBoolean(8),
            PrimaryConninfo = conninfo,
            // What the walreceiver itself sends as application_name (PostgreSQL 12+).
            ApplicationName = appName.Length > 0 ? appName : cluster.Length > 0 ? cluster : "walreceiver",
        };
    }

    /// <summary>Asks the primary about the standby it knows as <paramref name="applicationName"/>.</summary>
    public static async Task<PrimaryWord> AskPrimaryAsync(NpgsqlConnection connection, string applicationName, long atMs, CancellationToken ct)
    {
        // Several rows can carry one name for a moment (a reconnect before the old sender
        // exited): the streaming, newest one is the standby as it is now.
        const string Sql = """
            SELECT pg_is_in_recovery(),
                   CASE WHEN pg_is_in_recovery() THEN NULL ELSE pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint END,
                   current_setting('synchronous_commit'),
                   s.state, s.sync_state, (extract(epoch FROM s.replay_lag) * 1000)::float8, s.pid
            FROM (SELECT 1) AS one LEFT JOIN LATERAL (
                SELECT pid, state, sync_state, replay_lag FROM pg_stat_replication WHERE application_name = $1
                ORDER BY state = 'streaming' DESC, backend_start DESC LIMIT 1) s ON true
            """;
        await using var cmd = new NpgsqlCommand(Sql, connection);
        cmd.Parameters.Add(new NpgsqlParameter { Value = applicationName });
        await using NpgsqlDataReader r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
        if (!await r.ReadAsync(ct).ConfigureAwait(false))
        {
            throw new InvalidOperationException("the primary's replication query returned no row");
        }

        bool listed = !r.IsDBNull(6);
        return new PrimaryWord
        {
            AtMs = atMs,
            InRecovery = r.GetBoolean(0),
            CurrentLsn = r.IsDBNull(1) ? -1 : r.GetInt64(1),
            SynchronousCommit = r.GetString(2),
            // A listed sender whose state is hidden (no pg_monitor) is still listed.
            State = listed ? (r.IsDBNull(3) ? "hidden" : r.GetString(3)) : null,
            SyncState = r.IsDBNull(4) ? null : r.GetString(4),
            ReplayLagMs = r.IsDBNull(5) ? -1 : r.GetDouble(5),
        };
    }
}

/// <summary>The libpq key=value connection string form (what pg_basebackup -R writes into primary_conninfo).</summary>
public static class Conninfo
{
    /// <summary>The value of <paramref name="key"/>, unquoted; "" when absent.</summary>
    public static string Get(string conninfo, string key)
    {
        int i = 0;
        while (i < conninfo.Length)
        {
            while (i < conninfo.Length && char.IsWhiteSpace(conninfo[i]))
            {
                i++;
            }

            int eq = conninfo.IndexOf('=', i);
            if (eq < 0)
            {
                return "";
            }

            string k = conninfo[i..eq].Trim();
            i = eq + 1;
            while (i < conninfo.Length && char.IsWhiteSpace(conninfo[i]))
            {
                i++;
            }

            var v = new StringBuilder();
            bool quoted = i < conninfo.Length && conninfo[i] == '\'';
            if (quoted)
            {
                i++;
            }

            for (; i < conninfo.Length; i++)
            {
                char c = conninfo[i];
                if (c == '\\' && i + 1 < conninfo.Length)
                {
                    v.Append(conninfo[++i]);
                }
                else if (quoted ? c == '\'' : char.IsWhiteSpace(c))
                {
                    i++;
                    break;
                }
                else
                {
                    v.Append(c);
                }
            }

            if (k == key)
            {
                return v.ToString();
            }
        }

        return "";
    }
}
