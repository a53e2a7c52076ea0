namespace Watchdog.Agent.Configuration;

// The agent's configuration, bound from one JSON file plus WATCHDOG_AGENT__... environment
// overrides. Defaults here are the documented defaults (docs/agent.md); ConfigValidator
// states the allowed ranges. Unknown keys are refused at binding time so a typo cannot
// silently fall back to a default.

/// <summary>The root of the agent configuration.</summary>
public sealed class AgentOptions
{
    /// <summary>Cluster name: the second segment of every topic.</summary>
    public string Cluster { get; set; } = "";

    /// <summary>This server's node name as the board knows it.</summary>
    public string Node { get; set; } = "";

    /// <summary>The group this node belongs to (for roles and events).</summary>
    public string Group { get; set; } = "";

    public HeartbeatOptions Heartbeat { get; set; } = new();
    public RoleInputOptions RoleInput { get; set; } = new();
    public MqttOptions Mqtt { get; set; } = new();
    public BoardOptions Board { get; set; } = new();
    public CommandOptions Commands { get; set; } = new();
    public MetricsOptions Metrics { get; set; } = new();
    public SystemdOptions Systemd { get; set; } = new();
    public List<CheckOptions> Checks { get; set; } = new();

    /// <summary>What a grant does on this server: promote/demote hooks and the virtual IP (docs/failover.md).</summary>
    public Watchdog.Failover.FailoverOptions Failover { get; set; } = new();
}

/// <summary>The heartbeat line the board watches.</summary>
public sealed class HeartbeatOptions
{
    /// <summary>gpio | ft232h | ft4222 | serial | virtual | none.</summary>
    public string Driver { get; set; } = "";

    /// <summary>Full period of the square wave in ms; the line changes level every PeriodMs/2.</summary>
    public int PeriodMs { get; set; } = 200;

    /// <summary>gpio: the gpiochip number (libgpiod).</summary>
    public int Chip { get; set; }

    /// <summary>gpio / ft232h / ft4222 / virtual: the line (pin) number.</summary>
    public int Pin { get; set; } = -1;

    /// <summary>ft232h: pin name such as "D7" or "C0" instead of a number.</summary>
    public string PinName { get; set; } = "";

    /// <summary>ft232h / ft4222: serial number of the adapter; empty takes the first one found.</summary>
    public string SerialNumber { get; set; } = "";

    /// <summary>serial: the port device, e.g. /dev/ttyUSB0.</summary>
    public string Device { get; set; } = "";

    /// <summary>serial: which modem-control output carries the heartbeat: dtr | rts.</summary>
    public string Signal { get; set; } = "dtr";

    /// <summary>virtual: the wire file shared with the simulated board.</summary>
    public string WireFile { get; set; } = "";

    /// <summary>First retry delay after a device error, doubled up to RetryMaxMs.</summary>
    public int RetryMinMs { get; set; } = 1000;

    public int RetryMaxMs { get; set; } = 30000;

    /// <summary>
    /// Linux: the heartbeat thread runs in the real-time round-robin class (SCHED_RR) at this
    /// priority, 1-99, as corosync runs its token thread, so a busy server does not delay its
    /// heartbeat past the board's timeout; 0 keeps normal scheduling. Needs root or CAP_SYS_NICE;
    /// without it the thread runs normally and the agent says so. The thread sleeps between edges,
    /// so it takes microseconds of CPU per edge.
    /// </summary>
    public int RealtimePriority { get; set; } = 10;

    /// <summary>
    /// The heartbeat's flight recorder (EdgeRecorder): a file of the last 1024 edges with their
    /// lateness, kept when the agent is frozen or killed; the one before is kept as .previous.
    /// Empty: none.
    /// </summary>
    public string EdgeRecordFile { get; set; } = "";
}

/// <summary>Where the board's ROLE wire (if any) is read.</summary>
public sealed class RoleInputOptions
{
    /// <summary>none | serial-cts | serial-dsr | gpio | virtual.</summary>
    public string Source { get; set; } = "none";

    /// <summary>serial-*: the port (defaults to Heartbeat.Device when the same adapter carries both).</summary>
    public string Device { get; set; } = "";

    /// <summary>gpio / virtual: pin number; gpio uses Heartbeat.Chip, virtual uses Heartbeat.WireFile.</summary>
    public int Pin { get; set; } = -1;

    /// <summary>True when the wire is active-low (asserted = low).</summary>
    public bool ActiveLow { get; set; }

    public int PollMs { get; set; } = 100;
}

