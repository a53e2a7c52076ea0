using System.Diagnostics;
using System.Net;
using Watchdog.Bench.Network;
using Watchdog.Bench.Probe;
using Watchdog.Bench.Timing;
using Watchdog.Lab.Checks;
using Watchdog.Operator.Keys;
using Watchdog.Protocol.Wire;
using Watchdog.Sim.Broker;
using Watchdog.Sim.Rack;

namespace Watchdog.Lab.Rack;

/// <summary>
/// A running cluster on the virtual rack: a broker, one board process (or a pair of them,
/// <see cref="RackClusterOptions.Boards"/>), and servers (each in its
/// own network namespace) running a real agent and a tiny service behind a virtual IP, plus an
/// independent client probing that virtual IP and an observer on MQTT. Used by `watchdogctl
/// demo`, the failover integration tests and the bench. Dispose tears everything down.
/// </summary>
public sealed partial class RackCluster : IAsyncDisposable
{
    /// <summary>The virtual IP's host part on the rack subnet (10.213.N.100).</summary>
    public const int VipHostPart = 100;

    private readonly List<IDisposable> _disposables = [];
    private EmbeddedBroker? _embedded;
    private MosquittoProcess? _mosquitto;
    private readonly Dictionary<string, BoardProcess> _boards = new(StringComparer.Ordinal);
    private BoardPower? _boardPower;
    private readonly Dictionary<string, ServiceSpec> _agents = new(StringComparer.Ordinal);

    private RackCluster(RackClusterOptions options, VirtualRack rack)
    {
        Options = options;
        Rack = rack;
        // One clock for everything: the rack's timeline, the probe, the overlap meter.
        Clock = new BenchClock(rack.Timeline.StartTimestamp);
    }

    public RackClusterOptions Options { get; }

    public VirtualRack Rack { get; }

    public BenchClock Clock { get; }

    public ClusterObserver Observer { get; private set; } = null!;

    /// <summary>The operator key that signs the rack's commands.</summary>
    public ClusterKey Key { get; } = ClusterKey.Generate("demo");

    /// <summary>Every key of the rack by role: the operator key above, the board's, one per node.</summary>
    public KeySet Keys { get; private set; } = null!;

    /// <summary>The folder of the holders' key files (KeySet.WriteAll).</summary>
    public string KeyDirectory => Path.Combine(Rack.Directory, "keys");

    /// <summary>The operator's key file (watchdogctl --key-file).</summary>
    public string KeyFile => Path.Combine(KeyDirectory, KeySet.OperatorFileName);

    public string BrokerHost => Rack.HostAddress;

    public int BrokerPort { get; private set; }

    /// <summary>Mosquitto's log file, or null with the embedded broker.</summary>
    public string? BrokerLog => _mosquitto?.LogPath;

    /// <summary>The broker's users and their credential files (mosquitto with <see cref="RackClusterOptions.SecureBroker"/>), or null: everyone connects anonymously.</summary>
    public RackBrokerUsers? BrokerUsers { get; private set; }

    /// <summary>The virtual IP, or null when the rack runs on loopback (no namespaces: no VIP).</summary>
    public IPAddress? Vip { get; private set; }

    public VipProbe? Probe { get; private set; }

    /// <summary>PostgreSQL on the servers (<see cref="RackClusterOptions.Service"/> Postgres), else null.</summary>
    public RackPostgres? Database { get; private set; }

    public VipHolderSampler? Holders { get; private set; }

    public ActiveOverlapMeter? Overlap { get; private set; }

    /// <summary>Who holds the virtual IP, from the kernel's address events (exact, for the overlap meter).</summary>
    public VipAddressMonitor? Addresses { get; private set; }

    /// <summary>
    /// Wall-clock time (ms since the Unix epoch) up to which the last failover run reported the
    /// safety checker's findings: a later run lists as pre-existing only what began after it (or
    /// still held at its own fault), so nothing is lost between runs and nothing charged twice.
    /// </summary>
    public long SafetyReportedUntilWallMs { get; set; }

    public string BoardStateDirectory => BoardStateDirectoryOf(ClusterConfigs.BoardName);

    /// <summary>rack1's log (the one board's, or the preferred board's of a pair).</summary>
    public string BoardLog => BoardLogOf(ClusterConfigs.BoardName);

