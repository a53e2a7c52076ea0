using System.Globalization;
using Npgsql;
using Watchdog.Platform.Posix;

namespace Watchdog.Postgres;

/// <summary>How <see cref="PostgresServer.StopAsync"/> stops the server (pg_ctl stop -m).</summary>
public enum StopMode
{
    /// <summary>Rolls back open transactions, writes a shutdown checkpoint: a clean stop.</summary>
    Fast,

    /// <summary>Every process quits at once, no checkpoint; the next start runs crash recovery.</summary>
    Immediate,
}

/// <summary>
/// One PostgreSQL instance for tests and the lab: created with initdb or cloned from a primary,
/// started and stopped with pg_ctl, killed or frozen with signals, promoted, rewound. It runs as
/// its OS user (<see cref="PostgresServerOptions.OsUser"/>) behind its command prefix. Port,
/// listen address and socket directory go on the postmaster's command line, not in
/// postgresql.conf, because a clone copies that file and must keep its own.
/// Authentication is trust for every address: an instance for tests and a lab, never production.
/// </summary>
public sealed partial class PostgresServer : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(180); // crash recovery on a loaded machine
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(120);
    private static readonly TimeSpan ProcessExitTimeout = TimeSpan.FromSeconds(30);

    private readonly PgBinaries _binaries;
    private readonly PgCommand _command;
    private List<int> _frozen = [];

    public PostgresServer(PostgresServerOptions options, PgBinaries? binaries = null)
    {
        OptionsValidation.Check(options);
        Options = options;
        _binaries = binaries ?? PgBinaries.Find();
        _command = new PgCommand(options);
    }

    public PostgresServerOptions Options { get; }

    public string Name => Options.Name;

    /// <summary>Where pg_ctl writes the server's log: next to the data directory, so a clone does not copy it.</summary>
    public string LogFile => Options.DataDirectory.TrimEnd('/') + ".log";

    /// <summary>The postmaster's pid while the server runs, else null.</summary>
    public int? PostmasterPid => PostmasterProcesses.RunningPid(Options.DataDirectory);

    /// <summary>True while the postmaster runs (also when frozen).</summary>
    public bool IsRunning => PostmasterPid is not null;

    /// <summary>An Npgsql connection string over TCP as the postgres superuser, no pooling (a killed server leaves dead pooled connections).</summary>
    public string ConnectionString(string database = "postgres") =>
        new NpgsqlConnectionStringBuilder
        {
            Host = StandbyConfig.ConnectAddress(Options),
            Port = Options.Port,
            Username = "postgres",
            Database = database,
            Pooling = false,
            Timeout = 5,
            CommandTimeout = 30,
            ApplicationName = "watchdog-" + Name,
        }.ConnectionString;

    /// <summary>
    /// Creates a new cluster (initdb) set up to be a primary with streaming standbys, in
    /// <paramref name="mode"/> towards <paramref name="syncStandbyNames"/>. Does not start it.
    /// </summary>
    public async Task InitPrimaryAsync(ReplicationMode mode, IReadOnlyList<string> syncStandbyNames, CancellationToken ct = default)
    {
        string modeSettings = ReplicationSettings.ConfigLines(mode, syncStandbyNames);
        await PrepareDirectoriesAsync(requireEmptyData: true, ct).ConfigureAwait(false);
        await _command.RunAsUserAsync("initdb", _binaries.Path("initdb"),
            ["-D", Options.DataDirectory, "-U", "postgres", "--auth=trust", "--encoding=UTF8", "--locale=C"],
            TimeSpan.FromSeconds(180), ct).ConfigureAwait(false);

        // Appending keeps the files' owner (the OS user); initdb wrote them.
        await File.AppendAllTextAsync(Path.Combine(Options.DataDirectory, "postgresql.conf"), ReplicationSettings.ServerConfig + modeSettings, ct).ConfigureAwait(false);
        await File.AppendAllTextAsync(Path.Combine(Options.DataDirectory, "pg_hba.conf"), ReplicationSettings.HbaLines, ct).ConfigureAwait(false);
    }

    /// <summary>Starts the server and returns once it accepts connections over TCP (a standby: read-only ones).</summary>
    public async Task StartAsync(CancellationToken ct = default)
    {
        if (!IsRunning)
        {
            string serverOptions = string.Join(' ',
                "-p", Options.Port.ToString(CultureInfo.InvariantCulture),
                "-k", Quote(Options.SocketDirectory),
                "-c", "listen_addresses=" + Quote(Options.ListenAddress),
                "-c", "cluster_name=" + Quote(Name)); // shows in ps, so a stray process says whose it is
            try
            {
                await _command.RunAsUserAsync("start", _binaries.Path("pg_ctl"),
                    ["start", "-w", "-t", ((int)StartTimeout.TotalSeconds).ToString(CultureInfo.InvariantCulture), "-D", Options.DataDirectory, "-l", LogFile, "-o", serverOptions],
                    StartTimeout + TimeSpan.FromSeconds(10), ct).ConfigureAwait(false);
            }
            catch (PostgresCommandException e)
            {
                // pg_ctl only says "examine the log output": the reason is in the log.
                throw new PostgresCommandException($"{e.Message}\nlog {LogFile} ends:\n{LogTail()}", e);
            }
        }

        await WaitAcceptingAsync(ct).ConfigureAwait(false);
    }

    /// <summary>Stops the server with pg_ctl and returns once it is down; nothing to do when it is not running.</summary>
    public async Task StopAsync(StopMode mode = StopMode.Fast, CancellationToken ct = default)
    {
        if (!IsRunning)
        {
            return;
        }

        Thaw(); // a frozen postmaster would never answer the stop request
        await _command.RunAsUserAsync("stop", _binaries.Path("pg_ctl"),
            ["stop", "-w", "-t", ((int)StopTimeout.TotalSeconds).ToString(CultureInfo.InvariantCulture), "-m", mode == StopMode.Fast ? "fast" : "immediate", "-D", Options.DataDirectory],
            StopTimeout + TimeSpan.FromSeconds(10), ct).ConfigureAwait(false);
    }

    /// <summary>
    /// SIGKILL to the postmaster and all its children at once, as power loss would end them: no
    /// shutdown checkpoint, no goodbye to clients or standbys. Returns once they are all gone.
    /// </summary>
    public void Kill()
    {
        int pid = PostmasterPid ?? throw new InvalidOperationException($"{Name}: cannot kill: not running (no live postmaster in {Options.DataDirectory}/postmaster.pid)");

        // Stopped first, the postmaster forks no child between the listing and the kill.
        PosixSignals.Send(pid, PosixSignals.SigStop);
        List<int> tree = PostmasterProcesses.Tree(pid);
        PostmasterProcesses.SignalAll(tree, PosixSignals.SigKill);
        _frozen = [];
        if (!WaitGone(tree, ProcessExitTimeout))
        {
            throw new InvalidOperationException($"{Name}: processes {string.Join(", ", tree.Where(PostmasterProcesses.IsAlive))} still alive {ProcessExitTimeout.TotalSeconds} s after SIGKILL");
        }

        // Dead is not yet reaped: the postmaster stays a zombie until its parent (whoever
        // inherited it from pg_ctl) waits for it, and a zombie's pid still answers kill(pid, 0),
        // which the next start's lock-file check (or pg_rewind's crash recovery) would take for
        // a live postmaster. The lock files (data directory and socket) go, with the shared
        // memory they name; after a real power loss they would be stale in the same way.
        SharedMemory.RemoveLeftoverAsync(Options.DataDirectory).GetAwaiter().GetResult();
        File.Delete(Path.Combine(Options.DataDirectory, "postmaster.pid"));
        File.Delete(Path.Combine(Options.SocketDirectory, $".s.PGSQL.{Options.Port}.lock"));
    }

    /// <summary>SIGSTOP to the postmaster and all its children: the server hangs, its sockets stay open.</summary>
    public void Freeze()
    {
        int pid = PostmasterPid ?? throw new InvalidOperationException($"{Name}: cannot freeze: not running");
        PosixSignals.Send(pid, PosixSignals.SigStop); // first, so it forks nothing while its children are listed
        _frozen = PostmasterProcesses.Tree(pid);
        PostmasterProcesses.SignalAll(_frozen, PosixSignals.SigStop);
    }

    /// <summary>SIGCONT to the processes <see cref="Freeze"/> stopped; nothing when none are frozen.</summary>
    public void Thaw()
    {
        PostmasterProcesses.SignalAll(_frozen, PosixSignals.SigCont);
        _frozen = [];
    }

    /// <summary>True when the server is out of recovery (a primary), false for a standby.</summary>
    public async Task<bool> IsInRecoveryAsync(CancellationToken ct = default) =>
        await QueryAsync<bool>("SELECT pg_is_in_recovery()", ct).ConfigureAwait(false);

    /// <summary>Runs one query returning one value on this server (database postgres).</summary>
    public async Task<T> QueryAsync<T>(string sql, CancellationToken ct = default)
    {
        await using var connection = new NpgsqlConnection(ConnectionString());
        await connection.OpenAsync(ct).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(sql, connection);
        object? value = await command.ExecuteScalarAsync(ct).ConfigureAwait(false);
        return value is T typed ? typed : throw new InvalidOperationException($"{Name}: '{sql}' returned {value ?? "null"}, not a {typeof(T).Name}");
    }

    /// <summary>Runs SQL that returns nothing (one or more statements, autocommit) on this server (database postgres).</summary>
    public async Task ExecuteAsync(string sql, CancellationToken ct = default)
    {
        await using var connection = new NpgsqlConnection(ConnectionString());
        await connection.OpenAsync(ct).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Ends the instance for good: thaws it and stops it at once (immediate), falling back to
    /// SIGKILL; removes the shared memory a killed postmaster leaves. The files stay (the caller's).
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        Thaw();
        if (IsRunning)
        {
            try
            {
                await StopAsync(StopMode.Immediate).ConfigureAwait(false);
            }
            catch (PostgresCommandException) when (IsRunning)
            {
                Kill();
            }
        }

        await SharedMemory.RemoveLeftoverAsync(Options.DataDirectory).ConfigureAwait(false);
    }

    public override string ToString() => $"{Name} ({StandbyConfig.ConnectAddress(Options)}:{Options.Port}, {Options.DataDirectory})";

    /// <summary>Polls pg_isready until the server accepts connections; the error carries the log's tail.</summary>
    private async Task WaitAcceptingAsync(CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + StartTimeout;
        string[] arguments = ["-h", StandbyConfig.ConnectAddress(Options), "-p", Options.Port.ToString(CultureInfo.InvariantCulture), "-t", "2"];
        while (true)
        {
            var outcome = await _command.TryRunAsUserAsync(_binaries.Path("pg_isready"), arguments, TimeSpan.FromSeconds(10), ct).ConfigureAwait(false);
            if (outcome.Succeeded)
            {
                return;
            }

            if (DateTime.UtcNow > deadline || !IsRunning)
            {
                throw new PostgresCommandException(
                    $"{Name}: not accepting connections on port {Options.Port} ({(IsRunning ? $"still, after {StartTimeout.TotalSeconds} s" : "the postmaster exited")}): " +
                    $"pg_isready: {outcome.Stdout.Trim()}; log {LogFile} ends:\n{LogTail()}");
            }

            await Task.Delay(200, ct).ConfigureAwait(false);
        }
    }

    /// <summary>The last lines of the server log, for error messages (a failed start says why only there).</summary>
    internal string LogTail(int lines = 15)
    {
        try
        {
            return string.Join('\n', File.ReadLines(LogFile).TakeLast(lines));
        }
        catch (IOException e)
        {
            return $"(cannot read it: {e.Message})";
        }
    }

    private async Task PrepareDirectoriesAsync(bool requireEmptyData, CancellationToken ct)
    {
        if (requireEmptyData && Directory.Exists(Options.DataDirectory) && Directory.EnumerateFileSystemEntries(Options.DataDirectory).Any())
        {
            throw new InvalidOperationException($"{Name}: data directory {Options.DataDirectory} is not empty; give a new one, or delete it first");
        }

        await _command.EnsureOwnedDirectoryAsync(Options.DataDirectory, ct).ConfigureAwait(false);
        await _command.EnsureOwnedDirectoryAsync(Options.SocketDirectory, ct).ConfigureAwait(false);
        await _command.EnsureOwnedFileAsync(LogFile, ct).ConfigureAwait(false);
    }

    private static bool WaitGone(List<int> pids, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (pids.Any(PostmasterProcesses.IsAlive))
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }

            Thread.Sleep(20);
        }

        return true;
    }

    /// <summary>Quotes for the shell pg_ctl passes -o through (values are checked to hold no quote).</summary>
    private static string Quote(string value) => "'" + value + "'";
}