/// <summary>One broker in the ordered list.</summary>
public sealed class BrokerOptions
{
    public string Host { get; set; } = "";
    public int Port { get; set; } = 1883;
    public bool Tls { get; set; }

    /// <summary>PEM file with the CA that signed the broker's certificate; empty uses the system store.</summary>
    public string CaFile { get; set; } = "";
}

public sealed class MqttOptions
{
    public List<BrokerOptions> Brokers { get; set; } = new();

    /// <summary>Client id; defaults to watchdog-agent-&lt;node&gt;. Must be unique (mosquitto kicks duplicates).</summary>
    public string ClientId { get; set; } = "";

    public string Username { get; set; } = "";
    public string Password { get; set; } = "";

    /// <summary>File holding the password (preferred over Password: keeps it out of the config).</summary>
    public string PasswordFile { get; set; } = "";

    public int KeepAliveSeconds { get; set; } = 15;
    public int ConnectTimeoutMs { get; set; } = 5000;

    // A standby takes over only once it is connected (its grant comes over MQTT), so the cap of
    // the back-off bounds what a broker outage adds to a failover that follows it (chaos runs
    // right after a broker loss: takeover 1.0-2.5 s instead of 0.15 s with a 2 s cap). A few
    // clients retrying every 2 s are no load on any broker.
    public int ReconnectMinMs { get; set; } = 200;
    public int ReconnectMaxMs { get; set; } = 2000;

    /// <summary>How often the retained NodeState is re-published even when nothing changed (freshness).</summary>
    public int StatePublishMs { get; set; } = 5000;
}

public sealed class BoardOptions
{
    /// <summary>No grant, request or ROLE-wire change for this long sets BoardLost and raises a warning. 0 disables.</summary>
    public int LostAfterMs { get; set; } = 60000;

    /// <summary>
    /// For a group that spans sites (a site ticket, docs/dr.md): an active that has heard nothing
    /// from its board for this long steps down by itself, because its site may have lost the
    /// ticket without the board being able to say so (the board dead, or cut from this node).
    /// Set it below the ticket's lease - renew + acquire-after, less the demote hooks' time
    /// (`watchdogctl dr check` prints the bound). 0 (the default) disables it: inside a rack an
    /// active keeps its role while the board is silent.
    /// </summary>
    public int DemoteWhenSilentMs { get; set; }

    /// <summary>systemd unit restarted when the board asks (AgentRequest restart-service); empty refuses such requests.</summary>
    public string RestartUnit { get; set; } = "";

    public int RestartTimeoutMs { get; set; } = 60000;

    /// <summary>
    /// File that keeps the highest grant epoch this node has acted on across agent restarts, so a
    /// grant captured earlier and replayed after a restart is refused as stale. Empty: kept in
    /// memory only (an event at start says so).
    /// </summary>
    public string EpochFile { get; set; } = "";
}

public sealed class CommandOptions
{
    /// <summary>Cluster keys: key id to hex-encoded key. Without keys every command is refused.</summary>
    public Dictionary<string, string> Keys { get; set; } = new();

    /// <summary>
    /// The node's key file (format: Watchdog.Protocol.Signing.ClusterKeyFile; mode 0600): operator
    /// keys verify commands; with this node's key and the board keys, grants and requests are
    /// accepted only sealed by a board key, and this node's state and acknowledgements are sealed.
    /// </summary>
    public string KeyFile { get; set; } = "";

    public int ReplayWindow { get; set; } = 256;
    public long MaxClockSkewMs { get; set; } = 30000;
}

public sealed class MetricsOptions
{
    public int IntervalMs { get; set; } = 10000;

    /// <summary>Mount point whose usage is reported as DiskPercent.</summary>
    public string DiskPath { get; set; } = "/";

    /// <summary>Block devices counted for disk I/O (names from /proc/diskstats); empty counts whole disks.</summary>
    public List<string> Disks { get; set; } = new();

    /// <summary>Interfaces counted for traffic; empty counts all but lo.</summary>
    public List<string> Interfaces { get; set; } = new();

    /// <summary>
    /// Where the Prometheus endpoint listens, host:port ("127.0.0.1:9106", "*:9106"); empty (the
    /// default): no endpoint. Names in docs/operations.md, "Metrics".
    /// </summary>
    public string PrometheusListen { get; set; } = "";
}

public sealed class SystemdOptions
{
    /// <summary>Feed systemd's watchdog (WatchdogSec=) when it asks for it through WATCHDOG_USEC.</summary>
    public bool FeedWatchdog { get; set; } = true;
}
