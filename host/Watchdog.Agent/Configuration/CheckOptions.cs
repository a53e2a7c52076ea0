namespace Watchdog.Agent.Configuration;

/// <summary>
/// One health check. Kind picks the probe; the kind-specific keys are listed per kind in
/// docs/agent.md and checked by ConfigValidator (a key that the kind needs and lacks is an error).
/// </summary>
public sealed class CheckOptions
{
    public string Name { get; set; } = "";

    /// <summary>process | systemd-unit | tcp | http | command | carrier | metric | log-file | journal | postgres.</summary>
    public string Kind { get; set; } = "";

    /// <summary>A required check that is failing stops the heartbeat (the board then escalates).</summary>
    public bool Required { get; set; }

    /// <summary>
    /// When Required applies: "always" (the default), or "active": only while this node holds the
    /// active role. For a service that is down on purpose on a standby for minutes at a time (a
    /// database rejoining the new primary: pg_rewind or a clone), a stopped heartbeat would get the
    /// standby reset in the middle of its rejoin, again and again. On a standby the failure is then
    /// reported (health degraded, check-failing) but the heartbeat goes on.
    /// </summary>
    public string RequiredWhen { get; set; } = RequiredWhenWords.Always;

    /// <summary>
    /// A check that gates promotion: while it is failing (or has no result yet) the node reports
    /// itself not ready (NodeState.Ready) and the board never grants it the active role. The
    /// heartbeat goes on, so nothing is reset or fenced for it, and an active keeps its role.
    /// Not together with Required (docs/agent.md).
    /// </summary>
    public bool GatesPromotion { get; set; }

    public int IntervalMs { get; set; } = 5000;
    public int TimeoutMs { get; set; } = 2000;

    /// <summary>Consecutive failures before a passing check is declared failing.</summary>
    public int FailThreshold { get; set; } = 3;

    /// <summary>Consecutive successes before a failing check is declared passing again.</summary>
    public int SuccessThreshold { get; set; } = 2;

    // process
    public string ProcessName { get; set; } = "";
    public string PidFile { get; set; } = "";

    // systemd-unit
    public string Unit { get; set; } = "";

    // tcp, http
    public string Host { get; set; } = "";
    public int Port { get; set; }
    public string Url { get; set; } = "";

    /// <summary>http: accepted status codes; empty accepts 200-399.</summary>
    public List<int> ExpectStatus { get; set; } = new();

    /// <summary>http: slower answers count as failures (application response time); 0 disables.</summary>
    public int MaxLatencyMs { get; set; }

    /// <summary>http: accept a certificate that does not validate (test rigs only).</summary>
    public bool InsecureTls { get; set; }

    // command
    public string Command { get; set; } = "";
    public int ExpectExitCode { get; set; }

    // carrier
    public string Interface { get; set; } = "";

    // metric
    /// <summary>cpu | memory | disk | disk-io | net-rx | net-tx | load1 (percent, bytes/s or load).</summary>
    public string Metric { get; set; } = "";

    /// <summary>metric: the check fails when the value is above Max.</summary>
    public double Max { get; set; } = double.NaN;

    // log-file, journal
    public string Path { get; set; } = "";
    public string Pattern { get; set; } = "";

    /// <summary>log-file / journal: matches within WindowMs that make the check fail.</summary>
    public int MaxMatches { get; set; } = 1;

    public int WindowMs { get; set; } = 60000;

    /// <summary>journal: optional unit filter (journalctl -u).</summary>
    public string JournalUnit { get; set; } = "";

    // postgres (docs/agent.md, "The postgres check")
    /// <summary>postgres: Npgsql connection string of this node's server; the same credentials are used at the primary.</summary>
    public string ConnectionString { get; set; } = "";

    /// <summary>postgres: WAL the primary has that this standby has not replayed (one 16 MiB segment by default).</summary>
    public long MaxLagBytes { get; set; } = 16L * 1024 * 1024;

    /// <summary>postgres: how far replay may be behind in time, counted only while there is WAL to replay.</summary>
    public int MaxLagMs { get; set; } = 10000;

    /// <summary>postgres: a standby is ready only when the primary lists it as its synchronous standby.</summary>
    public bool RequireSync { get; set; }

    /// <summary>postgres: how long the primary's last word counts after it stops answering; 0 = for ever.</summary>
    public int MaxContactAgeMs { get; set; } = 30000;

    /// <summary>postgres: the share of TimeoutMs the question to the primary may take, so a hung primary still leaves time for a verdict.</summary>
    public int PrimaryTimeoutMs { get; set; } = 1000;

    /// <summary>postgres: the name the primary lists this standby under; empty reads it from primary_conninfo, then cluster_name.</summary>
    public string ApplicationName { get; set; } = "";

    public CheckActionOptions Actions { get; set; } = new();
}

/// <summary>What happens when a check turns failing.</summary>
public sealed class CheckActionOptions
{
    /// <summary>Publish an event when the check turns failing and when it recovers.</summary>
    public bool Alert { get; set; } = true;

    /// <summary>Shell command run (sh -c) when the check turns failing; empty for none.</summary>
    public string Remediate { get; set; } = "";

    public int RemediateTimeoutMs { get; set; } = 30000;

    /// <summary>systemd unit restarted (systemctl restart) when the check turns failing; empty for none.</summary>
    public string RestartUnit { get; set; } = "";
}

/// <summary>The words of CheckOptions.RequiredWhen.</summary>
public static class RequiredWhenWords
{
    public const string Always = "always";
    public const string Active = "active";
}
