namespace Watchdog.Postgres;

/// <summary>How a standby's connection to its primary gives up on an address that does not answer.</summary>
public static class ReplicationLink
{
    /// <summary>
    /// libpq options for primary_conninfo (the recipe's rejoin.sh writes the same). connect_timeout
    /// alone is not enough: the walreceiver connects without blocking, where libpq does not apply
    /// it, and a SYN to a virtual IP nobody holds yet is retried for about a minute (one standby
    /// came back to the new primary 64 s late). tcp_user_timeout bounds the SYN's retries too.
    /// </summary>
    public const string ConnectOptions = "connect_timeout=5 tcp_user_timeout=5000";
}
