using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Watchdog.Bench.Keepalived;
using Watchdog.Bench.Results;
using Watchdog.Lab.Faults;
using Watchdog.Lab.Rack;

namespace Watchdog.Lab.Bench;

/// <summary>
/// `watchdogctl bench --frontier`: for each heartbeat period, in one invocation, our RTO for
/// hang, agent-crash and power-loss (--runs each), keepalived's at the same advert interval
/// (VRRPv3), and a soak of --soak with both side by side under CPU and I/O load and no fault.
/// Per period: the rack starts, the soak runs (keepalived's pair beside it), then our fault runs
/// on the same rack; the rack is stopped before keepalived's fault runs, so neither system's
/// runs share the machine with the other's.
/// </summary>
public static class FrontierRun
{
    /// <summary>The faults the frontier times: the three where a server stops, each in its own way.</summary>
    public static IReadOnlyList<Fault> Faults { get; } = [FaultCatalogue.Hang, FaultCatalogue.AgentCrash, FaultCatalogue.PowerLoss];

    public const string DefaultPeriods = "10,20,50";

    public static readonly TimeSpan DefaultSoak = TimeSpan.FromMinutes(10);

    /// <summary>Where the I/O load writes: a real disk (/tmp may be tmpfs on some machines).</summary>
    public const string IoLoadDirectory = "/var/tmp";

    /// <summary>The soak's load, as the report states it.</summary>
    public static string LoadDescription =>
        $"CPU: 2 x `nice -n 19 sha256sum /dev/zero`; I/O: 1 x `nice -n 19 sh -c '{IoLoad.Loop}'` in {IoLoadDirectory}";

