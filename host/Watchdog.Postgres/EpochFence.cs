using Npgsql;

namespace Watchdog.Postgres;

/// <summary>
/// The watchdog epoch as a fencing token the database checks (recipe/fence.sql, embedded here:
/// one copy of the SQL for this class and for the shell recipe). The promote hook raises the
/// fence to its WATCHDOG_EPOCH; a protected table then refuses any write whose session did not
/// SET watchdog.epoch to at least that.
/// </summary>
/// <remarks>
/// What it stops: a writer still acting for an older epoch (a client, batch job or node that
/// missed a failover) writing into the new primary, or into the old one after it rejoined and
/// replayed the raised fence. What it does not stop: writes into an old primary that still runs
/// unfenced, with its own lower fence; that is the board's power fence's job.
/// </remarks>
public static class EpochFence
{
    /// <summary>The session setting a writer presents its epoch in (SET watchdog.epoch = N).</summary>
    public const string SessionSetting = "watchdog.epoch";

    /// <summary>SQLSTATE of a write refused because the session set no epoch.</summary>
    public const string NoEpochSqlState = "WDF01";

    /// <summary>SQLSTATE of a write refused because the session's epoch is below the fence.</summary>
    public const string StaleEpochSqlState = "WDF02";

    /// <summary>SQLSTATE of a write refused because watchdog.epoch is not a whole number.</summary>
    public const string MalformedEpochSqlState = "WDF03";

    private const string ResourceName = "Watchdog.Postgres.fence.sql";

    private static readonly Lazy<string> Sql = new(ReadSql);

    /// <summary>The installation SQL (recipe/fence.sql): idempotent, run it on the primary.</summary>
    public static string InstallSql => Sql.Value;

    /// <summary>Installs (or updates) schema watchdog: the fence row, raise_fence, check_epoch, protect.</summary>
    public static async Task InstallAsync(NpgsqlConnection connection, CancellationToken ct = default)
    {
        await using var command = new NpgsqlCommand(InstallSql, connection);
        await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    /// <summary>Raises the fence to <paramref name="epoch"/> (never lowers it); returns the fence after the call.</summary>
    public static async Task<long> RaiseAsync(NpgsqlConnection connection, long epoch, CancellationToken ct = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(epoch);
        await using var command = new NpgsqlCommand("SELECT watchdog.raise_fence($1)", connection) { Parameters = { new NpgsqlParameter<long> { TypedValue = epoch } } };
        return (long)(await command.ExecuteScalarAsync(ct).ConfigureAwait(false))!;
    }

    /// <summary>The fence: the highest epoch raised on this database (0 before any promote).</summary>
    public static async Task<long> CurrentAsync(NpgsqlConnection connection, CancellationToken ct = default)
    {
        await using var command = new NpgsqlCommand("SELECT epoch FROM watchdog.fence", connection);
        return (long)(await command.ExecuteScalarAsync(ct).ConfigureAwait(false))!;
    }

    /// <summary>Puts the epoch check on <paramref name="table"/> (a name as SQL would resolve it, e.g. "orders" or "shop.orders").</summary>
    /// <exception cref="ArgumentException">No such table in this database.</exception>
    public static async Task ProtectAsync(NpgsqlConnection connection, string table, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(table);
        await using (var find = new NpgsqlCommand("SELECT to_regclass($1)::text", connection) { Parameters = { new NpgsqlParameter<string> { TypedValue = table } } })
        {
            if (await find.ExecuteScalarAsync(ct).ConfigureAwait(false) is not string)
            {
                throw new ArgumentException($"cannot protect table '{table}': no such table in database '{connection.Database}' (search_path applies)", nameof(table));
            }
        }

        await using var protect = new NpgsqlCommand("SELECT watchdog.protect($1::regclass)", connection) { Parameters = { new NpgsqlParameter<string> { TypedValue = table } } };
        await protect.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    /// <summary>Presents <paramref name="epoch"/> for the rest of this session (what SET watchdog.epoch = N does).</summary>
    public static async Task SetSessionEpochAsync(NpgsqlConnection connection, long epoch, CancellationToken ct = default)
    {
        await using var command = new NpgsqlCommand("SELECT set_config('watchdog.epoch', $1, false)", connection)
        {
            Parameters = { new NpgsqlParameter<string> { TypedValue = epoch.ToString(System.Globalization.CultureInfo.InvariantCulture) } },
        };
        await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    /// <summary>True when <paramref name="error"/> is the fence refusing a write (any of its SQLSTATEs).</summary>
    public static bool IsRefusal(Exception error) =>
        error is PostgresException { SqlState: NoEpochSqlState or StaleEpochSqlState or MalformedEpochSqlState };

    private static string ReadSql()
    {
        using Stream stream = typeof(EpochFence).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"resource {ResourceName} missing from {typeof(EpochFence).Assembly.GetName().Name}: the build embeds recipe/fence.sql");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
