#!/usr/bin/env -S dotnet run
#:project ../Watchdog.Bench.csproj
// Measures keepalived (Debian's package) in network namespaces: every fault, defaults and tuned,
// N runs each; writes JSON, a Markdown table and SVG timelines. Needs root.
//   sudo dotnet run host/Watchdog.Bench/tools/keepalived-bench.cs -- --runs 5 --out /tmp/kb
// Options: --runs N (default 5), --scenario NAME|all, --tuning defaults|tuned|all, --out DIR,
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
        default: throw new ArgumentException($"unknown option {args[i]}; known: --runs --scenario --tuning --out --window --hold");
    }

    i++;
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
string command = "dotnet run host/Watchdog.Bench/tools/keepalived-bench.cs -- " + string.Join(' ', args);
IReadOnlyList<BenchResult> results = KeepalivedBench.RunMatrix(
    tunings,
    faults,
    runs,
    (t, f) => new KeepalivedRunOptions { Tuning = t, Fault = f, ObserveMs = window, FaultHoldMs = Math.Min(hold, window) },
    run =>
    {
        // Keep every run's timeline: the one for the docs is picked by looking at them.
        string name = $"{run.Result.Peer}-{run.Result.Scenario}-{run.Result.RunIndex}.svg";
        File.WriteAllText(Path.Combine(output, name), TimelineSvg.Draw(run.Timeline));
    },
    Console.Out);

var summaries = ScenarioSummary.Summarize(results);
var report = new BenchReport(MachineInfo.Describe(), command, results, summaries);
File.WriteAllText(Path.Combine(output, "keepalived.json"), BenchJson.Write(report));
string table = MarkdownReport.Table(summaries, [
    new("detection", s => s.DetectionMs, "ms"),
    new("takeover", s => s.TakeoverMs, "ms"),
    new("RTO", s => s.RtoMs, "ms"),
    new("outage", s => s.OutageMs, "ms"),
    new("overlap", s => s.OverlapMs, "ms"),
    new("flaps", s => s.Flaps, string.Empty),
]);
File.WriteAllText(Path.Combine(output, "keepalived.md"), table);
Console.WriteLine(table);
Console.WriteLine($"machine: {report.Machine.Cpus} CPUs, kernel {report.Machine.Kernel}, {report.Machine.KeepalivedVersion}; written to {Path.GetFullPath(output)}");