    /// <summary>The rack's boards: rack1, and rack1-b with a pair.</summary>
    public IReadOnlyList<string> BoardNames => ClusterConfigs.BoardNames(Options);

    public static string BoardStateDirectoryOf(string rackDirectory, string board) =>
        Path.Combine(rackDirectory, board == ClusterConfigs.BoardName ? "board-state" : "board-b-state");

    public string BoardStateDirectoryOf(string board) => BoardStateDirectoryOf(Rack.Directory, board);

    public string BoardLogOf(string board) => Path.Combine(Rack.Directory, board == ClusterConfigs.BoardName ? "board.log" : "board-b.log");

    public string BoardConfigOf(string board) => Path.Combine(Rack.Directory, board == ClusterConfigs.BoardName ? "board.json" : "board-b.json");

    /// <summary>The board's end of the pair's data link (a Unix datagram socket in the rack's folder).</summary>
    public string LinkSocketOf(string board) => Path.Combine(Rack.Directory, $"link-{board}.sock");

    /// <summary>The heartbeat flight recorder of <paramref name="node"/>'s agent (EdgeRecorder); the run before its restart is in .previous.</summary>
    public string EdgeRecordFile(string node) => Path.Combine(Rack.Directory, $"{node}.edges");

    /// <summary>A board's process (started, killed, frozen by the faults below).</summary>
    public BoardProcess Board(string board) =>
        _boards.TryGetValue(board, out var process) ? process : throw new ArgumentException($"the rack has no board '{board}' (it has {string.Join(", ", _boards.Keys)})", nameof(board));

    public IEnumerable<SimulatedServer> Servers => Rack.Servers;

    public static Task<RackCluster> StartAsync(RackClusterOptions options, CancellationToken ct) => StartAsync(options, CreateRack(options), ct);

    /// <summary>The rack (network, wire file, folder) a cluster of <paramref name="options"/> runs on, with nothing started on it yet.</summary>
    public static VirtualRack CreateRack(RackClusterOptions options) =>
        VirtualRack.Create(new RackOptions { UseNamespaces = options.UseNamespaces, Log = options.Log, KeepDirectory = options.KeepDirectory });

