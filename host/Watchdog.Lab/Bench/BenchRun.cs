using Watchdog.Bench.Results;
using Watchdog.Bench.Timeline;
using Watchdog.Firmware.Core.Config;
using Watchdog.Lab.Checks;
using Watchdog.Lab.Faults;
using Watchdog.Lab.Peers;
using Watchdog.Lab.Rack;
using Watchdog.Protocol.Wire;

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

    /// <summary>Runs the bench; returns the exit code (0: none of our runs broke a rule, overlapped or fenced falsely).</summary>
    public static async Task<int> RunAsync(BenchSettings settings, CancellationToken ct)
    {
        if (!Platform.Posix.PosixSignals.IsRoot)
        {
            throw new FormatException("bench needs root: it puts servers in network namespaces (sudo watchdogctl bench ...)");
        }

        var n = settings.Runs;
        if (n is < 1 or > 10_000)
        {
            throw new FormatException($"--runs {n}: must be 1..10000");
        }

        var agentPath = settings.Agent;
        if (agentPath is not null)
        {
            agentPath = Path.GetFullPath(agentPath);
            if (!File.Exists(agentPath))
            {
                throw new FormatException($"--agent {agentPath}: no such file (publish it first: dotnet publish host/Watchdog.Agent -c Release -r linux-x64 -o DIR)");
            }

            if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(agentPath) & UnixFileMode.UserExecute) == 0)
            {
                throw new FormatException($"--agent {agentPath}: not executable (a published agent binary, not the .dll)");
            }
        }

        // The board's own word table decides what is a policy, so the bench cannot drift from it.
        var peer = settings.Peer is null ? null : PeerSystems.Parse(settings.Peer);

        var networkWord = settings.NetworkFailure;
        if (!ConfigWords.TryParse(networkWord, out NetworkFailurePolicy networkFailure))
        {
            throw new FormatException($"--network-failure {networkWord}: not a network-failure policy; use demote or fence");
        }

        var startedAt = DateTimeOffset.UtcNow;
        Console.Error.WriteLine("bench: " + SourceStamp.Header(startedAt));
        Console.Error.WriteLine(agentPath is null ? "agent: JIT build (dotnet Watchdog.Agent.dll)" : $"agent: {agentPath}");
        var options = new RackClusterOptions
        {
            Broker = BrokerKind.Mosquitto,
            SecureBroker = settings.SecureBroker,
            HeartbeatPeriodMs = settings.HeartbeatMs,
            Log = Console.Error,
            AgentExecutable = agentPath,
            NetworkFailure = networkFailure,
        };
        var outDir = settings.OutDir;
        if (outDir is not null)
        {
            Directory.CreateDirectory(outDir);
        }

        var report = new List<BenchResult>();
        if (settings.Soak is { } duration)
        {
            report.Add(await SoakAsync(options, duration, ct).ConfigureAwait(false));
        }
        else if (settings.Chaos)
        {
            report.AddRange(await ChaosAsync(options, n, settings.Seed, ct).ConfigureAwait(false));
        }
        else
        {
            var faults = settings.Scenario == "all" ? FaultCatalogue.All : settings.Scenario.Split(',').Select(FaultCatalogue.Parse).ToList();
            report.AddRange(await ScenariosAsync(options, faults, n, outDir, ct).ConfigureAwait(false));
            if (peer is not null)
            {
                report.AddRange(peer.Run(faults, n, outDir, Console.Error));
            }
        }

        var summaries = ScenarioSummary.Summarize(report);
        var line = Environment.CommandLine;
        var stamped = BenchReport.Stamped(startedAt, MachineInfo.Describe(), line, report, summaries);
        var full = BenchJson.Write(stamped);
        var text = stamped.Header + Environment.NewLine + Environment.NewLine + MarkdownReport.Table(summaries, Metrics);
        if (outDir is not null)
        {
            File.WriteAllText(Path.Combine(outDir, "bench.json"), full);
            File.WriteAllText(Path.Combine(outDir, "bench.md"), text);
        }

        Console.WriteLine(settings.Json ? full : text);
        Console.Error.WriteLine(SuggestResultsFile(settings, peer, startedAt));
        // Our runs' notes hold safety violations and unmet expectations; any of them, any
        // overlap or any false fence fails the bench. The peer's overlap is what it measures.
        return report.Any(r => r.Peer == BenchRecorder.Peer && (r.Notes is not null || r.OverlapMs > 0 || r.FalseFences > 0)) ? 1 : 0;
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

    /// <summary>The "what" of a docs/results name: soak, chaos, or failover[-scenarios][-vs-peer].</summary>
    internal static string ResultsWhat(BenchSettings settings, string? peer)
    {
        if (settings.Soak is not null)
        {
            return "soak";
        }

        if (settings.Chaos)
        {
            return "chaos";
        }

        var what = settings.Scenario == "all" ? "failover" : "failover-" + string.Join('-', settings.Scenario.Split(',').Select(s => FaultCatalogue.Parse(s).Name));
        return peer is null ? what : what + "-vs-" + peer;
    }

    private static async Task<List<BenchResult>> ScenariosAsync(RackClusterOptions options, IReadOnlyList<Fault> kinds, int runs, string? outDir, CancellationToken ct)
    {
        var results = new List<BenchResult>();
        await using var cluster = await SettledAsync(options, ct).ConfigureAwait(false);
        foreach (var kind in kinds)
        {
            for (var i = 0; i < runs; i++)
            {
                var r = await FailoverRun.RunAsync(cluster, kind, line => Console.Error.WriteLine($"[{kind.Name} {i + 1}/{runs}] {line}"), ct).ConfigureAwait(false);
                results.Add(BenchRecorder.ToBench(cluster, r, i));
                Console.Error.WriteLine($"[{kind.Name} {i + 1}/{runs}] {r.ToJson().ToJsonString()}");
                if (i == 0 && outDir is not null)
                {
                    File.WriteAllText(Path.Combine(outDir, $"timeline-{kind.Name}.svg"), TimelineSvg.Draw(BenchRecorder.Timeline(cluster, r, $"watchdog: {kind.Name} (run 1)")));
                }

                // The next run starts from a settled rack (one active serving, the others standby,
                // the board settled), not from whatever half a second after this one left.
                if (!await cluster.WaitUntilSettledAsync(null, TimeSpan.FromSeconds(60), ct).ConfigureAwait(false))
                {
                    Console.Error.WriteLine($"[{kind.Name} {i + 1}/{runs}] the rack did not settle again within 60 s: " +
                                            string.Join("; ", options.Nodes.Select(n => FailoverRun.Describe(cluster, n))));
                }
            }
        }

        return results;
    }

    /// <summary>Random fault schedules from a seed; every run goes through the safety checker (its violations land in the run's notes).</summary>
    private static async Task<List<BenchResult>> ChaosAsync(RackClusterOptions options, int runs, int seed, CancellationToken ct)
    {
        var random = new Random(seed);
        var kinds = FaultCatalogue.All;
        var results = new List<BenchResult>();
        await using var cluster = await SettledAsync(options, ct).ConfigureAwait(false);
        for (var i = 0; i < runs; i++)
        {
            var kind = kinds[random.Next(kinds.Count)];
            var jitter = random.Next(2) == 1;
            var pause = random.Next(0, 1000);
            if (!await FailoverRun.RestoreAsync(cluster, line => Console.Error.WriteLine($"[chaos {i + 1}/{runs} seed {seed}] {line}"), ct).ConfigureAwait(false))
            {
                Console.Error.WriteLine($"[chaos {i + 1}/{runs}] the rack could not be restored to one active and one standby; this run starts from a degraded rack");
            }

            // Part of the seeded fault schedule (when in the rack's rhythm the fault lands), not a wait for anything.
            await Task.Delay(pause, ct).ConfigureAwait(false);
            using var load = jitter ? CpuLoad.Start(2) : null;
            var r = await FailoverRun.RunAsync(cluster, kind, line => Console.Error.WriteLine($"[chaos {i + 1}/{runs} seed {seed}] {line}"), ct).ConfigureAwait(false);
            results.Add(BenchRecorder.ToBench(cluster, r, i) with { Scenario = "chaos:" + kind.Name + (jitter ? "+load" : "") });
            Console.Error.WriteLine($"[chaos {i + 1}/{runs}] {kind.Name}{(jitter ? " under load" : "")}: {(r.Violations.Count == 0 ? "safe" : "VIOLATION " + string.Join("; ", r.Violations))}");
        }

        return results;
    }

    /// <summary>No fault at all, CPU-load jitter on both cores: every fence or failure verdict is a false one.</summary>
    private static async Task<BenchResult> SoakAsync(RackClusterOptions options, TimeSpan duration, CancellationToken ct)
    {
        await using var cluster = await SettledAsync(options, ct).ConfigureAwait(false);
        var since = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        using (CpuLoad.Start(2))
        {
            // The soak's length is the measurement: nothing is awaited, every event in it is counted.
            await Task.Delay(duration, ct).ConfigureAwait(false);
        }

        var events = cluster.Observer.Events(since);
        var fences = events.Where(e => e.Kind is "state-fenced" or "reset-pulse" or "power-cycle").ToList();
        var failures = events.Where(e => e.Kind is "state-failed" or "state-suspect").ToList();
        var overlap = cluster.Overlap?.OverlapMs(0, cluster.Clock.NowMs) ?? 0;

        // Every board action and suspicion with its time and detail: a count alone cannot say
        // whether the heartbeat, the board's tick or the broker was late.
        foreach (var e in events.Where(e => e.Severity != Severity.Info || e.Kind.StartsWith("state-", StringComparison.Ordinal)))
        {
            Console.Error.WriteLine($"soak event +{(e.Timestamp - since) / 1000.0:F1} s {e.Source} {e.Kind} {e.Node}: {e.Detail}");
        }

        var suspects = failures.Count(e => e.Kind == "state-suspect");
        var verdicts = failures.Count - suspects;
        Console.Error.WriteLine($"soak {duration}: {fences.Count} false fence(s), {verdicts} failure verdict(s), {suspects} suspicion(s) (heartbeat late, no action), overlap {overlap} ms");
        var notes = verdicts == 0 && fences.Count == 0 ? null :
            $"{verdicts} failure verdict(s) without a fault: " + string.Join("; ", failures.Where(e => e.Kind == "state-failed").Select(e => $"+{(e.Timestamp - since) / 1000.0:F1} s {e.Node}: {e.Detail}"));
        return new BenchResult("soak", BenchRecorder.Peer, 0, null, null, null, null, overlap, null, fences.Count, null, null, duration.TotalMilliseconds, notes);
    }

    private static async Task<RackCluster> SettledAsync(RackClusterOptions options, CancellationToken ct)
    {
        var cluster = await RackCluster.StartAsync(options, ct).ConfigureAwait(false);
        if (!await cluster.WaitUntilSettledAsync(null, TimeSpan.FromSeconds(60), ct).ConfigureAwait(false))
        {
            // Say where each node stood, so a rack that never settles can be diagnosed from the output.
            var where = string.Join("; ", options.Nodes.Select(n => FailoverRun.Describe(cluster, n)));
            await cluster.DisposeAsync().ConfigureAwait(false);
            throw new LabFailedException($"the bench rack did not settle within 60 s: {where} (WATCHDOG_KEEP_RACK=1 keeps the rack's logs)");
        }

        return cluster;
    }
}

/// <summary>What `watchdogctl bench` was asked for; see its options for each.</summary>
public sealed record BenchSettings
{
    /// <summary>"all", or catalogue names (aliases accepted), comma-separated.</summary>
    public string Scenario { get; init; } = "all";

    public int Runs { get; init; } = 5;

    public bool Json { get; init; }

    /// <summary>A peer system to run on the same faults (<see cref="PeerSystems"/>), or null.</summary>
    public string? Peer { get; init; }

    public bool Chaos { get; init; }

    public int Seed { get; init; } = 1;

    public TimeSpan? Soak { get; init; }

    public int HeartbeatMs { get; init; } = 50;

    public string? OutDir { get; init; }

    public string? Agent { get; init; }

    /// <summary>The group's network-failure policy, as the board's config words spell it.</summary>
    public string NetworkFailure { get; init; } = "demote";

    /// <summary>Mosquitto with the users and ACL of `watchdogctl broker config`; false: anonymous clients.</summary>
    public bool SecureBroker { get; init; } = true;
}
