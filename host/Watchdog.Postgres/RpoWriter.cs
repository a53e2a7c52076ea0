using Npgsql;

namespace Watchdog.Postgres;

/// <summary>
/// The measuring client: writes numbered rows, one autocommit INSERT at a time, and records each
/// acknowledged one with its wall time, so that after a fault <see cref="RpoReport"/> can count
/// the acknowledged rows the new primary lacks. Like an application, it reconnects after any
/// error (connect timeout 1 s, command timeout 2 s) and carries on with the next number: a row
/// whose INSERT failed is never retried, because it may have committed anyway.
/// </summary>
public sealed class RpoWriter : IAsyncDisposable
{
    /// <summary>The table the rows go to (<see cref="CreateTableAsync"/>).</summary>
    public const string Table = "watchdog_rpo";

    /// <summary>After a failed attempt: "connection refused" is instant, and a tight loop would starve a 2-core machine.</summary>
    private static readonly TimeSpan RetryPause = TimeSpan.FromMilliseconds(50);

    private readonly string _connectionString;
    private readonly Func<long>? _epoch;
    private readonly List<RpoAck> _acked = [];
    private readonly List<RpoError> _errors = [];
    private readonly CancellationTokenSource _stop = new();
    private Task? _loop;
    private long _ackedCount;
    private long _lastN;

    /// <param name="connectionString">Where to write: one host (the virtual IP) or several; timeouts and pooling are set here.</param>
    /// <param name="epoch">The epoch to present (SET watchdog.epoch), read before every row; null to present none.</param>
    public RpoWriter(string connectionString, Func<long>? epoch = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        var builder = new NpgsqlConnectionStringBuilder(connectionString)
        {
            Timeout = 1,
            CommandTimeout = 2,
            CancellationTimeout = 1000,

            // Every reconnect must find the primary anew: a pooled connection may lead to the old one.
            Pooling = false,
        };

        if ((builder.Host ?? "").Contains(',', StringComparison.Ordinal))
        {
            // With several hosts: skip the standbys, and look again at every connect (Npgsql
            // would otherwise trust a host's role for 10 s, and a promotion would look that slow).
            builder.TargetSessionAttributes ??= "read-write";
            builder.HostRecheckSeconds = 0;
        }

        _connectionString = builder.ConnectionString;
        _epoch = epoch;
    }

    /// <summary>Rows acknowledged so far (a live count, for waiting until writes flow).</summary>
    public long AckedCount => Interlocked.Read(ref _ackedCount);

    /// <summary>Waits until <paramref name="count"/> rows are acknowledged; false when <paramref name="timeout"/> passed first.</summary>
    public async Task<bool> WaitForAckedAsync(long count, TimeSpan timeout, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (AckedCount < count)
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }

            // The writer raises no event per row; its count is read every 20 ms (a row takes ~1-5 ms).
            await Task.Delay(20, ct).ConfigureAwait(false);
        }

        return true;
    }

    /// <summary>Creates the table (n primary key, the epoch presented, the server's time of the write) if it is missing.</summary>
    public static async Task CreateTableAsync(string connectionString, CancellationToken ct = default)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(
            $"CREATE TABLE IF NOT EXISTS {Table} (n bigint PRIMARY KEY, epoch bigint NOT NULL, written_at timestamptz NOT NULL)", connection);
        await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    /// <summary>Starts writing in the background.</summary>
    public void Start()
    {
        if (_loop is not null)
        {
            throw new InvalidOperationException("this RpoWriter was started already; use a new one per run");
        }

        _loop = Task.Run(() => WriteLoopAsync(_stop.Token));
    }

    /// <summary>Stops after the INSERT in flight (at most a command timeout) and returns what was seen.</summary>
    public async Task<RpoLog> StopAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_loop is not null)
        {
            await _loop.ConfigureAwait(false);
        }

        return new RpoLog([.. _acked], [.. _errors], _lastN);
    }

    /// <summary>The blocking form of <see cref="StopAsync"/>.</summary>
    public RpoLog Stop() => StopAsync().GetAwaiter().GetResult();

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _stop.Dispose();
    }

    private async Task WriteLoopAsync(CancellationToken stop)
    {
        NpgsqlConnection? connection = null;
        long? sessionEpoch = null;
        bool syncWaitCancelled = false;
        try
        {
            while (!stop.IsCancellationRequested)
            {
                long n = ++_lastN;
                long epoch = _epoch?.Invoke() ?? 0;
                string step = "connect";
                try
                {
                    if (connection is null)
                    {
                        connection = new NpgsqlConnection(_connectionString);
                        connection.Notice += (_, e) => syncWaitCancelled |= IsSyncWaitCancelled(e.Notice);
                        sessionEpoch = null;
                        await connection.OpenAsync(stop).ConfigureAwait(false);
                    }

                    if (_epoch is not null && sessionEpoch != epoch)
                    {
                        step = "set epoch";
                        await EpochFence.SetSessionEpochAsync(connection, epoch, stop).ConfigureAwait(false);
                        sessionEpoch = epoch;
                    }

                    step = "insert";
                    syncWaitCancelled = false;
                    await InsertAsync(connection, n, epoch, stop).ConfigureAwait(false);
                    if (syncWaitCancelled)
                    {
                        // The server says: committed here, perhaps not on the standby. Not an ack a
                        // synchronous setup promises, so it is not counted as one.
                        _errors.Add(new RpoError(n, NowMs(), "insert: committed locally only: the synchronous replication wait was cancelled"));
                        continue;
                    }

                    _acked.Add(new RpoAck(n, epoch, NowMs()));
                    Interlocked.Increment(ref _ackedCount);
                }
                catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException && !stop.IsCancellationRequested)
                {
                    _errors.Add(new RpoError(n, NowMs(), $"{step}: {Describe(e)}"));
                    await DropAsync(connection).ConfigureAwait(false);
                    connection = null;
                    await Task.Delay(RetryPause, CancellationToken.None).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Stopped while an INSERT was in flight: its fate is unknown, like any failed one.
        }
        catch (Exception e) when (stop.IsCancellationRequested && e is NpgsqlException or InvalidOperationException)
        {
            // The cancellation interrupted the connection mid-command.
        }
        finally
        {
            await DropAsync(connection).ConfigureAwait(false);
        }
    }

    private static async Task InsertAsync(NpgsqlConnection connection, long n, long epoch, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand($"INSERT INTO {Table} (n, epoch, written_at) VALUES ($1, $2, now())", connection)
        {
            Parameters = { new NpgsqlParameter<long> { TypedValue = n }, new NpgsqlParameter<long> { TypedValue = epoch } },
        };
        await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    /// <summary>
    /// PostgreSQL's WARNING when a commit's wait for its synchronous standby is cancelled (our
    /// command timeout sends the cancel): the commit then returns success, though not replicated.
    /// </summary>
    private static bool IsSyncWaitCancelled(PostgresNotice notice) =>
        notice.MessageText.Contains("wait for synchronous replication", StringComparison.Ordinal);

    private static string Describe(Exception e) =>
        e is PostgresException pg ? $"{pg.SqlState}: {pg.MessageText}" : e.InnerException is null ? e.Message : $"{e.Message} ({e.InnerException.Message})";

    private static async Task DropAsync(NpgsqlConnection? connection)
    {
        if (connection is not null)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static long NowMs() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
}
