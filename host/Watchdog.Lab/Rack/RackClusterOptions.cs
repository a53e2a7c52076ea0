using Watchdog.Firmware.Core.Config;
using Watchdog.Operator.Broker;
using Watchdog.Postgres;

namespace Watchdog.Lab.Rack;

/// <summary>Which broker a rack cluster runs against.</summary>
public enum BrokerKind
{
    /// <summary>MQTTnet's embedded server, in-process: the demo needs nothing installed.</summary>
    Embedded,

    /// <summary>A real mosquitto process: what tests and the bench use (with users and ACL unless SecureBroker is false).</summary>
    Mosquitto,
}

/// <summary>
/// The shape of a rack cluster: one board, two servers (web1 on s1 preferred, web2 on s2) in an
/// active-standby group behind a virtual IP, each running a real agent and a tiny service.
/// </summary>
public sealed record RackClusterOptions
{
    public string Cluster { get; init; } = "demo";

    public string Group { get; init; } = "web";

    public IReadOnlyList<string> Nodes { get; init; } = ["web1", "web2"];

    /// <summary>
    /// How many active-standby groups of two servers the rack runs, each behind its own virtual IP
    /// with its own service: 1 (the default: <see cref="Group"/> of <see cref="Nodes"/>) to
    /// <see cref="MaxGroups"/>. The first group is always <see cref="Group"/> of <see cref="Nodes"/>;
    /// group k (2..) is "g<i>k</i>" of g<i>k</i>a and g<i>k</i>b (<see cref="RackGroups"/>).
    /// </summary>
    public int GroupCount { get; init; } = 1;

    /// <summary>The virtual rack's pin map wires eight servers (s1..s8): four groups of two.</summary>
    public const int MaxGroups = 4;

    /// <summary>Every group of the rack with its members, in channel order (s1, s2 the first group's).</summary>
    public IReadOnlyList<RackGroupSpec> RackGroups => GroupCount is >= 1 and <= MaxGroups
        ? [new RackGroupSpec(Group, Nodes), .. Enumerable.Range(2, GroupCount - 1).Select(k => new RackGroupSpec($"g{k}", [$"g{k}a", $"g{k}b"]))]
        : throw new ArgumentOutOfRangeException(nameof(GroupCount), GroupCount, $"a rack runs 1 to {MaxGroups} groups of two servers (the virtual pin map wires s1..s8)");

    /// <summary>Every server of the rack, group by group (= <see cref="Nodes"/> with one group).</summary>
    public IReadOnlyList<string> AllNodes => [.. RackGroups.SelectMany(g => g.Nodes)];

    /// <summary>The group <paramref name="node"/> belongs to.</summary>
    public RackGroupSpec GroupOf(string node) =>
        RackGroups.FirstOrDefault(g => g.Nodes.Contains(node)) ?? throw new ArgumentException($"no group of the rack has a member '{node}' (members: {string.Join(", ", AllNodes)})", nameof(node));

    /// <summary>Heartbeat period in ms; detection timeout is three periods, the minimum the core accepts.</summary>
    public int HeartbeatPeriodMs { get; init; } = 50;

    /// <summary>The board's tick; <see cref="TickFor"/> the period is what the bench runs.</summary>
    public int TickMs { get; init; } = 10;

    /// <summary>
    /// The board tick for a heartbeat period: a quarter of it, between 5 ms (the board's floor)
    /// and 10 ms. A 10 ms tick times a 150 ms timeout to within 7 % but a 30 ms one (a 10 ms
    /// period) only to a third, and the board refuses a tick above half the period; 50 ms keeps
    /// its 10 ms tick, 20 ms and 10 ms get 5 ms.
    /// </summary>
    public static int TickFor(int heartbeatPeriodMs) => Math.Clamp(heartbeatPeriodMs / 4, 5, 10);

    /// <summary>
    /// Time between the client probe's connection attempts on each virtual IP, in ms (default 20).
    /// An RTO is measured to the first answer, so it carries up to one interval of the probe's own
    /// resolution; the bench's --probe-ms sets it for our rack and keepalived's pair alike.
    /// </summary>
    public double ProbeIntervalMs { get; init; } = DefaultProbeIntervalMs;