    /// <summary>
    /// Parses --periods: heartbeat periods in ms, comma-separated, each a multiple of 10 from 10
    /// to 1000 (keepalived's VRRPv3 adverts are whole centiseconds), no repeats; in the order given.
    /// </summary>
    public static IReadOnlyList<int> ParsePeriods(string text)
    {
        var periods = new List<int>();
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries))
        {
            if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var ms))
            {
                throw new FormatException($"--periods {text}: '{part}' is not a whole number of ms");
            }

            if (ms is < 10 or > 1000 || ms % 10 != 0)
            {
                throw new FormatException($"--periods {text}: {ms} ms must be a multiple of 10 from 10 to 1000 (keepalived's VRRPv3 advert interval is in centiseconds; the agent's floor is 10 ms)");
            }

            if (periods.Contains(ms))
            {
                throw new FormatException($"--periods {text}: {ms} ms is given twice");
            }

            periods.Add(ms);
        }

        return periods;
    }

    /// <summary>keepalived at an advert interval of <paramref name="periodMs"/>: VRRPv3, as centisecond adverts need.</summary>
    public static KeepalivedTuning TuningFor(int periodMs) =>
        new($"keepalived-{periodMs}ms", 3, periodMs / 1000.0);

    public static async Task<int> RunAsync(RackClusterOptions baseOptions, IReadOnlyList<int> periods, int runs, TimeSpan soak, string? outDir, bool json, DateTimeOffset startedAt, CancellationToken ct)
    {
        Console.Error.WriteLine($"frontier: periods {string.Join(", ", periods)} ms; {runs} runs of {string.Join(", ", Faults.Select(f => f.Name))} each; soak {soak} per period under {LoadDescription}");
        var points = new List<FrontierPoint>();
        foreach (var period in periods)
        {
            points.Add(await PointAsync(baseOptions, period, runs, soak, outDir, ct).ConfigureAwait(false));
        }

        var root = new JsonObject
        {
            ["date"] = SourceStamp.Date(startedAt),
            ["commit"] = SourceStamp.Commit,
            ["command"] = Environment.CommandLine,
            ["agent"] = baseOptions.AgentExecutable ?? "JIT build (dotnet Watchdog.Agent.dll)",
            ["board"] = baseOptions.BoardExecutable ?? "JIT build (dotnet Watchdog.Board.dll)",
            ["load"] = LoadDescription,
            ["timeout_rule"] = "three heartbeat periods; suspect at two; board tick a quarter period, 5..10 ms",
            ["points"] = new JsonArray(points.Select(p => (JsonNode)p.ToJson()).ToArray()),
        };
        var text = SourceStamp.Header(startedAt) + Environment.NewLine + Environment.NewLine + Table(points);
        var plot = FrontierPlot.Draw(points.Select(p => p.ToPlot()).ToList(), $"Heartbeat frontier: RTO vs period, watchdog and keepalived ({SourceStamp.Date(startedAt)[..10]})");
        if (outDir is not null)
        {
            File.WriteAllText(Path.Combine(outDir, "frontier.json"), root.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
            File.WriteAllText(Path.Combine(outDir, "frontier.md"), text);
            File.WriteAllText(Path.Combine(outDir, "frontier.svg"), plot);
        }

        Console.WriteLine(json ? root.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }) : text);
        Console.Error.WriteLine($"docs/results names: {SourceStamp.FileName("frontier", startedAt, "json")} and .svg" + (outDir is null ? " (use --out DIR to keep them)" : $" (cp {outDir}/frontier.json, frontier.svg)"));
        return points.Any(p => p.Ours.Any(r => r.Notes is not null || r.OverlapMs > 0) || p.Soak.Fences > 0 || p.Soak.Verdicts > 0 || p.Soak.OverlapMs > 0) ? 1 : 0;
    }

    private static async Task<FrontierPoint> PointAsync(RackClusterOptions baseOptions, int period, int runs, TimeSpan soak, string? outDir, CancellationToken ct)
    {
        var options = baseOptions with { HeartbeatPeriodMs = period, TickMs = RackClusterOptions.TickFor(period) };
        var tuning = TuningFor(period);
        var loadBefore = LoadAverage();
        Console.Error.WriteLine($"frontier {period} ms: tick {options.TickMs} ms, timeout {period * 3} ms; keepalived VRRPv3 advert_int {tuning.AdvertIntervalSeconds} s; load average {loadBefore}");
        SoakCounts ours;
        KeepalivedSoakResult theirs;
        List<BenchResult> oursRuns;
        var outcomes = new List<string>();
        string loadAfterSoak;
        await using (var cluster = await BenchRun.SettledAsync(options, ct).ConfigureAwait(false))
        {
            using (CpuLoad.Start(2))
            using (IoLoad.Start(1, IoLoadDirectory))
            {
                // Side by side under the same load: keepalived's pair settles, then soaks as long as ours.
                var peer = Task.Factory.StartNew(() => KeepalivedSoak.Run(tuning, soak, ct, Console.Error), ct, TaskCreationOptions.LongRunning, TaskScheduler.Default);
                ours = await SoakRun.OnAsync(cluster, soak, ct).ConfigureAwait(false);
                try
                {
                    theirs = await peer.ConfigureAwait(false);
                }
                catch (Watchdog.Bench.Network.BenchSetupException e)
                {
                    // A pair that cannot start on a loaded machine (a service not ready in 10 s) costs
                    // keepalived's soak at this period, not the figures already taken or still to come.
                    theirs = KeepalivedSoakResult.NotRun(tuning, e.Message);
                }
                loadAfterSoak = LoadAverage();
            }

            foreach (var line in theirs.Lines)
            {
                Console.Error.WriteLine($"{tuning.Name} soak event {line}");
            }

            Console.Error.WriteLine(theirs.Failure is { } failure ? $"{tuning.Name} soak: not measured: {failure}" : $"{tuning.Name} soak: {theirs.FalseTransitions} false transition(s), {theirs.AdvertTimeouts} advert timeout(s), overlap {theirs.OverlapMs} ms; load average {loadAfterSoak}");
            if (!await cluster.WaitUntilSettledAsync(null, TimeSpan.FromSeconds(60), ct).ConfigureAwait(false))
            {
                Console.Error.WriteLine($"frontier {period} ms: the rack did not settle after the soak; the fault runs start anyway");
            }

            var dir = outDir is null ? null : Directory.CreateDirectory(Path.Combine(outDir, $"{period}ms")).FullName;
            oursRuns = await BenchRun.ScenariosOnAsync(cluster, Faults.Select(f => (BenchFault)f).ToList(), runs, dir, outcomes, ct).ConfigureAwait(false);
        }

        // keepalived's fault runs are shorter than the classic comparison's: at 10-50 ms adverts
        // it takes over within ~200 ms, so a 200 ms phase jitter covers several advert cycles and
        // a 3 s window (a freeze held 2 s) shows the takeover and the frozen master's return.
        var peerRuns = KeepalivedBench.RunMatrix(
            [tuning], Faults.Select(f => f.Keepalived).OfType<KeepalivedFault>().ToList(), runs,
            options: (t, f) => new KeepalivedRunOptions { Tuning = t, Fault = f, FaultPhaseJitterMs = 200, ObserveMs = 3000, FaultHoldMs = 2000, ProbeIntervalMs = options.ProbeIntervalMs },
            log: Console.Error);
        var loadAfter = LoadAverage();
        Console.Error.WriteLine($"frontier {period} ms done; load average {loadAfter}");
        return new FrontierPoint(period, options.TickMs, tuning, loadBefore, loadAfterSoak, loadAfter, oursRuns, [.. peerRuns], ours, theirs, outcomes);
    }

    /// <summary>The 1, 5 and 15 minute load averages, as /proc/loadavg has them.</summary>
    internal static string LoadAverage()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "unknown";
        }
    }

    /// <summary>The Markdown table: one row per (period, fault), then one per period for the soak.</summary>
    internal static string Table(IReadOnlyList<FrontierPoint> points)
    {
        var s = new StringBuilder();
        s.AppendLine("RTO p50 / p99 / max ms (runs), overlap max ms:").AppendLine();
        s.AppendLine("| period | tick | fault | watchdog RTO | watchdog overlap | keepalived RTO | keepalived overlap |");
        s.AppendLine("|---:|---:|---|---|---:|---|---:|");
        foreach (var p in points)
        {
            var summaries = ScenarioSummary.Summarize(p.Ours.Concat(p.Keepalived));
            foreach (var fault in Faults)
            {
                var ours = summaries.FirstOrDefault(x => x.Scenario == fault.Name && x.Peer == BenchRecorder.Peer);
                var theirs = summaries.FirstOrDefault(x => x.Scenario == fault.Keepalived?.Name && x.Peer == p.Tuning.Name);
                s.AppendLine(CultureInfo.InvariantCulture, $"| {p.PeriodMs} ms | {p.TickMs} ms | {fault.Name} | {Rto(ours)} | {Ms(ours?.OverlapMs.Max)} | {Rto(theirs)} | {Ms(theirs?.OverlapMs.Max)} |");
            }
        }

        s.AppendLine().AppendLine("Soak, no fault, under load (" + LoadDescription + "):").AppendLine();
        s.AppendLine("| period | length | watchdog false fences | failure verdicts | suspicions | overlap ms | keepalived false transitions | advert timeouts | overlap ms | load average before / after soak / after |");
        s.AppendLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
        foreach (var p in points)
        {
            s.AppendLine(CultureInfo.InvariantCulture, $"| {p.PeriodMs} ms | {p.Soak.DurationMs / 60000:0.#} min | {p.Soak.Fences} | {p.Soak.Verdicts} | {p.Soak.Suspicions} | {p.Soak.OverlapMs:0} | {(p.PeerSoak.Failure is null ? p.PeerSoak.FalseTransitions : "not measured")} | {(p.PeerSoak.Failure is null ? p.PeerSoak.AdvertTimeouts : "-")} | {(p.PeerSoak.Failure is null ? p.PeerSoak.OverlapMs.ToString("0", CultureInfo.InvariantCulture) : "-")} | {p.LoadBefore} / {p.LoadAfterSoak} / {p.LoadAfter} |");
        }

        return s.ToString();
    }

    private static string Rto(ScenarioSummary? s) =>
        s is null ? "-" : $"{Ms(s.RtoMs.P50)} / {Ms(s.RtoMs.P99)} / {Ms(s.RtoMs.Max)} ({s.RtoMs.Count}{(s.RtoMs.Missing > 0 ? $", {s.RtoMs.Missing} never back" : "")})";

    private static string Ms(double? ms) => ms is double v ? v.ToString("0", CultureInfo.InvariantCulture) : "-";
}

