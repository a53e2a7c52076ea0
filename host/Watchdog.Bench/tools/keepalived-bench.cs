#!/usr/bin/env -S dotnet run
#:project ../Watchdog.Bench.csproj
// Measures keepalived (Debian's package) in network namespaces: every fault, defaults and tuned,
// N runs each; writes JSON, a Markdown table and SVG timelines. Needs root.
//   sudo dotnet run host/Watchdog.Bench/tools/keepalived-bench.cs -- --runs 5 --out /tmp/kb
// Options: --runs N (default 5), --scenario NAME|all, --tuning defaults|tuned|all, --out DIR,
//          --first-run K (index of the first run, default 0: runs K.. get their own fault phases),
//          --from-json FILE[,FILE...] (no runs: re-render the tables of earlier keepalived.json files, merged),
//          --window MS (default 8500), --hold MS (default 6000).
using System.Globalization;
using Watchdog.Bench.Keepalived;
using Watchdog.Bench.Results;
using Watchdog.Bench.Timeline;

int runs = 5;
string scenario = "all";
string tuning = "all";
string output = "keepalived-bench-out";
double window = 8500;
double hold = 6000;
string? fromJson = null;
int firstRun = 0;
for (int i = 0; i < args.Length; i++)
{
    string value = i + 1 < args.Length ? args[i + 1] : throw new ArgumentException($"option {args[i]} needs a value");
    switch (args[i])
    {
        case "--runs": runs = int.Parse(value, CultureInfo.InvariantCulture); break;
        case "--scenario": scenario = value; break;
        case "--tuning": tuning = value; break;
        case "--out": output = value; break;
        case "--window": window = double.Parse(value, CultureInfo.InvariantCulture); break;
        case "--hold": hold = double.Parse(value, CultureInfo.InvariantCulture); break;
        case "--from-json": fromJson = value; break;
        case "--first-run": firstRun = int.Parse(value, CultureInfo.InvariantCulture); break;
        default: throw new ArgumentException($"unknown option {args[i]}; known: --runs --first-run --scenario --tuning --out --window --hold --from-json");
    }

    i++;
}

if (fromJson is not null)
{
    // Re-summarised from the runs: older files may lack newer summary fields.
    var merged = fromJson.Split(',').SelectMany(file => BenchJson.Read(File.ReadAllText(file)).Runs).ToList();
    Console.WriteLine(Tables(ScenarioSummary.Summarize(merged)));
    return;
}

IReadOnlyList<KeepalivedFault> faults = scenario == "all" ? KeepalivedFaults.All : [KeepalivedFaults.Parse(scenario)];
IReadOnlyList<KeepalivedTuning> tunings = tuning switch
{
    "all" => [KeepalivedTuning.Defaults, KeepalivedTuning.Tuned],
    "defaults" => [KeepalivedTuning.Defaults],
    "tuned" => [KeepalivedTuning.Tuned],
    _ => throw new ArgumentException($"unknown tuning '{tuning}'; known: defaults, tuned, all"),
};

Directory.CreateDirectory(output);
DateTimeOffset startedAt = DateTimeOffset.UtcNow;
Console.WriteLine("keepalived bench: " + Watchdog.SourceStamp.Header(startedAt));
string command = "dotnet run host/Watchdog.Bench/tools/keepalived-bench.cs -- " + string.Join(' ', args);
IReadOnlyList<BenchResult> results = KeepalivedBench.RunMatrix(
    tunings,
    faults,
    runs,
    firstRun,
    (t, f) => new KeepalivedRunOptions { Tuning = t, Fault = f, ObserveMs = window, FaultHoldMs = Math.Min(hold, window) },
    run =>
    {
        // Keep every run's timeline: the one for the docs is picked by looking at them.
        string name = $"{run.Result.Peer}-{run.Result.Scenario}-{run.Result.RunIndex}.svg";
        File.WriteAllText(Path.Combine(output, name), TimelineSvg.Draw(run.Timeline));
    },
    Console.Out);

var summaries = ScenarioSummary.Summarize(results);
var report = BenchReport.Stamped(startedAt, MachineInfo.Describe(), command, results, summaries);
File.WriteAllText(Path.Combine(output, "keepalived.json"), BenchJson.Write(report));
string table = Tables(summaries);
File.WriteAllText(Path.Combine(output, "keepalived.md"), report.Header + "\n\n" + table);
Console.WriteLine(report.Header);
Console.WriteLine();
Console.WriteLine(table);
Console.WriteLine($"docs/results name for this report: {Watchdog.SourceStamp.FileName("keepalived", startedAt, "json")} (cp {Path.Combine(output, "keepalived.json")} there)");
Console.WriteLine($"machine: {report.Machine.Cpus} CPUs, kernel {report.Machine.Kernel}, {report.Machine.KeepalivedVersion}; written to {Path.GetFullPath(output)}");

// Two tables: how fast (detection, takeover, RTO, outage) and how safe (overlap, flaps).
static string Tables(IEnumerable<ScenarioSummary> summaries) =>
    "Timing (ms after the fault)\n\n"
    + MarkdownReport.Table(summaries, [
        new("detection", s => s.DetectionMs, "ms"),
        new("takeover", s => s.TakeoverMs, "ms"),
        new("RTO", s => s.RtoMs, "ms"),
        new("outage", s => s.OutageMs, "ms"),
    ])
    + "\nSafety (within the window after the fault)\n\n"
    + MarkdownReport.Table(summaries, [
        new("overlap", s => s.OverlapMs, "ms"),
        new("flaps", s => s.Flaps, string.Empty),
        new("answer changes", s => s.AnswerChanges, string.Empty),
    ]);
