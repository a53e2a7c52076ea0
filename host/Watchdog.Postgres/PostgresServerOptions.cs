namespace Watchdog.Postgres;

/// <summary>Where and as whom one PostgreSQL instance runs.</summary>
public sealed record PostgresServerOptions
{
    /// <summary>
    /// The instance's name: its application_name as a standby (what synchronous_standby_names
    /// lists and pg_stat_replication shows), and the name in error messages.
    /// </summary>
    public required string Name { get; init; }

    /// <summary>PGDATA: created by <see cref="PostgresServer.InitPrimaryAsync"/> or <see cref="PostgresServer.CloneFromAsync"/>.</summary>
    public required string DataDirectory { get; init; }

    /// <summary>Where the server puts its Unix socket (owned by <see cref="OsUser"/>).</summary>
    public required string SocketDirectory { get; init; }

    /// <summary>The TCP port the server listens on.</summary>
    public required int Port { get; init; }

    /// <summary>listen_addresses: 127.0.0.1 in tests, the node's address (or *) in the lab.</summary>
    public string ListenAddress { get; init; } = "127.0.0.1";

    /// <summary>The OS user PostgreSQL runs as: it refuses to run as root.</summary>
    public string OsUser { get; init; } = "postgres";

    /// <summary>
    /// Put in front of every command (e.g. ["ip", "netns", "exec", "ns-web1"] to run the server in
    /// a network namespace); empty to run it here.
    /// </summary>
    public IReadOnlyList<string> CommandPrefix { get; init; } = [];
}
