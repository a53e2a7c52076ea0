using Npgsql;
using Watchdog.Postgres;

namespace Watchdog.Agent.Tests.Support;

/// <summary>
/// A primary and a streaming standby named "standby" on 127.0.0.1 under a temp dir, built from
/// Watchdog.Postgres' PostgresServer; plus the few SQL steps the probe tests need.
/// </summary>
public sealed class PostgresPair : IAsyncDisposable
{
    private readonly TempDirectory _dir;

    private PostgresPair(TempDirectory dir, PostgresServer primary, PostgresServer standby)
    {
        _dir = dir;
        Primary = primary;
        Standby = standby;
    }

    public PostgresServer Primary { get; }

    public PostgresServer Standby { get; }

    public static async Task<PostgresPair> StartAsync(ReplicationMode mode)
    {
        var dir = new TempDirectory("watchdog-pgprobe-");
        // The servers run as the postgres user, which must reach its directories inside this one.
        File.SetUnixFileMode(dir.Path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
            | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        var primary = new PostgresServer(Options(dir, "primary"));
        var standby = new PostgresServer(Options(dir, "standby"));
        var pair = new PostgresPair(dir, primary, standby);
        try
        {
            await primary.InitPrimaryAsync(mode, ["standby"]);
            await primary.StartAsync();
            await standby.CloneFromAsync(primary);
            await standby.StartAsync();
            // Accepting connections is not yet streaming: wait until both ends say so.
            bool streaming = await Poll.UntilAsync(
                () => standby.QueryAsync<bool>("SELECT EXISTS (SELECT 1 FROM pg_stat_wal_receiver WHERE status = 'streaming')").GetAwaiter().GetResult()
                    && primary.QueryAsync<bool>("SELECT EXISTS (SELECT 1 FROM pg_stat_replication WHERE application_name = 'standby' AND state = 'streaming')").GetAwaiter().GetResult(),
                TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(100));
            if (!streaming)
            {
                throw new InvalidOperationException("the standby did not start streaming within 60 s");
            }

            return pair;
        }
        catch
        {
            await pair.DisposeAsync();
            throw;
        }
    }

    /// <summary>The check as the agent builds it on the standby (a generous primary budget: a loaded test machine).</summary>
    public PostgresReplicationProbe StandbyProbe(ReplicationLimits limits) =>
        new(Standby.ConnectionString(), limits, primaryTimeoutMs: 2000, applicationName: "", TimeProvider.System);

    /// <summary>synchronous_standby_names on the primary ("" = asynchronous), applied by a reload.</summary>
    public Task SetSyncNamesAsync(string names) => AlterSystemAsync(Primary, "synchronous_standby_names", names);

    /// <summary>primary_conninfo on the standby; PostgreSQL 13+ restarts (or, for "", stops) the WAL receiver on reload.</summary>
    public Task SetStandbyConninfoAsync(string conninfo) => AlterSystemAsync(Standby, "primary_conninfo", conninfo);

    public Task PrimaryExecuteAsync(string sql) => ExecuteAsync(Primary, sql);

    public Task StandbyExecuteAsync(string sql) => ExecuteAsync(Standby, sql);

    public Task<T> StandbyScalarAsync<T>(string sql) => Standby.QueryAsync<T>(sql);

    /// <summary>Small commits every 20 ms on the primary until disposed, so lag figures are live.</summary>
    public IDisposable WriteInBackground() => new Writer(Primary.ConnectionString());

    public async ValueTask DisposeAsync()
    {
        await Standby.DisposeAsync();
        await Primary.DisposeAsync();
        _dir.Dispose();
    }

    private static PostgresServerOptions Options(TempDirectory dir, string name) => new()
    {
        Name = name,
        DataDirectory = dir.File(name),
        SocketDirectory = dir.File(name + "-socket"),
        Port = FreePort.Find(),
    };

    /// <summary>ALTER SYSTEM and a reload, as two statements: ALTER SYSTEM refuses to run inside a batch's implicit transaction.</summary>
    private static async Task AlterSystemAsync(PostgresServer server, string setting, string value)
    {
        await ExecuteAsync(server, "ALTER SYSTEM SET " + setting + " = '" + value.Replace("'", "''", StringComparison.Ordinal) + "'");
        await ExecuteAsync(server, "SELECT pg_reload_conf()");
    }

    private static async Task ExecuteAsync(PostgresServer server, string sql)
    {
        await using var connection = new NpgsqlConnection(server.ConnectionString());
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private sealed class Writer : IDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _loop;

        public Writer(string connectionString)
        {
            _loop = Task.Run(async () =>
            {
                await using var connection = new NpgsqlConnection(connectionString);
                await connection.OpenAsync(_stop.Token);
                await using (var create = new NpgsqlCommand("CREATE TABLE IF NOT EXISTS ticks (n bigserial PRIMARY KEY, at timestamptz DEFAULT now())", connection))
                {
                    await create.ExecuteNonQueryAsync(_stop.Token);
                }

                await using var insert = new NpgsqlCommand("INSERT INTO ticks DEFAULT VALUES", connection);
                while (!_stop.IsCancellationRequested)
                {
                    await insert.ExecuteNonQueryAsync(_stop.Token);
                    await Task.Delay(20, _stop.Token);
                }
            });
        }

        public void Dispose()
        {
            _stop.Cancel();
            try
            {
                _loop.GetAwaiter().GetResult();
            }
            catch (Exception ex) when (ex is OperationCanceledException or NpgsqlException && _stop.IsCancellationRequested)
            {
                // stopped, as asked
            }

            _stop.Dispose();
        }
    }
}

/// <summary>One healthy pair for a test class, started on first use (so a run without root starts none).</summary>
public sealed class PostgresPairFixture : IAsyncLifetime
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private PostgresPair? _pair;

    public async Task<PostgresPair> GetAsync()
    {
        await _gate.WaitAsync();
        try
        {
            return _pair ??= await PostgresPair.StartAsync(ReplicationMode.Asynchronous);
        }
        finally
        {
            _gate.Release();
        }
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_pair != null)
        {
            await _pair.DisposeAsync();
        }

        _gate.Dispose();
    }
}