    /// <summary>
    /// Starts the cluster on <paramref name="rack"/>, made by <see cref="CreateRack"/> beforehand
    /// (two bridged sites make both racks first: each broker's bridge names the other's address).
    /// The cluster owns the rack from here on, even when the start fails.
    /// </summary>
    public static async Task<RackCluster> StartAsync(RackClusterOptions options, VirtualRack rack, CancellationToken ct)
    {
        var cluster = new RackCluster(options, rack);
        try
        {
            await cluster.StartPartsAsync(ct).ConfigureAwait(false);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private async Task StartPartsAsync(CancellationToken ct)
    {
        // Every node's file holds every board's key (KeySet.NodeFile): an agent takes a grant sealed by either board of a pair.
        Keys = KeySet.Generate("rack", BoardNames, Options.AllNodes, Key.AsRoleKey());
        // Each board's file holds both boards' keys (KeySet.BoardFile): a board taking authority checks the grants its peer sealed.
        Keys.WriteAll(KeyDirectory);

        // The board's configuration first: a secure broker's users and ACL are made from it.
        CheckGroups(Options);
        var members = new List<(string Channel, string Node)>();
        for (var i = 0; i < Options.AllNodes.Count; i++)
        {
            members.Add(($"s{i + 1}", Options.AllNodes[i]));
        }

        foreach (var board in BoardNames)
        {
            File.WriteAllText(BoardConfigOf(board), ClusterConfigs.Board(Options, members, board));
        }

        // Every client below connects to it: the broker comes up first.
        await StartBrokerAsync().ConfigureAwait(false);
        Options.Log.WriteLine($"broker: {(Options.Broker == BrokerKind.Embedded ? "embedded MQTTnet" : "mosquitto")} on {BrokerHost}:{BrokerPort}" +
                              (BrokerUsers is null ? ", anonymous clients" : $", users and ACL by `watchdogctl broker config` ({BrokerUsers.Directory}), anonymous clients refused"));

        // A kept rack folder (WATCHDOG_KEEP_RACK=1) also keeps every MQTT message the observer saw, beside the wire timeline.
        var journal = Options.KeepDirectory ? Path.Combine(Rack.Directory, "mqtt.log") : null;
        Observer = await ClusterObserver.StartAsync(BrokerHost, BrokerPort, Options.Cluster, ct, journal, BrokerUsers?.Operator).ConfigureAwait(false);

        var namespaces = Rack.IsolationMode == IsolationMode.NetworkNamespaces;
        Vip = namespaces ? GroupVip(0) : null;

        foreach (var (channel, node) in members)
        {
            var server = Rack.AddServer(node, channel, new ServerOptions
            {
                BootDelay = TimeSpan.FromMilliseconds(200),
                ForcedOffHold = TimeSpan.FromMilliseconds(800),
                // The BIOS setting "restore on AC power loss: power on", as servers behind a fence contactor are set up.
                BootOnPowerRestore = true,
            });
            server.AddService(new ServiceSpec("service", "python3", "-u", NodeNameService.ScriptFile, node, Options.ServicePort.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }

        if (Options.Service == RackService.Postgres)
        {
            // Every server's namespace exists now and runs no database yet: set both up, then let
            // each server's boot unit own its instance.
            if (Vip is null)
            {
                throw new LabFailedException("--service postgres needs network namespaces (root): the standby rejoins the primary at the virtual IP");
            }

            if (Options.PostgresSite is { } site)
            {
                // The servers have no default route; the other site's rack is reached through this
                // rack's host address (the host forwards between the two uplinks: the inter-site
                // link, which SiteLink cuts). A unit on every boot, before the database's: a power
                // loss takes the link down and the kernel drops routes through it.
                foreach (var server in Rack.Servers)
                {
                    server.AddService(new ServiceSpec("site-route", "ip", "route", "replace", site.PeerSubnet, "via", Rack.HostAddress));
                }
            }

            Database = await RackPostgres.PrepareAsync(Options, Rack, Vip.ToString(), ct).ConfigureAwait(false);
            foreach (var server in Rack.Servers)
            {
                server.AddService(Database.Service(server));
            }
        }

        foreach (var (_, node) in members)
        {
            var server = Rack.Server(node);
            var agentConfig = Path.Combine(Rack.Directory, $"{node}-agent.json");
            File.WriteAllText(agentConfig, ClusterConfigs.Agent(
                Options, node, server.Wiring.HeartbeatPin, Rack.WireFilePath, BrokerHost, BrokerPort, Path.Combine(KeyDirectory, KeySet.NodeFileName(node)),
                Path.Combine(Rack.Directory, $"{node}.epoch"), EdgeRecordFile(node),
                namespaces ? GroupVip(Options.RackGroups.ToList().FindIndex(g => g.Nodes.Contains(node))).ToString() : "", 32, server.Network.Interfaces[0], netns: null, BrokerUsers?.Agent(node), Database));
            ServiceSpec agent = Options.AgentExecutable is { } native
                ? new ServiceSpec("agent", native, "--config", agentConfig)
                : new ServiceSpec("agent", "dotnet", Binary("Watchdog.Agent.dll"), "--config", agentConfig);
            var environment = new Dictionary<string, string> { ["DOTNET_TieredPGO"] = "0", ["DOTNET_gcServer"] = "0" };
            foreach (var (key, value) in Database?.AgentEnvironment(node) ?? [])
            {
                environment[key] = value;
            }

            _agents[node] = agent with { Environment = environment };
            if (Options.InstallAgents)
            {
                server.AddService(_agents[node]);
            }
        }

        // The board after the servers, so it hears them within its grace: building the namespaces
        // on a loaded machine can outlast the grace, and a member the board has not heard by then
        // is absent until its agent speaks (no reset any more, but a slower settle).
        CreateBoards();
        foreach (var board in BoardNames)
        {
            Board(board).Start();
        }

        if (Options.Boards == 2)
        {
            // Each board's reset line is driven by its peer: the peer's peer_reset pin.
            _boardPower = new BoardPower(Rack.Wires, Rack.Timeline, BoardNames.Select(b => (Board(b), PairWiringOf(ClusterConfigs.PeerOf(b)).PeerResetPin, ClusterConfigs.PeerOf(b))));
        }

        if (namespaces)
        {
            var client = Rack.AddNetworkNode("client", 200);
            // The first group's watchers are the rack's own (Probe, Addresses, Overlap): with one
            // group, as before; further groups get theirs in Groups.
            WatchGroups(client.Namespace);
            var first = Groups[0];
            (Probe, Addresses, Overlap) = (first.Probe, first.Addresses, first.Overlap);
            Holders = new VipHolderSampler(
                Rack.Servers.Where(s => first.Nodes.Contains(s.Name)).ToDictionary(s => s.Name, s => s.Namespace!), "eth0", Vip!, Clock, 10);
            Holders.Start();
            _disposables.Add(Holders);
        }
    }

    /// <summary>
    /// Waits until <paramref name="expected"/> (or, when null, whichever member the board chose) is
    /// active and acknowledged, the others standby, (with a VIP) the probe hears the active, and the
    /// board's status says it has settled. The board grants the first member that is healthy when
    /// it settles: a preferred member still recovering from a failed first check loses the role to
    /// the next, and with manual failback keeps it lost, so the bench must not insist on web1.
    /// The board may grant roles before its boot grace is over (every member heard), but refuses
    /// commands until then: a caller that sends one next needs the settled status too.
    /// </summary>
    public Task<bool> WaitUntilSettledAsync(string? expected, TimeSpan timeout, CancellationToken ct)
    {
        var since = Clock.NowMs;
        return Observer.WaitForAsync(o =>
        {
            var roles = o.LatestRoles(Options.Group);
            var active = roles is { Active.Length: 1 } ? roles.Active[0] : null;
            return roles is not null && active is not null && (expected is null || active == expected) &&
                   o.LatestState(active).ClaimsActive() &&
                   Options.Nodes.Where(n => n != active).All(n => o.LatestState(n) is { } s && s.Role == Protocol.Wire.NodeRole.Standby && s.Epoch == roles.Epoch) &&
                   (Probe is null || Probe.Snapshot().Any(p => p.StartMs >= since && p.Node == active)) &&
                   BoardSettled(o, 0);
        }, timeout, ct);
    }

    /// <summary>
    /// Waits for the board's status to say it has settled (its boot grace is over), published by the
    /// board process running now, and no earlier than <paramref name="notBeforeWallMs"/> (after a
    /// settling refusal: a status from before it proves nothing).
    /// </summary>
    public Task<bool> WaitForBoardSettledAsync(long notBeforeWallMs, TimeSpan timeout, CancellationToken ct) =>
        Observer.WaitForAsync(o => BoardSettled(o, notBeforeWallMs), timeout, ct);

    // The retained status of a killed board says whatever it said last: only the running process's
    // counts. Of a pair, the board that says it holds authority (the other never grants).
    private bool BoardSettled(ClusterObserver o, long notBeforeWallMs) => Options.Boards == 1
        ? o.LatestBoard(ClusterConfigs.BoardName) is { Settled: true } one && one.Timestamp >= Math.Max(notBeforeWallMs, _boards[ClusterConfigs.BoardName].StartedAtWallMs)
        : BoardNames.Any(b => o.LatestBoard(b) is { Settled: true, Pair: PairState.Authority } s && _boards[b].IsRunning &&
                            s.Timestamp >= Math.Max(notBeforeWallMs, _boards[b].StartedAtWallMs));

    public SimulatedServer Server(string node) => Rack.Server(node);

    /// <summary>Installs <paramref name="node"/>'s agent (InstallAgents false): it starts now and at every boot.</summary>
    public void InstallAgent(string node)
    {
        Rack.Timeline.Record(TimelineKind.Fault, node, "agent installed");
        Server(node).AddService(_agents[node]);
    }

    // Broker faults.
    public async Task StopBrokerAsync()
    {
        if (_embedded is not null)
        {
            await _embedded.StopAsync().ConfigureAwait(false);
        }
        else
        {
            Rack.StopBroker(_mosquitto!);
        }
    }

    public async Task StartBrokerAgainAsync(CancellationToken ct)
    {
        if (_embedded is not null)
        {
            await _embedded.RestartAsync().ConfigureAwait(false);
        }
        else
        {
            Rack.StartBrokerAgain(_mosquitto!);
        }

        // Both starts return once the broker accepts connections.
        await Observer.ReconnectAsync(ct).ConfigureAwait(false);
    }

    /// <summary>Board fault: SIGKILL of rack1's process (its relays drop out); StartBoard starts it again on the same state directory.</summary>
    public void KillBoard() => Board(ClusterConfigs.BoardName).Kill("kill -9 board");

    /// <summary>Starts <paramref name="board"/> (rack1 when null) again on its state directory; nothing when it runs.</summary>
    public void StartBoard(string? board = null) => Board(board ?? ClusterConfigs.BoardName).Start();

    private void CreateBoards()
    {
        var pair = Options.Boards == 2;
        foreach (var board in BoardNames)
        {
            var preferred = board == ClusterConfigs.BoardName;
            _boards[board] = new BoardProcess(new BoardLaunch
            {
                Name = board,
                ConfigPath = BoardConfigOf(board),
                PinMapPath = preferred ? Rack.PinMap.Source : RackPinMap.FindVirtualRackB(),
                WiresPath = Rack.WireFilePath,
                StateDirectory = BoardStateDirectoryOf(board),
                LogPath = BoardLogOf(board),
                KeyFile = Path.Combine(KeyDirectory, KeySet.BoardFileName(board)),
                Broker = $"{BrokerHost}:{BrokerPort}",
                TickMs = Options.TickMs,
                Executable = Options.BoardExecutable,
                StatsIntervalMs = Options.BoardStatsIntervalMs,
                Login = BrokerUsers?.Board(board),
                // Two boards on one broker must not share a client id (the broker would drop one for the other).
                ClientId = pair ? $"board-{board}" : null,
                PairSocket = pair ? LinkSocketOf(board) : null,
                PeerSocket = pair ? LinkSocketOf(ClusterConfigs.PeerOf(board)) : null,
                DrSite = Options.DrSite,
            }, Rack.Timeline);
        }
    }

    private async Task StartBrokerAsync()
    {
        if ((Options.BridgePeers.Count > 0 || Options.Bridges.Count > 0 || Options.BrokerAlsoListensOn.Count > 0) && !(Options.Broker == BrokerKind.Mosquitto && Options.SecureBroker))
        {
            throw new LabFailedException("bridges to other sites need the secure mosquitto (BrokerKind.Mosquitto with SecureBroker): a bridge logs in as its own user");
        }

        if (Options.Broker == BrokerKind.Mosquitto && Options.SecureBroker)
        {
            (BrokerUsers, _mosquitto) = RackBrokerUsers.Start(
                Path.Combine(Rack.Directory, "broker"), BoardNames.Select(BoardConfigOf).ToList(), BrokerHost, Options.BrokerPort, Options.BridgePeers, Options.Bridges, Options.BrokerAlsoListensOn);
            BrokerPort = _mosquitto.Port;
        }
        else if (Options.Broker == BrokerKind.Embedded)
        {
            _embedded = await EmbeddedBroker.StartAsync(IPAddress.Parse(BrokerHost)).ConfigureAwait(false);
            BrokerPort = _embedded.Port;
        }
        else
        {
            _mosquitto = Rack.StartBroker(Options.BrokerPort);
            BrokerPort = _mosquitto.Port;
        }
    }

    internal static string Binary(string name)
    {
        var path = Path.Combine(AppContext.BaseDirectory, name);
        return File.Exists(path) ? path : throw new FileNotFoundException($"{name} is not next to watchdogctl ({AppContext.BaseDirectory}): build the solution first", path);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var d in Enumerable.Reverse(_disposables))
        {
            try
            {
                d.Dispose();
            }
            catch (Exception ex) when (ex is InvalidOperationException or IOException)
            {
            }
        }

        // The reset lines first: nothing may start a board again while they are torn down.
        _boardPower?.Dispose();
        foreach (var board in _boards.Values)
        {
            board.Dispose();
        }

        if (Observer is not null)
        {
            await Observer.DisposeAsync().ConfigureAwait(false);
        }

        Rack.Dispose();
        _mosquitto?.Dispose();
        if (_embedded is not null)
        {
            await _embedded.DisposeAsync().ConfigureAwait(false);
        }
    }
}
