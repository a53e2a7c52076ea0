using Watchdog.Bench.Results;
using Watchdog.Bench.Timeline;
using Watchdog.Firmware.Core.Config;
using Watchdog.Lab.Faults;
using Watchdog.Lab.Peers;
using Watchdog.Lab.Rack;

namespace Watchdog.Lab.Bench;

/// <summary>
/// The bench (`watchdogctl bench`): named failover scenarios on the virtual rack (namespaces, mosquitto with
/// the users and ACL of `watchdogctl broker config` unless --anonymous-broker),
/// N runs each, reported as p50/p95/p99/max; `--peer keepalived` runs keepalived's side of the
/// same faults; `--chaos` draws random fault schedules and runs the safety checker after each;
/// `--soak` counts false fences under CPU-load jitter with no faults. Needs root.
/// </summary>
public static class BenchRun
{
    // How to make what --agent and --board want, said when they name no such file.
    private const string PublishAgent = "dotnet publish host/Watchdog.Agent -c Release -r linux-x64 -o DIR";
    private const string PublishBoard = "dotnet publish firmware/Watchdog.Board -c Release -r linux-x64 -p:PublishAot=true -o DIR";

    /// <summary>The columns of the printed table: the whole failover, not only the client's view.</summary>
    private static readonly IReadOnlyList<MarkdownReport.Metric> Metrics =
    [
        new("detection", s => s.DetectionMs, "ms"),
        new("fence", s => s.FenceMs, "ms"),
        new("takeover", s => s.TakeoverMs, "ms"),
        new("RTO", s => s.RtoMs, "ms"),
        new("overlap", s => s.OverlapMs, "ms"),
        new("flaps", s => s.Flaps, string.Empty),
        new("false fences", s => s.FalseFences, string.Empty),
    ];

    /// <summary>With a pair of boards: how long authority took to move, and how long two boards held it at once.</summary>
    private static readonly IReadOnlyList<MarkdownReport.Metric> PairMetrics =
    [
        new("authority", s => s.AuthorityMs, "ms"),
        new("RTO", s => s.RtoMs, "ms"),
        new("two authorities", s => s.TwoAuthoritiesMs, "ms"),
        new("overlap", s => s.OverlapMs, "ms"),
        new("false fences", s => s.FalseFences, string.Empty),
        new("detection", s => s.DetectionMs, "ms"),
        new("takeover", s => s.TakeoverMs, "ms"),
    ];

    /// <summary>With PostgreSQL behind the address: the database's figures after the failover's.</summary>
    private static readonly IReadOnlyList<MarkdownReport.Metric> DatabaseMetrics =
    [
        new("detection", s => s.DetectionMs, "ms"),
        new("fence", s => s.FenceMs, "ms"),
        new("takeover", s => s.TakeoverMs, "ms"),
        new("RTO", s => s.RtoMs, "ms"),
        new("write outage", s => s.WriteOutageMs!, "ms"),
        new("rpo_rows", s => s.RpoRows!, string.Empty),
        new("rpo span", s => s.RpoSpanMs!, "ms"),
        new("overlap", s => s.OverlapMs, "ms"),
    ];

