namespace Watchdog.Postgres;

/// <summary>The configuration text a primary (and, by copy, each clone) gets, and the mode's two settings.</summary>
internal static class ReplicationSettings
{
    /// <summary>Appended to postgresql.conf by initdb's caller; clones inherit it with the files.</summary>
    public const string ServerConfig = """

        # --- Watchdog.Postgres: streaming replication with failover ---
        wal_level = replica
        # pg_rewind needs every change to a page after a checkpoint in the WAL (or data checksums).
        wal_log_hints = on
        max_wal_senders = 10
        max_replication_slots = 10
        # Without slots, a standby that was down for a while catches up from what the primary kept.
        wal_keep_size = '512MB'
        hot_standby = on
        # Standbys report their positions every second, so lag is visible at that grain.
        wal_receiver_status_interval = '1s'
        hot_standby_feedback = on
        # A primary that vanished without closing its connections (its virtual IP removed before
        # it stopped) is noticed within this, not the default 60 s: the standby then follows
        # whichever primary answers next. It asks for a reply at half of it, so an idle but live
        # primary is not taken for gone.
        wal_receiver_timeout = '5s'
        # Small: several instances share a test machine.
        shared_buffers = '32MB'
        # Dynamic shared memory in files under the data directory, which goes with the instance:
        # the default puts it in /dev/shm, where an instance killed mid-test (as the lab's faults
        # do) leaves its segments behind until the machine's memory is full of them.
        dynamic_shared_memory_type = mmap
        max_connections = 50
        log_line_prefix = '%m [%p] %q%a '

        """;

    /// <summary>Trust from anywhere, for clients and replication: a test and lab setting only.</summary>
    public const string HbaLines = """

        # --- Watchdog.Postgres: test and lab instances only ---
        host    all             all             0.0.0.0/0               trust
        host    replication     all             0.0.0.0/0               trust

        """;

    /// <summary>synchronous_standby_names for <paramref name="mode"/>: empty when asynchronous.</summary>
    public static string StandbyNames(ReplicationMode mode, IReadOnlyList<string> syncStandbyNames)
    {
        ArgumentNullException.ThrowIfNull(syncStandbyNames);
        if (mode == ReplicationMode.Asynchronous)
        {
            return "";
        }

        if (mode != ReplicationMode.Synchronous)
        {
            throw new ArgumentOutOfRangeException(nameof(mode), mode, "not a ReplicationMode");
        }

        if (syncStandbyNames.Count == 0)
        {
            throw new ArgumentException("synchronous mode needs at least one standby name (its application_name) to wait for", nameof(syncStandbyNames));
        }

        foreach (string name in syncStandbyNames)
        {
            if (name is null || !OptionsValidation.IsValidName(name))
            {
                throw new ArgumentException($"standby name '{name}' is not a usable application_name: use 1 to 63 letters, digits, '_', '-' or '.'", nameof(syncStandbyNames));
            }
        }

        // FIRST 1: the first listed standby that is connected and streaming is the synchronous one;
        // the others are potential ones that take over when it goes. Names quoted as identifiers.
        return "FIRST 1 (" + string.Join(", ", syncStandbyNames.Select(n => "\"" + n + "\"")) + ")";
    }

    /// <summary>The mode as postgresql.conf lines (single quotes doubled for the file's string syntax).</summary>
    public static string ConfigLines(ReplicationMode mode, IReadOnlyList<string> syncStandbyNames) =>
        $"synchronous_commit = on\nsynchronous_standby_names = '{StandbyNames(mode, syncStandbyNames).Replace("'", "''", StringComparison.Ordinal)}'\n";
}
