using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Watchdog.Bench.Analysis;
using Watchdog.Bench.Results;
using Watchdog.Lab.Faults;
using Watchdog.Lab.Rack;

namespace Watchdog.Lab.Bench;

/// <summary>One rack size of the scale bench: the board at rest, then single and simultaneous group failures.</summary>
/// <param name="BoardChannels">The board's channels: one per server (the core's ChannelConfig: its heartbeat, power-good, link, reset, power, fence and role wires).</param>
public sealed record ScaleStep(int Groups, int Servers, int BoardChannels, BoardSteadyWindow Steady, IReadOnlyList<ScaleRun> Runs);

/// <summary>One fault run: <see cref="Groups"/> groups failed at the same instant (1: a single failure).</summary>
public sealed record ScaleRun(string Fault, int Groups, int Index, IReadOnlyList<GroupFailoverResult> Results);

/// <summary>
/// `watchdogctl bench --groups N`: the rack with 1, 2, 4 ... up to N groups of two servers (one
/// board, one channel per server); for each size the board's tick lateness, CPU and RSS over a
/// steady window (its own statistics line), then per fault: one group failed alone, and (from two
/// groups) two groups failed at the same instant, each group's RTO on its own virtual IP.
/// </summary>
public static class ScaleBench
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.Never };

    /// <summary>The rack sizes run for <paramref name="groups"/>: the powers of two below it, then it.</summary>
    public static IReadOnlyList<int> Steps(int groups)
    {
        if (groups is < 1 or > RackClusterOptions.MaxGroups)
        {
            throw new FormatException($"--groups {groups}: the virtual rack runs 1 to {RackClusterOptions.MaxGroups} groups of two servers (its pin map wires s1..s8)");
        }

        var steps = new List<int>();
        for (var g = 1; g < groups; g *= 2)
        {
            steps.Add(g);
        }

        steps.Add(groups);
        return steps;
    }

    public static async Task<(string Json, string Text, bool Clean)> RunAsync(RackClusterOptions baseOptions, int groups, IReadOnlyList<Fault> faults, int runs, int steadyMs, DateTimeOffset startedAt, CancellationToken ct)
    {
        var steps = new List<ScaleStep>();
        foreach (var size in Steps(groups))
        {
            var options = baseOptions with { GroupCount = size, BoardStatsIntervalMs = steadyMs };
            Console.Error.WriteLine($"scale: {size} group(s), {size * 2} servers, {size * 2} board channels");
            await using var cluster = await RackCluster.StartAsync(options, ct).ConfigureAwait(false);
            if (!await cluster.WaitUntilAllGroupsSettledAsync(TimeSpan.FromSeconds(90), ct).ConfigureAwait(false))
            {
                throw new LabFailedException($"the {size}-group rack did not settle within 90 s: " +
                                             string.Join("; ", options.RackGroups.Select(g => GroupFailover.Describe(cluster, g.Name, g.Nodes[0]))) + " (WATCHDOG_KEEP_RACK=1 keeps its logs)");
            }

            var steady = await BoardSteadyWindow.MeasureAsync(cluster, steadyMs, ct).ConfigureAwait(false);
            Console.Error.WriteLine($"scale {size}: steady {JsonSerializer.Serialize(steady, Json).ReplaceLineEndings(" ")}");
            var scaleRuns = new List<ScaleRun>();
            foreach (var fault in faults)
            {
                foreach (var together in size >= 2 ? new[] { 1, 2 } : [1])
                {
                    for (var i = 0; i < runs; i++)
                    {
                        var tag = $"[{size} groups, {fault.Name} x{together} {i + 1}/{runs}]";
                        var names = options.RackGroups.Take(together).Select(g => g.Name).ToList();
                        var results = await GroupFailover.RunAsync(cluster, names, fault, line => Console.Error.WriteLine($"{tag} {line}"), ct).ConfigureAwait(false);
                        foreach (var r in results)
                        {
                            Console.Error.WriteLine($"{tag} {r.Group}: {r.Victim} -> {r.NewActive ?? "none"}, detection {r.DetectionMs} ms, rto {r.RtoMs} ms, overlap {r.OverlapMs} ms, spread {r.InjectSpreadMs} ms" +
                                                    (r.Problems.Count == 0 ? "" : "; " + string.Join("; ", r.Problems)));
                        }

                        scaleRuns.Add(new ScaleRun(fault.Name, together, i, results));
                        if (!await cluster.WaitUntilAllGroupsSettledAsync(TimeSpan.FromSeconds(60), ct).ConfigureAwait(false))
                        {
                            Console.Error.WriteLine($"{tag} the rack did not settle again within 60 s");
                        }
                    }
                }
            }

            steps.Add(new ScaleStep(size, size * 2, size * 2, steady, scaleRuns));
        }

        var clean = steps.SelectMany(s => s.Runs).SelectMany(r => r.Results).All(r => r.Problems.Count == 0 && r.OverlapMs == 0);
        var report = new
        {
            // First, as every report in docs/results: when it ran and what it ran.
            date = Watchdog.SourceStamp.Date(startedAt),
            commit = Watchdog.SourceStamp.Commit,
            machine = MachineInfo.Describe(),
            command = Environment.CommandLine,
            channel = "one board channel per server (the core's ChannelConfig): heartbeat in, power-good in, link in, reset, power, fence and role out",
            steady_window_ms = steadyMs,
            steps,
        };
        return (JsonSerializer.Serialize(report, Json), Table(steps), clean);
    }

    /// <summary>The two tables of docs/benchmarks.md "Rack scale": the board at rest, then RTO by rack size and failures at once.</summary>
    public static string Table(IReadOnlyList<ScaleStep> steps)
    {
        var c = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        text.AppendLine("| groups | servers = board channels | ticks | late p50 | late p99 | late max | stalls | board CPU | board RSS | load |");
        text.AppendLine("|---|---|---|---|---|---|---|---|---|---|");
        foreach (var s in steps)
        {
            var w = s.Steady;
            text.AppendLine(c, $"| {s.Groups} | {s.BoardChannels} | {w.Ticks} | {w.LateP50Ms:0.00} ms | {w.LateP99Ms:0.00} ms | {w.LateMaxMs:0.0} ms | {w.Stalls} | {w.CpuPercent:0.0} % | {w.RssMb:0} MiB | {w.LoadAverage:0.00} |");
        }

        text.AppendLine();
        text.AppendLine("| groups | fault | failed at once | runs | RTO p50 | RTO max | detection p50 | spread max | overlap | problems |");
        text.AppendLine("|---|---|---|---|---|---|---|---|---|---|");
        foreach (var s in steps)
        {
            foreach (var set in s.Runs.GroupBy(r => (r.Fault, r.Groups)))
            {
                var results = set.SelectMany(r => r.Results).ToList();
                var rto = results.Where(r => r.RtoMs is not null).Select(r => r.RtoMs!.Value).ToList();
                var detection = results.Where(r => r.DetectionMs is not null).Select(r => r.DetectionMs!.Value).ToList();
                string P(List<double> v, double p) => v.Count == 0 ? "-" : Percentiles.NearestRank(v, p).ToString("0", c) + " ms";
                text.AppendLine(c, $"| {s.Groups} | {set.Key.Fault} | {set.Key.Groups} | {set.Count()} ({results.Count} group failovers) | {P(rto, 50)} | {P(rto, 100)} | {P(detection, 50)} | " +
                                   $"{results.Max(r => r.InjectSpreadMs):0.0} ms | {results.Sum(r => r.OverlapMs):0} ms | {results.Count(r => r.Problems.Count > 0)} |");
            }
        }

        return text.ToString();
    }
}