    /// <summary>Runs the bench; returns the exit code (0: none of our runs broke a rule, overlapped or fenced falsely).</summary>
    public static async Task<int> RunAsync(BenchSettings settings, CancellationToken ct)
    {
        if (settings.Wakeup)
        {
            return WakeupBench.Run(settings, ct);
        }

        if (settings.Groups is { } groups)
        {
            return await ScaleAsync(settings, groups, ct).ConfigureAwait(false);
        }

        // The schedule first: a wrong --scenario or --boards is said before anything needs root.
        var faults = BenchSchedule.Parse(settings.Scenario, settings.Boards);
        if (!Platform.Posix.PosixSignals.IsRoot)
        {
            throw new FormatException("bench needs root: it puts servers in network namespaces (sudo watchdogctl bench ...)");
        }

        var n = settings.Runs;
        if (n is < 1 or > 10_000)
        {
            throw new FormatException($"--runs {n}: must be 1..10000");
        }

        var agentPath = PublishedExecutable("--agent", settings.Agent, PublishAgent);
        var boardPath = PublishedExecutable("--board", settings.Board, PublishBoard);

        // The board's own word table decides what is a policy, so the bench cannot drift from it.
        var peer = settings.Peer is null ? null : PeerSystems.Parse(settings.Peer);

        CheckHeartbeatMs(settings);
        CheckProbeMs(settings);

        if (settings.Periods is not null && (settings.Chaos || settings.Peer is not null || settings.Boards != 1 || settings.Service != RackService.Http || settings.Scenario != "all"))
        {
            throw new FormatException("--frontier runs its own schedule (hang, agent-crash, power-loss, then a soak, beside keepalived at each period) on one board: no --scenario, --peer, --chaos, --boards 2 or --service postgres");
        }

        var networkWord = settings.NetworkFailure;
        if (!ConfigWords.TryParse(networkWord, out NetworkFailurePolicy networkFailure))
        {
            throw new FormatException($"--network-failure {networkWord}: not a network-failure policy; use demote or fence");
        }

        if (settings.Service == RackService.Postgres)
        {
            if (settings.Boards != 1 || settings.Chaos || settings.Soak is not null || settings.Peer is not null)
            {
                throw new FormatException("--service postgres runs the server scenarios on one board (no --boards 2, --chaos, --soak or --peer)");
            }

            if (!Watchdog.Postgres.PgBinaries.AreInstalled())
            {
                throw new FormatException("--service postgres needs PostgreSQL 15's server programs (initdb, pg_ctl, postgres, pg_rewind ...) in " +
                                          $"{Watchdog.Postgres.PgBinaries.DefaultDirectory} or ${Watchdog.Postgres.PgBinaries.DirectoryVariable}: install them with ./scripts/install-test-deps.sh, or apt-get install postgresql-15");
            }
        }

        var startedAt = DateTimeOffset.UtcNow;
        Console.Error.WriteLine("bench: " + SourceStamp.Header(startedAt));
        Console.Error.WriteLine(agentPath is null ? "agent: JIT build (dotnet Watchdog.Agent.dll)" : $"agent: {agentPath}");
        Console.Error.WriteLine(boardPath is null ? "board: JIT build (dotnet Watchdog.Board.dll)" : $"board: {boardPath}");
        var options = new RackClusterOptions
        {
            Broker = BrokerKind.Mosquitto,
            SecureBroker = settings.SecureBroker,
            HeartbeatPeriodMs = settings.HeartbeatMs,
            TickMs = RackClusterOptions.TickFor(settings.HeartbeatMs),
            ProbeIntervalMs = settings.ProbeMs,
            Log = Console.Error,
            AgentExecutable = agentPath,
            BoardExecutable = boardPath,
            NetworkFailure = networkFailure,
            Boards = settings.Boards,
            Service = settings.Service,
            PostgresMode = settings.PostgresMode,
        };
        var outDir = settings.OutDir;
        if (outDir is not null)
        {
            Directory.CreateDirectory(outDir);
        }

        if (settings.Periods is { } periods)
        {
            return await FrontierRun.RunAsync(options, periods, n, settings.Soak ?? FrontierRun.DefaultSoak, outDir, settings.Json, startedAt, ct).ConfigureAwait(false);
        }

        var report = new List<BenchResult>();
        var outcomes = new List<string>();
        if (settings.Soak is { } duration)
        {
            report.Add(await SoakRun.RunAsync(options, duration, ct).ConfigureAwait(false));
        }
        else if (settings.Chaos)
        {
            report.AddRange(await ChaosAsync(options, n, settings.Seed, outcomes, ct).ConfigureAwait(false));
        }
        else
        {
            report.AddRange(await ScenariosAsync(options, faults, n, outDir, outcomes, ct).ConfigureAwait(false));
            // A peer has no boards of ours: it runs the server faults only.
            var serverFaults = faults.Where(f => f.Server is not null).Select(f => f.Server!).ToList();
            if (peer is not null && serverFaults.Count > 0)
            {
                report.AddRange(peer.Run(serverFaults, n, options.ProbeIntervalMs, outDir, Console.Error));
            }
        }

        var summaries = ScenarioSummary.Summarize(report);
        var line = Environment.CommandLine;
        var stamped = BenchReport.Stamped(startedAt, MachineInfo.Describe(), line, report, summaries);
        var full = BenchJson.Write(stamped);
        var text = stamped.Header + Environment.NewLine + Environment.NewLine + MarkdownReport.Table(summaries, settings.Boards == 2 ? PairMetrics : settings.Service == RackService.Postgres ? DatabaseMetrics : Metrics) +
                   (outcomes.Count == 0 ? "" : Environment.NewLine + "Every run:" + Environment.NewLine + Environment.NewLine + string.Join(Environment.NewLine, outcomes.Select(o => "- " + o)) + Environment.NewLine);
        if (outDir is not null)
        {
            File.WriteAllText(Path.Combine(outDir, "bench.json"), full);
            File.WriteAllText(Path.Combine(outDir, "bench.md"), text);
        }

        Console.WriteLine(settings.Json ? full : text);
        Console.Error.WriteLine(SuggestResultsFile(settings, peer, startedAt));
        // Our runs' notes hold safety violations and unmet expectations; any of them, any
        // overlap or any false fence fails the bench. The peer's overlap is what it measures.
        return report.Any(r => r.Peer == BenchRecorder.Peer && (r.Notes is not null || r.OverlapMs > 0 || r.FalseFences > 0 || r.TwoAuthoritiesMs > 0)) ? 1 : 0;
    }

