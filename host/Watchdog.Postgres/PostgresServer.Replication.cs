using System.Diagnostics;
using System.Globalization;
using Npgsql;

namespace Watchdog.Postgres;

/// <summary>How an old primary came back as a standby.</summary>
public enum RejoinMethod
{
    /// <summary>pg_rewind took back the writes the new primary never saw and kept the rest.</summary>
    Rewound,

    /// <summary>pg_rewind could not; the data directory was replaced by a fresh pg_basebackup.</summary>
    Cloned,
}

/// <summary>What <see cref="PostgresServer.RewindFromAsync"/> did, why, and how long it took.</summary>
public sealed record RejoinResult(RejoinMethod Method, string Detail, TimeSpan Took);

public sealed partial class PostgresServer
{
    private static readonly TimeSpan CopyTimeout = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan PromoteTimeout = TimeSpan.FromSeconds(120);

    /// <summary>
    /// Makes this (stopped, new or empty) instance a standby of <paramref name="primary"/>:
    /// pg_basebackup, then standby.signal and primary_conninfo with application_name = <see cref="Name"/>.
    /// Does not start it.
    /// </summary>
    public async Task CloneFromAsync(PostgresServer primary, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(primary);
        await PrepareDirectoriesAsync(requireEmptyData: true, ct).ConfigureAwait(false);

        // Its own application_name: under the standby's name, the backup's WAL stream could be
        // taken for the synchronous standby and release commits nobody else has.
        string backupConnInfo = StandbyConfig.PrimaryConnInfo(primary.Options, Name + "-basebackup");
        await _command.RunAsUserAsync($"clone from {primary.Name}", _binaries.Path("pg_basebackup"),
            ["-D", Options.DataDirectory, "-d", backupConnInfo, "--wal-method=stream", "--checkpoint=fast", "--no-password"],
            CopyTimeout, ct).ConfigureAwait(false);
        await BecomeStandbyOfAsync(primary, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Brings this old primary back as a standby of <paramref name="source"/> (the new primary):
    /// stops it if it runs, then pg_rewind (which first runs crash recovery when it was killed);
    /// when rewind fails, a fresh clone. Then standby.signal and primary_conninfo. Does not start it.
    /// </summary>
    public async Task<RejoinResult> RewindFromAsync(PostgresServer source, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        var clock = Stopwatch.StartNew();
        await StopAsync(StopMode.Fast, ct).ConfigureAwait(false);

        // A just-promoted source writes its new timeline into pg_control only at the end-of-
        // recovery checkpoint, which runs in the background; pg_rewind reads pg_control and
        // would see no divergence ("same timeline") and leave the old history in place.
        await source.ExecuteAsync("CHECKPOINT", ct).ConfigureAwait(false);
        string sourceServer = $"host={StandbyConfig.ConnectAddress(source.Options)} port={source.Options.Port} user=postgres dbname=postgres connect_timeout=10";
        var rewind = await _command.TryRunAsUserAsync(_binaries.Path("pg_rewind"),
            ["--target-pgdata=" + Options.DataDirectory, "--source-server=" + sourceServer], CopyTimeout, ct).ConfigureAwait(false);
        if (rewind.Succeeded)
        {
            await BecomeStandbyOfAsync(source, ct).ConfigureAwait(false);
            return new RejoinResult(RejoinMethod.Rewound, "pg_rewind: " + LastLine(rewind.Stdout + "\n" + rewind.Stderr), clock.Elapsed);
        }

        string why = $"pg_rewind {rewind.Describe(CopyTimeout)}: {LastLine(rewind.Stderr + "\n" + rewind.Stdout)}";
        Directory.Delete(Options.DataDirectory, recursive: true);
        await CloneFromAsync(source, ct).ConfigureAwait(false);
        return new RejoinResult(RejoinMethod.Cloned, why + "; cloned instead", clock.Elapsed);
    }

    /// <summary>Promotes this standby (pg_ctl promote) and returns once it is out of recovery and takes writes.</summary>
    public async Task PromoteAsync(CancellationToken ct = default)
    {
        await _command.RunAsUserAsync("promote", _binaries.Path("pg_ctl"),
            ["promote", "-w", "-t", ((int)PromoteTimeout.TotalSeconds).ToString(CultureInfo.InvariantCulture), "-D", Options.DataDirectory],
            PromoteTimeout + TimeSpan.FromSeconds(10), ct).ConfigureAwait(false);

        // pg_ctl saw the state change in postmaster.pid; confirm the way a client sees it.
        await WaitForAsync("out of recovery", async () => !await IsInRecoveryAsync(ct).ConfigureAwait(false), PromoteTimeout, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Sets synchronous_standby_names (and synchronous_commit = on) with ALTER SYSTEM, reloads, and
    /// returns once a new session sees the new value. The checkpointer, which tells committing
    /// backends whether to wait, applies it on the same reload, moments later.
    /// </summary>
    public async Task SetReplicationModeAsync(ReplicationMode mode, IReadOnlyList<string> syncStandbyNames, CancellationToken ct = default)
    {
        string names = ReplicationSettings.StandbyNames(mode, syncStandbyNames);
        await using (var connection = new NpgsqlConnection(ConnectionString()))
        {
            await connection.OpenAsync(ct).ConfigureAwait(false);

            // ALTER SYSTEM takes no parameters; the names were checked to hold no quote.
            foreach (string sql in new[] { $"ALTER SYSTEM SET synchronous_standby_names = '{names}'", "ALTER SYSTEM SET synchronous_commit = 'on'", "SELECT pg_reload_conf()" })
            {
                await using var command = new NpgsqlCommand(sql, connection);
                await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            }
        }

        await WaitForAsync($"synchronous_standby_names = '{names}'",
            async () => await QueryAsync<string>("SHOW synchronous_standby_names", ct).ConfigureAwait(false) == names,
            TimeSpan.FromSeconds(30), ct).ConfigureAwait(false);
    }

    /// <summary>
    /// synchronous_standby_names for <paramref name="mode"/> towards <paramref name="names"/> (their
    /// application_names): 'FIRST 1 ("a", "b")', or empty when asynchronous. Checked like
    /// <see cref="InitPrimaryAsync"/> checks it.
    /// </summary>
    public static string SynchronousStandbyNames(ReplicationMode mode, IReadOnlyList<string> names) =>
        ReplicationSettings.StandbyNames(mode, names);

    private async Task BecomeStandbyOfAsync(PostgresServer primary, CancellationToken ct)
    {
        string[] written = StandbyConfig.Write(Options.DataDirectory, StandbyConfig.PrimaryConnInfo(primary.Options, Name));
        await _command.ChownAsync(written, ct).ConfigureAwait(false);
    }

    /// <summary>Polls <paramref name="condition"/> (a connection error counts as not yet) until it holds; throws naming <paramref name="what"/>.</summary>
    private async Task WaitForAsync(string what, Func<Task<bool>> condition, TimeSpan timeout, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + timeout;
        string last = "";
        while (true)
        {
            try
            {
                if (await condition().ConfigureAwait(false))
                {
                    return;
                }

                last = "not yet";
            }
            catch (NpgsqlException e)
            {
                last = e.Message;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{Name}: not {what} within {timeout.TotalSeconds} s (last check: {last}); log {LogFile} ends:\n{LogTail()}");
            }

            await Task.Delay(100, ct).ConfigureAwait(false);
        }
    }

    private static string LastLine(string output) =>
        output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? "(no output)";
}