    public const double DefaultProbeIntervalMs = 20;

    /// <summary>The board's tick statistics line every this many ms (its --stats-interval-ms); null: the board's default (a minute).</summary>
    public int? BoardStatsIntervalMs { get; init; }

    public BrokerKind Broker { get; init; } = BrokerKind.Embedded;

    /// <summary>
    /// With <see cref="BrokerKind.Mosquitto"/>: the broker runs the configuration `watchdogctl
    /// broker config` writes for the rack (no anonymous clients, one user per board, agent and
    /// operator, the ACL; <see cref="RackBrokerUsers"/>), and every client logs in as its user.
    /// The default: it costs the broker at most 0.01 ms a message and 0.3 ms a connection, and the
    /// failover nothing measurable (docs/benchmarks.md). False lets every client in anonymously.
    /// The embedded broker has no users and always lets every client in, whatever this says.
    /// </summary>
    public bool SecureBroker { get; init; } = true;

    /// <summary>False runs servers as plain processes on loopback (no VIP, no link faults).</summary>
    public bool UseNamespaces { get; init; } = true;

    /// <summary>Automatic failback after this many ms of stable health; 0 means manual failback.</summary>
    public int FailbackStableMs { get; init; }

    /// <summary>Where progress lines go (stderr by default; the demo's live view replaces them).</summary>
    public TextWriter Log { get; init; } = Console.Error;

    /// <summary>Keep the rack's folder (configs, wire file, every process's log) after the run; also WATCHDOG_KEEP_RACK=1.</summary>
    public bool KeepDirectory { get; init; } = Environment.GetEnvironmentVariable("WATCHDOG_KEEP_RACK") == "1";

    /// <summary>
    /// A published agent executable (NativeAOT: `dotnet publish host/Watchdog.Agent -c Release
    /// -r linux-x64`), as servers run it in production. Null runs the JIT build next to
    /// watchdogctl (`dotnet Watchdog.Agent.dll`), whose first promote pays for compiling its path.
    /// </summary>
    public string? AgentExecutable { get; init; }

    /// <summary>
    /// A published board executable (NativeAOT: `dotnet publish firmware/Watchdog.Board -c Release
    /// -r linux-x64 -p:PublishAot=true`). Null runs the JIT build next to watchdogctl
    /// (`dotnet Watchdog.Board.dll`).
    /// </summary>
    public string? BoardExecutable { get; init; }

    /// <summary>The group's network_failure policy: demote (the core's default) or fence (hold an active that lost every link at once).</summary>
    public NetworkFailurePolicy NetworkFailure { get; init; } = NetworkFailurePolicy.Demote;

    /// <summary>
    /// What runs behind the virtual IP: the node-name service alone (the default), or with it
    /// PostgreSQL 15 streaming replication that the agents fail over with the recipe's hooks
    /// (<see cref="RackPostgres"/>, docs/postgres.md). The VIP probe (RTO) keeps reading the
    /// node-name service either way; the database's own outage is the RPO writer's write_outage_ms.
    /// </summary>
    public RackService Service { get; init; } = RackService.Http;

    /// <summary>
    /// With <see cref="RackService.Postgres"/>: synchronous (the default; a commit returns once the
    /// standby has it, so a failover loses no acknowledged row) or asynchronous replication. Either
    /// way a promoted standby clears synchronous_standby_names (the hooks' promoted mode async),
    /// so the new primary takes writes while the old one is fenced; the old one re-arms it when it
    /// streams again as a standby. Meanwhile the lone primary's commits are on one machine only.
    /// </summary>
    public ReplicationMode PostgresMode { get; init; } = ReplicationMode.Synchronous;

    /// <summary>The TCP port of the service behind the virtual IP.</summary>
    public int ServicePort { get; init; } = 7070;

    /// <summary>
    /// False leaves the agents uninstalled at start (a rack wired and flashed before the agents
    /// are installed): the servers run their service only, and RackCluster.InstallAgent adds one.
    /// </summary>
    public bool InstallAgents { get; init; } = true;