    /// <summary>
    /// The scale bench (--groups): hang and agent-crash by default, or the --scenario faults the
    /// standby must take over from; the rest of the bench's options do not apply and are refused.
    /// </summary>
    private static async Task<int> ScaleAsync(BenchSettings settings, int groups, CancellationToken ct)
    {
        ScaleBench.Steps(groups); // the range, before anything needs root
        if (settings.Boards != 1 || settings.Chaos || settings.Soak is not null || settings.Peer is not null || settings.Service != RackService.Http)
        {
            throw new FormatException("--groups runs the scale bench on one board with the http service: no --boards 2, --chaos, --soak, --peer or --service postgres");
        }

        var faults = settings.Scenario == "all"
            ? [FaultCatalogue.Hang, FaultCatalogue.AgentCrash]
            : settings.Scenario.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(FaultCatalogue.Parse).ToList();
        if (faults.FirstOrDefault(f => f.Expected != Outcome.Takeover) is { } stays)
        {
            throw new FormatException($"--scenario {stays.Name} with --groups: the scale bench measures takeovers; use hang, agent-crash, power-loss or link-loss");
        }

        CheckProbeMs(settings);
        if (settings.SteadyS is < 5 or > 600)
        {
            throw new FormatException($"--steady-s {settings.SteadyS}: the board's steady window must be 5..600 s");
        }

        if (!Platform.Posix.PosixSignals.IsRoot)
        {
            throw new FormatException("bench needs root: it puts servers in network namespaces (sudo watchdogctl bench ...)");
        }

        var startedAt = DateTimeOffset.UtcNow;
        Console.Error.WriteLine("bench --groups: " + SourceStamp.Header(startedAt));
        var options = new RackClusterOptions
        {
            Broker = BrokerKind.Mosquitto,
            SecureBroker = settings.SecureBroker,
            HeartbeatPeriodMs = settings.HeartbeatMs,
            ProbeIntervalMs = settings.ProbeMs,
            Log = Console.Error,
            AgentExecutable = PublishedExecutable("--agent", settings.Agent, PublishAgent),
            BoardExecutable = PublishedExecutable("--board", settings.Board, PublishBoard),
        };
        var (json, text, clean) = await ScaleBench.RunAsync(options, groups, faults, settings.Runs, settings.SteadyS * 1000, startedAt, ct).ConfigureAwait(false);
        if (settings.OutDir is { } dir)
        {
            Directory.CreateDirectory(dir);
            File.WriteAllText(Path.Combine(dir, "scale.json"), json);
            File.WriteAllText(Path.Combine(dir, "scale.md"), text);
        }

        Console.WriteLine(settings.Json ? json : text);
        var name = SourceStamp.FileName($"scale-{groups}-groups", startedAt, "json");
        Console.Error.WriteLine($"docs/results name for this report: {name}{(SourceStamp.IsDirty(SourceStamp.Commit) ? " (built from a tree with uncommitted changes: these figures belong to no commit)" : "")}");
        return clean ? 0 : 1;
    }

