using System.Globalization;
using System.Text.Json.Nodes;
using Npgsql;
using Watchdog.Postgres;
using Watchdog.Sim.Rack;

namespace Watchdog.Lab.Rack;

/// <summary>What the servers of a rack cluster run behind the virtual IP.</summary>
public enum RackService
{
    /// <summary>The tiny node-name service alone (what the VIP probe reads).</summary>
    Http,

    /// <summary>
    /// PostgreSQL 15 with streaming replication besides the node-name service: the first node
    /// primary, the other its hot standby, failed over by the agents' recipe hooks.
    /// </summary>
    Postgres,
}

/// <summary>
/// PostgreSQL on the rack (docs/postgres.md): each server's namespace runs one instance as its
/// service "postgres", in the foreground through the recipe's boot.sh, so it lives and dies with
/// the simulated server (power loss, reset, hang). The first boot starts the directories set up
/// here (one initdb, cloned to the other nodes), every one a standby of the virtual IP, so that
/// only the board's grant (promote.sh) makes a primary; every later start waits for the primary
/// at the virtual IP and rejoins it (pg_rewind, else a clone). The agents promote with
/// promote.sh (then the VIP) and demote with demote.sh.
/// </summary>
public sealed class RackPostgres
{
    /// <summary>Each namespace has its own ports: every instance listens on the standard one.</summary>
    public const int Port = 5432;

    /// <summary>The server's service name (faults and logs).</summary>
    public const string ServiceName = "postgres";

    /// <summary>
    /// What the promoted standby does with synchronous_standby_names: async clears it, so the new
    /// primary takes writes while its standby (the fenced old primary) is down. keep would make
    /// every commit wait until the old primary is back: seconds after a reboot, and in the lab's
    /// held-fence runs until an operator's unfence. boot.sh re-arms it once the standby streams.
    /// </summary>
    public const string PromotedMode = "async";

    private readonly string _root;
    private readonly RackClusterOptions _options;
    private readonly string _vip;
    private readonly PgBinaries _binaries;

    private RackPostgres(string root, RackClusterOptions options, string vip, PgBinaries binaries)
    {
        _root = root;
        _options = options;
        _vip = vip;
        _binaries = binaries;
    }

    public ReplicationMode Mode => _options.PostgresMode;

    /// <summary>
    /// synchronous_standby_names on every node (all listed: any may be primary); empty when
    /// asynchronous. Across two sites of two members each: a quorum of two of the primary's three
    /// standbys, of which at most one is at its own site, so every acknowledged commit is on at
    /// least one member of the other site (a cascaded standby could not be synchronous at all).
    /// </summary>
    public string StandbyNames => _options.PostgresSite is { } site && Mode == ReplicationMode.Synchronous
        ? SiteStandbyNames(site.AllNodes)
        : PostgresServer.SynchronousStandbyNames(Mode, _options.Nodes);

    /// <summary>Where a standby finds the primary: this rack's virtual IP, then (at a DR site) the other site's.</summary>
    public string PrimaryHosts => _options.PostgresSite is { } site ? $"{_vip},{site.PeerVip}" : _vip;

