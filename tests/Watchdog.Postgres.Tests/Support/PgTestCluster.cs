using System.Diagnostics;
using Npgsql;
using Watchdog.Platform.Posix;

namespace Watchdog.Postgres.Tests.Support;

/// <summary>
/// PostgreSQL servers for one test, on 127.0.0.1 and free ports, in a temp directory owned by the
/// postgres OS user. Disposal ends every server (immediate stop, else SIGKILL) and deletes the
/// directory, also when the test failed; should the test host itself exit first, a ProcessExit
/// handler kills whatever is left, so no postgres outlives a run.
/// </summary>
internal sealed class PgTestCluster : IAsyncDisposable
{
    public const string RootOnlyReason = "PostgreSQL refuses to run as root and the tests switch to the postgres user";

    private static readonly List<PostgresServer> Live = [];

    private readonly TempDirectory _root = new("watchdog-pg-");
    private readonly List<PostgresServer> _servers = [];

    static PgTestCluster()
    {
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            lock (Live)
            {
                foreach (PostgresServer server in Live.Where(s => s.IsRunning))
                {
                    server.Thaw();
                    server.Kill();
                }
            }
        };
    }

    public PgTestCluster()
    {
        // The postgres user must reach the data and socket directories below it.
        HostCommand.RunChecked("chown", "postgres:postgres", _root.Path);
    }

    public string Root => _root.Path;

    /// <summary>A server named <paramref name="name"/> (its application_name as a standby), not yet created on disk.</summary>
    public PostgresServer Server(string name)
    {
        var server = new PostgresServer(new PostgresServerOptions
        {
            Name = name,
            DataDirectory = Path.Combine(Root, name, "data"),
            SocketDirectory = Path.Combine(Root, name, "socket"),
            Port = FreePort.Find(),
        });
        _servers.Add(server);
        lock (Live)
        {
            Live.Add(server);
        }

        return server;
    }

    /// <summary>A running primary in <paramref name="mode"/> towards <paramref name="syncStandbys"/>.</summary>
    public async Task<PostgresServer> StartPrimaryAsync(string name, ReplicationMode mode, params string[] syncStandbys)
    {
        PostgresServer primary = Server(name);
        await primary.InitPrimaryAsync(mode, syncStandbys);
        await primary.StartAsync();
        return primary;
    }

    /// <summary>A running standby of <paramref name="primary"/>, streaming (the primary lists it in pg_stat_replication).</summary>
    public async Task<PostgresServer> StartStandbyAsync(PostgresServer primary, string name)
    {
        PostgresServer standby = Server(name);
        await standby.CloneFromAsync(primary);
        await standby.StartAsync();
        await Replication.WaitStreamingAsync(primary, name);
        return standby;
    }

    public async ValueTask DisposeAsync()
    {
        var errors = new List<Exception>();
        foreach (PostgresServer server in Enumerable.Reverse(_servers))
        {
            try
            {
                await server.DisposeAsync();
            }
            catch (Exception e)
            {
                errors.Add(e);
            }

            lock (Live)
            {
                Live.Remove(server);
            }
        }

        _root.Dispose();
        if (errors.Count > 0)
        {
            throw new AggregateException("stopping the test's PostgreSQL servers failed", errors);
        }
    }
}

/// <summary>Waits on replication state, always on a condition the server reports.</summary>
internal static class Replication
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    /// <summary>Until the primary's pg_stat_replication shows <paramref name="standbyName"/> streaming (and, when asked, as the sync standby).</summary>
    public static Task WaitStreamingAsync(PostgresServer primary, string standbyName, bool asSync = false) =>
        UntilAsync($"{standbyName} streaming from {primary.Name}{(asSync ? " as sync" : "")}", async () =>
        {
            string state = await primary.QueryAsync<string>(
                $"SELECT coalesce((SELECT state || '/' || sync_state FROM pg_stat_replication WHERE application_name = '{standbyName}'), 'absent')");
            return asSync ? state == "streaming/sync" : state.StartsWith("streaming/", StringComparison.Ordinal);
        });

    /// <summary>Until <paramref name="standby"/> has replayed everything <paramref name="primary"/> had written when this was called.</summary>
    public static async Task WaitReplayedAsync(PostgresServer primary, PostgresServer standby)
    {
        string target = await primary.QueryAsync<string>("SELECT pg_current_wal_lsn()::text");
        await UntilAsync($"{standby.Name} replayed {primary.Name}'s WAL up to {target}", async () =>
            await standby.QueryAsync<bool>($"SELECT pg_last_wal_replay_lsn() >= '{target}'::pg_lsn"));
    }

    /// <summary>Runs one statement (autocommit) on <paramref name="server"/>.</summary>
    public static async Task ExecuteAsync(PostgresServer server, string sql)
    {
        await using var connection = new NpgsqlConnection(server.ConnectionString());
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Polls <paramref name="condition"/> (a failed query counts as not yet) until it holds, or fails the test saying what was awaited.</summary>
    public static async Task UntilAsync(string what, Func<Task<bool>> condition, TimeSpan? timeout = null)
    {
        var limit = timeout ?? Patience;
        var clock = Stopwatch.StartNew();
        string last = "";
        while (clock.Elapsed < limit)
        {
            try
            {
                if (await condition())
                {
                    return;
                }

                last = "condition false";
            }
            catch (NpgsqlException e)
            {
                last = e.Message;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"not {what} within {limit.TotalSeconds} s (last check: {last})");
    }
}