    /// <summary>The full path of a published executable given as <paramref name="option"/>; null when none was given.</summary>
    /// <exception cref="FormatException">No such file, or not executable (a .dll given instead of the published binary).</exception>
    internal static string? PublishedExecutable(string option, string? path, string publishHint)
    {
        if (path is null)
        {
            return null;
        }

        path = Path.GetFullPath(path);
        if (!File.Exists(path))
        {
            throw new FormatException($"{option} {path}: no such file (publish it first: {publishHint})");
        }

        if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(path) & UnixFileMode.UserExecute) == 0)
        {
            throw new FormatException($"{option} {path}: not executable (a published binary, not the .dll)");
        }

        return path;
    }

    internal static void CheckHeartbeatMs(BenchSettings settings)
    {
        if (settings.HeartbeatMs is < 10 or > 60_000)
        {
            throw new FormatException($"--heartbeat-ms {settings.HeartbeatMs}: must be 10..60000 ms (the agent's range)");
        }
    }

    internal static void CheckProbeMs(BenchSettings settings)
    {
        if (settings.ProbeMs is < 1 or > 1000 || double.IsNaN(settings.ProbeMs))
        {
            throw new FormatException($"--probe-ms {settings.ProbeMs}: the client probe's interval must be 1..1000 ms");
        }
    }

    /// <summary>What the report should be called in docs/results, and how to put it there (--out is a folder).</summary>
    private static string SuggestResultsFile(BenchSettings settings, IPeerSystem? peer, DateTimeOffset startedAt)
    {
        var name = SourceStamp.FileName(ResultsWhat(settings, peer?.Name), startedAt, "json");
        var how = settings.OutDir is { } dir
            ? $"cp {Path.Combine(dir, "bench.json")} docs/results/{name}"
            : $"re-run with --json > docs/results/{name}, or --out DIR and copy DIR/bench.json";
        var dirty = SourceStamp.IsDirty(SourceStamp.Commit) ? " (built from a tree with uncommitted changes: these figures belong to no commit)" : string.Empty;
        return $"docs/results name for this report: {name}{dirty}; {how}";
    }

    /// <summary>The "what" of a docs/results name: soak, chaos, or failover[-scenarios][-vs-peer]; with a pair of boards prefixed two-boards-.</summary>
    internal static string ResultsWhat(BenchSettings settings, string? peer)
    {
        var pair = settings.Boards == 2 ? "two-boards-" : "";
        if (settings.Soak is not null)
        {
            return pair + "soak";
        }

        if (settings.Chaos)
        {
            return pair + "chaos";
        }

        var what = (settings.Scenario == "all" ? "failover" : "failover-" + string.Join('-', BenchSchedule.Parse(settings.Scenario, settings.Boards).Select(f => f.Name))) +
                   (settings.Service == RackService.Postgres ? (settings.PostgresMode == Watchdog.Postgres.ReplicationMode.Synchronous ? "-postgres-sync" : "-postgres-async") : "");
        return pair + (peer is null ? what : what + "-vs-" + peer);
    }

    private static async Task<List<BenchResult>> ScenariosAsync(RackClusterOptions options, IReadOnlyList<BenchFault> kinds, int runs, string? outDir, List<string> outcomes, CancellationToken ct)
    {
        await using var cluster = await SettledAsync(options, ct).ConfigureAwait(false);
        return await ScenariosOnAsync(cluster, kinds, runs, outDir, outcomes, ct).ConfigureAwait(false);
    }

    /// <summary>The scenarios' runs on a settled rack, each starting from a settled rack again.</summary>
    internal static async Task<List<BenchResult>> ScenariosOnAsync(RackCluster cluster, IReadOnlyList<BenchFault> kinds, int runs, string? outDir, List<string> outcomes, CancellationToken ct)
    {
        var options = cluster.Options;
        var results = new List<BenchResult>();
        var windowStart = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        foreach (var kind in kinds)
        {
            for (var i = 0; i < runs; i++)
            {
                var tag = $"[{kind.Name} {i + 1}/{runs}]";
                var (run, failover, outcome) = await OneRunAsync(cluster, kind, i, windowStart, line => Console.Error.WriteLine($"{tag} {line}"), ct).ConfigureAwait(false);
                windowStart = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
                results.Add(run);
                outcomes.Add($"{kind.Name} {i + 1}/{runs}: {outcome}");
                Console.Error.WriteLine($"{tag} {(failover is null ? "" : failover.ToJson().ToJsonString() + " ")}{outcome}");
                if (i == 0 && outDir is not null && failover is not null)
                {
                    File.WriteAllText(Path.Combine(outDir, $"timeline-{kind.Name}.svg"), TimelineSvg.Draw(BenchRecorder.Timeline(cluster, failover, $"watchdog: {kind.Name} (run 1)")));
                }

                // The next run starts from a settled rack (one active serving, the others standby,
                // the board settled), not from whatever half a second after this one left.
                if (!await cluster.WaitUntilSettledAsync(null, TimeSpan.FromSeconds(60), ct).ConfigureAwait(false))
                {
                    Console.Error.WriteLine($"{tag} the rack did not settle again within 60 s: " +
                                            string.Join("; ", options.Nodes.Select(n => FailoverRun.Describe(cluster, n))));
                }
            }
        }

        return results;
    }

    /// <summary>
    /// One run of any bench fault: a server fault as ever (with a pair, two authorities counted
    /// over its window and the pair restored before it), or a board or wire fault of the pair (PairBench).
    /// </summary>
    private static async Task<PairBenchRun> OneRunAsync(RackCluster cluster, BenchFault kind, int index, long windowStartWall, Action<string> say, CancellationToken ct)
    {
        if (kind.Board is { } board)
        {
            return await PairBench.BoardFaultAsync(cluster, board, index, windowStartWall, say, ct).ConfigureAwait(false);
        }

        if (kind.Wire is { } wire)
        {
            return await PairBench.WireFaultAsync(cluster, wire, index, windowStartWall, say, ct).ConfigureAwait(false);
        }

        var pair = cluster.Options.Boards == 2;
        if (pair && !await PairBench.RestoreAsync(cluster, say, ct).ConfigureAwait(false))
        {
            say("the pair is not settled (one authority, the other passive and in sync); this run starts without it");
        }

        var r = await FailoverRun.RunAsync(cluster, kind.Server!, say, ct).ConfigureAwait(false);
        var run = BenchRecorder.ToBench(cluster, r, index);
        if (pair)
        {
            run = PairBench.WithAuthorities(cluster, run, windowStartWall);
        }

        var outcome = (run.Notes is null ? "ok" : "FAILED") + $": {r.Fault} on {r.Victim} -> {r.NewActive ?? "none"}, rto {(r.RtoMs is { } rto ? $"{rto:0} ms" : "-")}, overlap {r.OverlapMs:0} ms" +
                      (pair ? $", two authorities {run.TwoAuthoritiesMs:0} ms" : "") + (run.Notes is null ? "" : "; " + run.Notes);
        return new PairBenchRun(run, r, outcome);
    }

    /// <summary>
    /// Random fault schedules from a seed; every run goes through the safety checker (its violations
    /// land in the run's notes). With a pair the pool also holds the board faults and the pair's wire
    /// faults (<see cref="BenchSchedule.ChaosPool"/>), and two authorities at once fail a run.
    /// </summary>
    private static async Task<List<BenchResult>> ChaosAsync(RackClusterOptions options, int runs, int seed, List<string> outcomes, CancellationToken ct)
    {
        var random = new Random(seed);
        var kinds = BenchSchedule.ChaosPool(options.Boards);
        var results = new List<BenchResult>();
        await using var cluster = await SettledAsync(options, ct).ConfigureAwait(false);
        var windowStart = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        for (var i = 0; i < runs; i++)
        {
            var kind = kinds[random.Next(kinds.Count)];
            var jitter = random.Next(2) == 1;
            var pause = random.Next(0, 1000);
            var tag = $"[chaos {i + 1}/{runs} seed {seed}]";
            if (!await FailoverRun.RestoreAsync(cluster, line => Console.Error.WriteLine($"{tag} {line}"), ct).ConfigureAwait(false))
            {
                Console.Error.WriteLine($"[chaos {i + 1}/{runs}] the rack could not be restored to one active and one standby; this run starts from a degraded rack");
            }

            // Part of the seeded fault schedule (when in the rack's rhythm the fault lands), not a wait for anything.
            await Task.Delay(pause, ct).ConfigureAwait(false);
            PairBenchRun one;
            using (jitter ? CpuLoad.Start(2) : null)
            {
                one = await OneRunAsync(cluster, kind, i, windowStart, line => Console.Error.WriteLine($"{tag} {line}"), ct).ConfigureAwait(false);
            }

            windowStart = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            var name = kind.Name + (jitter ? "+load" : "");
            results.Add(one.Result with { Scenario = "chaos:" + name });
            var violations = one.Failover?.Violations ?? [];
            var safe = violations.Count == 0 && one.Result.TwoAuthoritiesMs is null or 0;
            Console.Error.WriteLine($"[chaos {i + 1}/{runs}] {kind.Name}{(jitter ? " under load" : "")}: " +
                                    (safe ? "safe" : "VIOLATION " + string.Join("; ", violations.Append(one.Result.TwoAuthoritiesMs > 0 ? $"two authorities {one.Result.TwoAuthoritiesMs} ms" : "").Where(v => v.Length > 0))) +
                                    (options.Boards == 2 ? $"; {one.Outcome}" : ""));
            if (options.Boards == 2)
            {
                outcomes.Add($"chaos {i + 1}/{runs} {name}: {one.Outcome}");
            }
        }

        return results;
    }

    internal static async Task<RackCluster> SettledAsync(RackClusterOptions options, CancellationToken ct)
    {
        var cluster = await RackCluster.StartAsync(options, ct).ConfigureAwait(false);
        if (!await cluster.WaitUntilSettledAsync(null, TimeSpan.FromSeconds(60), ct).ConfigureAwait(false))
        {
            // Say where each node stood, so a rack that never settles can be diagnosed from the output.
            var where = string.Join("; ", options.Nodes.Select(n => FailoverRun.Describe(cluster, n)));
            await cluster.DisposeAsync().ConfigureAwait(false);
            throw new LabFailedException($"the bench rack did not settle within 60 s: {where} (WATCHDOG_KEEP_RACK=1 keeps the rack's logs)");
        }

        if (options.Boards == 2 && !await PairBench.RestoreAsync(cluster, options.Log.WriteLine, ct).ConfigureAwait(false))
        {
            await cluster.DisposeAsync().ConfigureAwait(false);
            throw new LabFailedException("the bench's pair of boards did not settle within 60 s (one authority, the other passive and in sync); WATCHDOG_KEEP_RACK=1 keeps the boards' logs");
        }

        return cluster;
    }
}