/// <summary>Everything measured at one heartbeat period.</summary>
internal sealed record FrontierPoint(
    int PeriodMs, int TickMs, KeepalivedTuning Tuning, string LoadBefore, string LoadAfterSoak, string LoadAfter,
    IReadOnlyList<BenchResult> Ours, IReadOnlyList<BenchResult> Keepalived, SoakCounts Soak, KeepalivedSoakResult PeerSoak, IReadOnlyList<string> Outcomes)
{
    public FrontierPlotPoint ToPlot()
    {
        var summaries = ScenarioSummary.Summarize(Ours.Concat(Keepalived));
        FrontierRto Of(string scenario, string? peerScenario, string peer) =>
            summaries.FirstOrDefault(x => x.Scenario == peerScenario && x.Peer == peer) is { } s ? new FrontierRto(scenario, s.RtoMs.P50, s.RtoMs.P99) : new FrontierRto(scenario, null, null);
        return new FrontierPlotPoint(
            PeriodMs,
            FrontierRun.Faults.Select(f => Of(f.Name, f.Name, BenchRecorder.Peer)).ToList(),
            FrontierRun.Faults.Select(f => Of(f.Name, f.Keepalived?.Name, Tuning.Name)).ToList(),
            Soak.Fences,
            PeerSoak.Failure is null ? PeerSoak.FalseTransitions : null);
    }

    public JsonObject ToJson()
    {
        var runs = Ours.Concat(Keepalived).ToList();
        var report = BenchReport.Stamped(DateTimeOffset.UtcNow, MachineInfo.Describe(), "", runs, ScenarioSummary.Summarize(runs));
        var node = JsonNode.Parse(BenchJson.Write(report))!.AsObject();
        return new JsonObject
        {
            ["period_ms"] = PeriodMs,
            ["tick_ms"] = TickMs,
            ["timeout_ms"] = PeriodMs * 3,
            ["keepalived"] = Tuning.Name,
            ["keepalived_advert_int_s"] = Tuning.AdvertIntervalSeconds,
            ["load_average_before"] = LoadBefore,
            ["load_average_after_soak"] = LoadAfterSoak,
            ["load_average_after"] = LoadAfter,
            ["soak"] = new JsonObject
            {
                ["duration_ms"] = Soak.DurationMs,
                ["false_fences"] = Soak.Fences,
                ["failure_verdicts"] = Soak.Verdicts,
                ["suspicions"] = Soak.Suspicions,
                ["overlap_ms"] = Soak.OverlapMs,
                ["events"] = new JsonArray(Soak.Events.Select(e => (JsonNode)e).ToArray()),
                ["steal"] = Soak.Steal,
                ["board_ticks"] = Soak.BoardTicks,
            },
            ["keepalived_soak"] = new JsonObject
            {
                ["duration_ms"] = PeerSoak.DurationMs,
                ["false_transitions"] = PeerSoak.FalseTransitions,
                ["advert_timeouts"] = PeerSoak.AdvertTimeouts,
                ["overlap_ms"] = PeerSoak.OverlapMs,
                ["holder_sample_ms"] = KeepalivedSoak.HolderIntervalMs,
                ["not_measured"] = PeerSoak.Failure,
                ["events"] = new JsonArray(PeerSoak.Lines.Select(e => (JsonNode)e).ToArray()),
            },
            ["outcomes"] = new JsonArray(Outcomes.Select(e => (JsonNode)e).ToArray()),
            ["machine"] = node["machine"]!.DeepClone(),
            ["summaries"] = node["summaries"]!.DeepClone(),
            ["runs"] = node["runs"]!.DeepClone(),
        };
    }
}
