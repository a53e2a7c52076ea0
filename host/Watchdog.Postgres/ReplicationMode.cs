namespace Watchdog.Postgres;

/// <summary>How a primary waits for its standbys before a commit returns.</summary>
public enum ReplicationMode
{
    /// <summary>
    /// A commit returns once it is on the primary's disk; a standby may lag, so a failover can
    /// lose the last acknowledged commits (the RPO the lab measures).
    /// </summary>
    Asynchronous,

    /// <summary>
    /// synchronous_commit = on and synchronous_standby_names = 'FIRST 1 (names)': a commit
    /// returns only once the first listed standby that is connected has it on disk, so promoting
    /// that standby loses no acknowledged commit. With no listed standby connected, commits wait.
    /// </summary>
    Synchronous,
}