    /// <summary>
    /// Boards watching the servers: 1 (rack1 alone, always the authority) or 2, a pair: rack1
    /// (preferred) and rack1-b with heartbeat wires, reset lines and a data link between them
    /// (docs: "two boards, one authority"). Both watch the same servers over fanned-out wires.
    /// </summary>
    public int Boards { get; init; } = 1;

    /// <summary>Mosquitto's port on the rack's host address; 0 picks a free one (the embedded broker always does). A bridged site's peer must know it before this broker starts.</summary>
    public int BrokerPort { get; init; }

    /// <summary>
    /// With the secure mosquitto: other sites whose brokers bridge their status into this one, each
    /// with the password of its user bridge-&lt;cluster&gt; (Watchdog.Lab.Sites.VirtualSites sets them).
    /// </summary>
    public IReadOnlyList<BridgePeerLogin> BridgePeers { get; init; } = [];

    /// <summary>Further addresses the secure mosquitto listens on, at the same port (another site's bridge comes in on one of its own).</summary>
    public IReadOnlyList<string> BrokerAlsoListensOn { get; init; } = [];

    /// <summary>With the secure mosquitto: this broker's bridges to other sites' brokers (<see cref="BrokerBridge"/>).</summary>
    public IReadOnlyList<BridgeTarget> Bridges { get; init; } = [];

    /// <summary>
    /// A DR site (Watchdog.Lab.Sites.TicketedSites): the board keeps the site ticket
    /// (`--dr`, `--site`), the group is marked "site_ticket", the agents step down when their
    /// board is silent. Null: a rack of its own, no ticket.
    /// </summary>
    public RackDrSite? DrSite { get; init; }

    /// <summary>
    /// With <see cref="RackService.Postgres"/> at one of two DR sites: the other site's database
    /// and network (Watchdog.Lab.Sites.VirtualSites sets it). Null: the rack's database replicates
    /// within the rack only.
    /// </summary>
    public RackPostgresSite? PostgresSite { get; init; }
}

/// <summary>One active-standby group of the rack: its name and its two members.</summary>
public sealed record RackGroupSpec(string Name, IReadOnlyList<string> Nodes);

/// <summary>
/// How a rack's PostgreSQL joins the other site's: one database across both sites, every member
/// streaming directly from whichever member is primary, at either site's virtual IP.
/// </summary>
/// <param name="PeerSubnet">The other site's rack subnet: each server routes it through its own host address (the inter-site link).</param>
/// <param name="PeerVip">The other site's virtual IP: where the primary answers while that site holds the ticket.</param>
/// <param name="AllNodes">Every member of the group at both sites: synchronous_standby_names lists them all.</param>
/// <param name="SeedDirectory">A stopped data directory the first site leaves for the second to copy: one database, not two.</param>
/// <param name="SetsUp">True at the site that runs initdb and leaves the seed; false at the one that copies it.</param>
public sealed record RackPostgresSite(string PeerSubnet, string PeerVip, IReadOnlyList<string> AllNodes, string SeedDirectory, bool SetsUp);

/// <summary>How a rack takes part in disaster recovery across sites.</summary>
/// <param name="ConfigPath">The DR configuration (dr.json) the board reads with `--dr`.</param>
/// <param name="Site">This rack's site in it (`--site`).</param>
/// <param name="DemoteWhenSilentMs">The agents' Board:DemoteWhenSilentMs (at most what `watchdogctl dr check` prints).</param>
/// <param name="BoardGroupId">
/// Null, or a group id the board process runs with (setpriv, still as root): its sockets carry it,
/// so nftables can drop the board's own etcd traffic (`meta skgid`) and nothing else's.
/// </param>
public sealed record RackDrSite(string ConfigPath, string Site, int DemoteWhenSilentMs, int? BoardGroupId = null);

/// <summary>Another site's bridge as this rack's broker knows it: that site's cluster and the file holding its password here.</summary>
public sealed record BridgePeerLogin(string Cluster, string PasswordFile);
