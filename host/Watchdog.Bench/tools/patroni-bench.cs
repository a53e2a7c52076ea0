#!/usr/bin/env -S dotnet run
#:project ../Watchdog.Bench.csproj
// Measures Patroni 3.0.2 with etcd 3.4 and PostgreSQL 15 (Debian's packages) in network
// namespaces: a fresh two-node cluster per run, one fault into the primary, the client writing
// through the cluster (multi-host, target_session_attrs=read-write). Writes JSON and Markdown. Needs root.
//   sudo dotnet run host/Watchdog.Bench/tools/patroni-bench.cs -- --runs 3 --out /tmp/pb
// Options: --runs N (default 3), --first-run K, --out DIR,
//          --scenario hang|primary-crash|power-loss|link-loss|all (comma-separated; default all),
//          --tuning defaults|tuned|defaults-sync|tuned-sync|all|ttl=T,loop_wait=L,retry_timeout=R[,sync]
//                   (default all = the four named ones; a tuning breaking loop_wait + 2*retry_timeout <= ttl is refused).
using System.Globalization;
using Watchdog.Bench.Patroni;
using Watchdog.Bench.Results;

int runs = 3;
int firstRun = 0;
string scenario = "all";
string tuning = "all";
string output = "patroni-bench-out";
for (int i = 0; i < args.Length; i++)
{
    string value = i + 1 < args.Length ? args[i + 1] : throw new ArgumentException($"option {args[i]} needs a value");
    switch (args[i])
    {
        case "--runs": runs = int.Parse(value, CultureInfo.InvariantCulture); break;
        case "--first-run": firstRun = int.Parse(value, CultureInfo.InvariantCulture); break;
        case "--scenario": scenario = value; break;
        case "--tuning": tuning = value; break;
        case "--out": output = value; break;
        default: throw new ArgumentException($"unknown option {args[i]}; known: --runs --first-run --scenario --tuning --out");
    }

    i++;
}

IReadOnlyList<PatroniFault> faults = scenario == "all" ? PatroniFaults.All : [.. scenario.Split(',').Select(PatroniFaults.Parse)];
IReadOnlyList<PatroniTuning> tunings = tuning == "all"
    ? [PatroniTuning.Defaults, PatroniTuning.Tuned, PatroniTuning.Defaults.WithSynchronousMode(true), PatroniTuning.Tuned.WithSynchronousMode(true)]
    : [PatroniTuning.Parse(tuning)];

Directory.CreateDirectory(output);
DateTimeOffset startedAt = DateTimeOffset.UtcNow;
Console.WriteLine("patroni bench: " + Watchdog.SourceStamp.Header(startedAt));
foreach (PatroniTuning t in tunings)
{
    Console.WriteLine("  " + t);
}

string command = "dotnet run host/Watchdog.Bench/tools/patroni-bench.cs -- " + string.Join(' ', args);
IReadOnlyList<BenchResult> results = PatroniBench.RunMatrix(tunings, faults, runs, firstRun, onRun: run =>
{
    // Every node's Patroni log, lines stamped in ms on the run's clock, fault at the top.
    foreach (var (node, lines) in run.Logs)
    {
        string name = $"{run.Result.Peer}-{run.Result.Scenario}-{run.Result.RunIndex}-{node}.log";
        File.WriteAllLines(Path.Combine(output, name), lines.Select(l => $"{l.AtMs,10:0} {l.Text}").Prepend($"# fault at {run.FaultMs:0} ms; {PatroniBench.Describe(run)}"));
    }
}, log: Console.Out);

var summaries = ScenarioSummary.Summarize(results);
var report = BenchReport.Stamped(startedAt, MachineInfo.Describe(), command, results, summaries);
File.WriteAllText(Path.Combine(output, "patroni.json"), BenchJson.Write(report));
string table = "Timing (ms after the fault)\n\n"
    + MarkdownReport.Table(summaries, [
        new("takeover", s => s.TakeoverMs, "ms"),
        new("RTO", s => s.RtoMs, "ms"),
    ])
    + "\nData and safety\n\n"
    + MarkdownReport.Table(summaries, [
        new("rpo_rows", s => s.RpoRows!, string.Empty),
        new("rpo span", s => s.RpoSpanMs!, "ms"),
        new("two primaries", s => s.TwoPrimariesMs!, "ms"),
    ]);
File.WriteAllText(Path.Combine(output, "patroni.md"), report.Header + "\n\n" + table);
Console.WriteLine(report.Header);
Console.WriteLine();
Console.WriteLine(table);
Console.WriteLine($"written to {Path.GetFullPath(output)}");