    /// <summary>ANY n of every member, n = the members of one site: one acknowledgement more than the primary's fellows at its own site can give.</summary>
    public static string SiteStandbyNames(IReadOnlyList<string> allNodes)
    {
        // Checks the names (and that there are any) as the single rack's form does.
        _ = PostgresServer.SynchronousStandbyNames(ReplicationMode.Synchronous, allNodes);
        int perSite = allNodes.Count / 2;
        return $"ANY {perSite} ({string.Join(", ", allNodes.Select(n => "\"" + n + "\""))})";
    }

    /// <summary>The recipe's scripts, copied into the rack's folder (executable, beside pg-env.sh).</summary>
    public string RecipeDirectory => Path.Combine(_root, "recipe");

    public string DataDirectory(string node) => Path.Combine(_root, node, "data");

    public string SocketDirectory(string node) => Path.Combine(_root, node, "socket");

    /// <summary>The mark the first boot consumes: that boot alone starts the directory as set up here.</summary>
    private string FirstBootMark(string node) => Path.Combine(_root, node, "first-boot");

    /// <summary>
    /// Sets up both data directories on the rack's servers (in their namespaces, before any of their
    /// services runs): initdb on the first node, the fence and the RPO table (protected), a clone on
    /// each other node streaming from the first, application_name = node name. Stops the primary
    /// again: from here on the servers' boot units own the instances.
    /// </summary>
    public static async Task<RackPostgres> PrepareAsync(RackClusterOptions options, VirtualRack rack, string vip, CancellationToken ct)
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new LabFailedException("--service postgres runs on Linux only (network namespaces, PostgreSQL's OS user)");
        }

        PgBinaries binaries;
        try
        {
            binaries = PgBinaries.Find();
        }
        catch (FileNotFoundException e)
        {
            throw new LabFailedException("--service postgres needs PostgreSQL 15's server programs: " + e.Message);
        }

        // PostgreSQL runs as its own user, which must reach its directories inside the rack's
        // private (0700) folder: traverse only, no listing.
        File.SetUnixFileMode(rack.Directory, File.GetUnixFileMode(rack.Directory) | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
        var db = new RackPostgres(Path.Combine(rack.Directory, "pg"), options, vip, binaries);
        db.CopyRecipe();
        if (options.PostgresSite is { SetsUp: false } second)
        {
            await db.CopySeedAsync(second, ct).ConfigureAwait(false);
            return db;
        }


        var first = db.Instance(rack.Server(options.Nodes[0]));
        await first.InitPrimaryAsync(options.PostgresMode, options.Nodes, ct).ConfigureAwait(false);
        // Clones copy postgresql.conf, so these hold on every node. Each listens on every address
        // of its namespace, the virtual IP included (added only at promotion). A standby whose
        // primary died waits wal_retrieve_retry_interval (5 s by default) before it looks at a
        // promote request: measured as 5 s of the takeover; 100 ms costs a retry a tenth of a second.
        await File.AppendAllTextAsync(Path.Combine(db.DataDirectory(options.Nodes[0]), "postgresql.conf"),
            "listen_addresses = '*'\nwal_retrieve_retry_interval = '100ms'\n", ct).ConfigureAwait(false);
        await first.StartAsync(ct).ConfigureAwait(false);
        // No standby streams yet: in synchronous mode every commit of the set-up would wait for one.
        var setup = new NpgsqlConnectionStringBuilder(first.ConnectionString()) { Options = "-c synchronous_commit=local" }.ConnectionString;
        var clones = new List<PostgresServer>();
        try
        {
            await using (var connection = new NpgsqlConnection(setup))
            {
                await connection.OpenAsync(ct).ConfigureAwait(false);
                await EpochFence.InstallAsync(connection, ct).ConfigureAwait(false);
            }

            await RpoWriter.CreateTableAsync(setup, ct).ConfigureAwait(false);
            await using (var connection = new NpgsqlConnection(setup))
            {
                await connection.OpenAsync(ct).ConfigureAwait(false);
                await EpochFence.ProtectAsync(connection, RpoWriter.Table, ct).ConfigureAwait(false);
            }

            foreach (var node in options.Nodes.Skip(1))
            {
                var clone = db.Instance(rack.Server(node));
                await clone.CloneFromAsync(first, ct).ConfigureAwait(false);
                clones.Add(clone);
            }

            // Every node must end its WAL where the others do: a standby that has replayed past
            // the point where another node is promoted cannot follow it ("new timeline forked off
            // before current recovery point"). Streaming while the first one shuts down brings
            // each clone its final shutdown checkpoint (a fast stop waits for its standbys to
            // confirm it), which the clone's backup alone would lack.
            foreach (var clone in clones)
            {
                await clone.StartAsync(ct).ConfigureAwait(false);
            }

            await WaitStreamingAsync(first, clones.Select(c => c.Name).ToList(), ct).ConfigureAwait(false);
        }
        finally
        {
            await first.StopAsync(StopMode.Fast, CancellationToken.None).ConfigureAwait(false);
            foreach (var clone in clones)
            {
                await clone.StopAsync(StopMode.Fast, CancellationToken.None).ConfigureAwait(false);
            }
        }

        // Every node, the first too, starts as a standby of the virtual IP: no database is a
        // primary until the board grants its node and the promote hook promotes it. (Started as a
        // primary, web1 stayed one beside web2 when the board granted web2 first, a web1 still
        // starting up; web1 later took over with none of web2's rows: 31 acknowledged rows lost.)
        foreach (var node in options.Nodes)
        {
            await db.FollowVipAsync(node, ct).ConfigureAwait(false);
            await File.WriteAllTextAsync(db.FirstBootMark(node), "", ct).ConfigureAwait(false);
        }

        if (options.PostgresSite is { } site)
        {
            // The other site's members start from this copy of the first node's stopped directory
            // (its final checkpoint streamed to every clone): one database at both sites.
            var copied = Watchdog.Platform.Posix.HostCommand.Run("cp", ["-a", db.DataDirectory(options.Nodes[0]), site.SeedDirectory]);
            if (!copied.Succeeded)
            {
                throw new LabFailedException($"postgres set-up: cannot copy {db.DataDirectory(options.Nodes[0])} to {site.SeedDirectory} for the other site: {copied.StandardError.Trim()}");
            }
        }

        options.Log.WriteLine($"postgres: {string.Join(", ", options.Nodes)} set up as standbys of the virtual IP (the board's first grant promotes one), " +
                              $"{(options.PostgresMode == ReplicationMode.Synchronous ? $"synchronous ({db.StandbyNames})" : "asynchronous")}, port {Port}, {db._root}");
        return db;
    }

    /// <summary>
    /// The second DR site: no initdb of its own, every member a copy of the first site's seed
    /// (<see cref="RackPostgresSite.SeedDirectory"/>), a standby of whichever site's virtual IP
    /// answers. The first site's first grant promotes a member there, and these follow its
    /// timeline (recovery_target_timeline latest) from the seed's checkpoint on.
    /// </summary>
    private async Task CopySeedAsync(RackPostgresSite site, CancellationToken ct)
    {
        if (!Directory.Exists(site.SeedDirectory))
        {
            throw new LabFailedException($"postgres set-up: the other site left no seed at {site.SeedDirectory}: start the site that sets the database up first");
        }

        foreach (var node in _options.Nodes)
        {
            Directory.CreateDirectory(Path.Combine(_root, node));
            foreach (var (what, command) in new (string, string[])[]
            {
                ("socket directory", ["install", "-d", "-m", "0700", "-o", "postgres", "-g", "postgres", SocketDirectory(node)]),
                ("data directory", ["cp", "-a", site.SeedDirectory, DataDirectory(node)]),
            })
            {
                var result = Watchdog.Platform.Posix.HostCommand.Run(command[0], command[1..]);
                if (!result.Succeeded)
                {
                    throw new LabFailedException($"postgres set-up of {node}: the {what} ({string.Join(' ', command)}) failed: {result.StandardError.Trim()}");
                }
            }

            await FollowVipAsync(node, ct).ConfigureAwait(false);
            await File.WriteAllTextAsync(FirstBootMark(node), "", ct).ConfigureAwait(false);
        }

        _options.Log.WriteLine($"postgres: {string.Join(", ", _options.Nodes)} copied from the other site's seed, standbys of {PrimaryHosts}, " +
                               $"{(Mode == ReplicationMode.Synchronous ? $"synchronous ({StandbyNames})" : "asynchronous")}, port {Port}, {_root}");
    }

    /// <summary>Waits until <paramref name="primary"/> lists every one of <paramref name="standbys"/> as streaming; PostgreSQL raises no event for it, so its view is polled.</summary>
    private static async Task WaitStreamingAsync(PostgresServer primary, IReadOnlyList<string> standbys, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        var names = string.Join(", ", standbys.Select(n => $"'{n}'"));
        long streaming = 0;
        while ((streaming = await primary.QueryAsync<long>($"SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming' AND application_name IN ({names})", ct).ConfigureAwait(false)) < standbys.Count)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new LabFailedException($"postgres set-up: {primary.Name} lists {streaming} of {standbys.Count} standbys ({names}) as streaming after 60 s; logs next to the data directories");
            }

            await Task.Delay(100, ct).ConfigureAwait(false);
        }
    }

    /// <summary>Makes <paramref name="node"/>'s (stopped) data directory a standby streaming from whoever holds the virtual IP, under its own application_name.</summary>
    private async Task FollowVipAsync(string node, CancellationToken ct)
    {
        var data = DataDirectory(node);
        var autoConf = Path.Combine(data, "postgresql.auto.conf");
        var lines = (await File.ReadAllLinesAsync(autoConf, ct).ConfigureAwait(false))
            .Where(line => !line.TrimStart().StartsWith("primary_conninfo", StringComparison.Ordinal)
                           && !line.TrimStart().StartsWith("synchronous_standby_names", StringComparison.Ordinal))
            .Append($"primary_conninfo = 'host={PrimaryHosts} port={Port} user=postgres application_name={node} {ReplicationLink.ConnectOptions}'");
        if (_options.PostgresSite is not null)
        {
            // Over postgresql.conf's single-rack list (initdb wrote it): the quorum across both sites.
            lines = lines.Append($"synchronous_standby_names = '{StandbyNames}'");
        }

        // Rewriting keeps the file's owner (PostgreSQL's user); the signal file is new: handed over below.
        await File.WriteAllLinesAsync(autoConf, lines, ct).ConfigureAwait(false);
        var signal = Path.Combine(data, "standby.signal");
        await File.WriteAllTextAsync(signal, "", ct).ConfigureAwait(false);
        Watchdog.Bench.Network.HostCommand.Run("chown", "postgres:postgres", signal);
    }

    /// <summary>The server's boot unit: boot.sh, restarted a second after it exits (after the demote hook's stop, say), as systemd's Restart=always would.</summary>
    public ServiceSpec Service(SimulatedServer server)
    {
        var environment = Environment(server.Name);
        environment["WATCHDOG_PG_FIRST_BOOT_MARK"] = FirstBootMark(server.Name);
        environment["WATCHDOG_PG_NAME"] = server.Name;
        environment["WATCHDOG_VIP"] = _vip + "/32";
        environment["WATCHDOG_PG_CTL_OPTIONS"] = "-c cluster_name=" + server.Name;
        // libpq tries the hosts in turn: at a DR site the primary is at whichever site holds the ticket.
        environment["WATCHDOG_PG_PRIMARY_HOST"] = PrimaryHosts;
        if (Mode == ReplicationMode.Synchronous)
        {
            environment["WATCHDOG_PG_SYNC_STANDBY_NAMES"] = StandbyNames;
        }

        return new ServiceSpec(ServiceName, Path.Combine(RecipeDirectory, "boot.sh"))
        {
            Environment = environment,
            RestartAfterExit = TimeSpan.FromSeconds(1),
        };
    }

    /// <summary>What the agent's environment adds for the hooks (promote.sh, demote.sh read it).</summary>
    public Dictionary<string, string> AgentEnvironment(string node)
    {
        var environment = Environment(node);
        environment["WATCHDOG_PG_PROMOTED_MODE"] = PromotedMode;
        return environment;
    }

    /// <summary>The agent's hooks: promote.sh before the virtual IP is added, demote.sh after it is removed.</summary>
    public JsonObject Hooks() => new()
    {
        ["Promote"] = new JsonArray(new JsonObject { ["Path"] = Path.Combine(RecipeDirectory, "promote.sh"), ["TimeoutMs"] = 30000 }),
        ["Demote"] = new JsonArray(new JsonObject { ["Path"] = Path.Combine(RecipeDirectory, "demote.sh"), ["TimeoutMs"] = 20000 }),
    };

    /// <summary>
    /// The agent's checks: the database port, required while active (a dead database stops the
    /// active's heartbeat: the board fails over), and the replication check, not required: a lagging standby must not stop
    /// its heartbeat, or the board would reset it while it catches up, again and again.
    /// </summary>
    public JsonArray Checks(string node) => new(
        new JsonObject
        {
            ["Name"] = "postgres-port",
            ["Kind"] = "tcp",
            ["Host"] = "127.0.0.1",
            ["Port"] = Port,
            ["Required"] = true,
            // Only while active: a standby's database is down on purpose while it rejoins the new
            // primary (waiting for it, pg_rewind, a clone: a minute on a loaded machine), and a
            // stopped heartbeat got it reset in the middle of that, again and again.
            ["RequiredWhen"] = "active",
            // A connect to a listening port on a loaded 2-core machine took over 300 ms three
            // times in a row (the node-name service's timeout): the heartbeat stopped and the
            // board fenced a healthy primary. A dead database still stops it within ~4 s.
            ["IntervalMs"] = 1000,
            ["TimeoutMs"] = 800,
        },
        new JsonObject
        {
            ["Name"] = "postgres-ready",
            ["Kind"] = "postgres",
            ["Required"] = false,
            ["ConnectionString"] = $"Host={SocketDirectory(node)};Port={Port};Username=postgres;Database=postgres",
            // Across sites the standbys are a quorum (ANY n): none is "the" sync standby.
            ["RequireSync"] = Mode == ReplicationMode.Synchronous && _options.PostgresSite is null,
            ["IntervalMs"] = 2000,
            ["TimeoutMs"] = 1500,
            ["PrimaryTimeoutMs"] = 800,
        });

    /// <summary>The --service word: http or postgres.</summary>
    public static RackService ParseService(string word) => word.Trim().ToLowerInvariant() switch
    {
        "http" => RackService.Http,
        "postgres" or "postgresql" => RackService.Postgres,
        _ => throw new FormatException($"--service {word}: use http (the node-name service) or postgres (PostgreSQL 15 streaming replication)"),
    };

    /// <summary>The --postgres-mode word: sync or async.</summary>
    public static ReplicationMode ParseMode(string word) => word.Trim().ToLowerInvariant() switch
    {
        "sync" or "synchronous" => ReplicationMode.Synchronous,
        "async" or "asynchronous" => ReplicationMode.Asynchronous,
        _ => throw new FormatException($"--postgres-mode {word}: use sync or async"),
    };

    /// <summary>A superuser connection to <paramref name="address"/> (a node's, or the virtual IP), unpooled: a failover leaves pooled connections dead.</summary>
    public static string ConnectionString(string address) => new NpgsqlConnectionStringBuilder
    {
        Host = address,
        Port = Port,
        Username = "postgres",
        Database = "postgres",
        Pooling = false,
        Timeout = 5,
        CommandTimeout = 10,
        ApplicationName = "watchdog-lab",
    }.ConnectionString;

    private Dictionary<string, string> Environment(string node) => new()
    {
        ["PGDATA"] = DataDirectory(node),
        ["PGHOST"] = SocketDirectory(node),
        ["PGPORT"] = Port.ToString(CultureInfo.InvariantCulture),
        ["PGBIN"] = _binaries.Directory,
    };

    /// <summary>An instance handle for setting it up, in the server's namespace.</summary>
    private PostgresServer Instance(SimulatedServer server) => new(new PostgresServerOptions
    {
        Name = server.Name,
        DataDirectory = DataDirectory(server.Name),
        SocketDirectory = SocketDirectory(server.Name),
        Port = Port,
        ListenAddress = server.Address,
        CommandPrefix = server.Namespace is { } ns ? ["ip", "netns", "exec", ns] : [],
    }, _binaries);

    private void CopyRecipe()
    {
        var source = Path.Combine(AppContext.BaseDirectory, "recipe");
        if (!File.Exists(Path.Combine(source, "boot.sh")))
        {
            throw new LabFailedException($"the PostgreSQL recipe is not next to watchdogctl ({source}): build the solution first");
        }

        Directory.CreateDirectory(RecipeDirectory);
        foreach (var file in Directory.GetFiles(source))
        {
            var target = Path.Combine(RecipeDirectory, Path.GetFileName(file));
            File.Copy(file, target, overwrite: true);
            // The agent runs hooks directly (exec bit and shebang), whatever the build's copy kept.
            if (OperatingSystem.IsLinux())
            {
                File.SetUnixFileMode(target, (UnixFileMode)0b111_101_101);
            }
        }
    }
}
