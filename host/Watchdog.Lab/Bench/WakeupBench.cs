using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Watchdog.Bench.Analysis;
using Watchdog.Platform.Posix;

namespace Watchdog.Lab.Bench;

/// <summary>One thread's wake-ups in one phase, ms after each deadline.</summary>
/// <param name="Thread">"unpinned" (as the agent's heartbeat thread runs), "cpuN" (pinned), or "earlier of the pinned" (per deadline, the first pinned thread awake).</param>
public sealed record WakeupSeries(string Thread, int WakeUps, double P50Ms, double P99Ms, double MaxMs, int Suspect, int Timeout);

/// <summary>One load phase: every thread's series, the load average after it.</summary>
public sealed record WakeupPhase(string Load, double Seconds, string LoadAverageAfter, IReadOnlyList<WakeupSeries> Series);

/// <summary>
/// `watchdogctl bench --wakeup`: how late this machine wakes a real-time thread at the heartbeat's
/// pace, the agent's side of every late edge without a board or a network. Threads in SCHED_RR
/// (the agent's priority) wait for a deadline every half period, as the heartbeat pump does: one
/// free to run on any CPU, as the pump runs, and one pinned to each CPU. Three phases of --soak
/// each (default a minute): quiet, the frontier's I/O load, then its CPU and I/O load. An edge
/// late by 1.5 periods would be suspected by the board (no edge for two periods), by 2.5 periods
/// a timeout (three), if the edge before it was on time. A deadline every pinned thread woke late
/// for was a stall no placement of the thread avoids (the whole machine, or the hypervisor);
/// one only some woke late for was a CPU busy in another task's kernel code.
/// </summary>
public static class WakeupBench
{
    public static readonly TimeSpan DefaultPhase = TimeSpan.FromMinutes(1);

    private const int RealtimePriority = 10; // the agent's Heartbeat:RealtimePriority default

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public static int Run(BenchSettings settings, CancellationToken ct)
    {
        if (settings.Chaos || settings.Peer is not null || settings.Groups is not null || settings.Periods is not null || settings.Scenario != "all" || settings.Boards != 1)
        {
            throw new FormatException("--wakeup measures this machine's thread wake-ups alone: no --scenario, --peer, --chaos, --boards, --groups or --frontier");
        }

        BenchRun.CheckHeartbeatMs(settings);

        var phase = settings.Soak ?? DefaultPhase;
        if (phase < TimeSpan.FromSeconds(1) || phase > TimeSpan.FromHours(1))
        {
            throw new FormatException($"--soak {phase}: with --wakeup each of the three phases lasts this long; 00:00:01 to 01:00:00");
        }

        if (!PosixSignals.IsRoot)
        {
            throw new FormatException("bench --wakeup needs root: its threads run SCHED_RR as the agent's heartbeat does (sudo watchdogctl bench --wakeup)");
        }

        var startedAt = DateTimeOffset.UtcNow;
        var kernel = KernelPreemption.OfRunningKernel();
        var header = $"bench --wakeup: {SourceStamp.Header(startedAt)}; heartbeat {settings.HeartbeatMs} ms (a deadline every {settings.HeartbeatMs / 2} ms); " +
                     $"SCHED_RR {RealtimePriority}; kernel preemption {kernel.Word} (from {kernel.Source}); {Environment.ProcessorCount} CPUs; phases of {phase.TotalSeconds:0} s";
        Console.Error.WriteLine(header);
        var phases = new List<WakeupPhase>();
        foreach (var (load, cpu, io) in new[] { ("quiet", 0, 0), ("I/O", 0, 1), ("CPU and I/O", 2, 1) })
        {
            ct.ThrowIfCancellationRequested();
            using (CpuLoad.Start(cpu))
            using (IoLoad.Start(io, FrontierRun.IoLoadDirectory))
            {
                var series = Measure(settings.HeartbeatMs, phase, ct);
                phases.Add(new WakeupPhase(load, phase.TotalSeconds, FrontierRun.LoadAverage(), series));
                Console.Error.WriteLine($"wakeup {load}: " + string.Join("; ", series.Select(s => $"{s.Thread} max {s.MaxMs:0.0} ms, {s.Suspect} suspect")));
            }
        }

        var text = Table(header, settings.HeartbeatMs, phases);
        var json = JsonSerializer.Serialize(new
        {
            date = SourceStamp.Date(startedAt),
            commit = SourceStamp.Commit,
            heartbeat_ms = settings.HeartbeatMs,
            realtime_priority = RealtimePriority,
            kernel_preemption = kernel.Word,
            kernel_preemption_source = kernel.Source,
            cpus = Environment.ProcessorCount,
            load = FrontierRun.LoadDescription,
            phases,
        }, Json);
        if (settings.OutDir is { } dir)
        {
            Directory.CreateDirectory(dir);
            File.WriteAllText(Path.Combine(dir, "wakeup.json"), json);
            File.WriteAllText(Path.Combine(dir, "wakeup.md"), text);
        }

        Console.WriteLine(settings.Json ? json : text);
        var name = SourceStamp.FileName("wakeup", startedAt, "json");
        Console.Error.WriteLine($"docs/results name for this report: {name}{(SourceStamp.IsDirty(SourceStamp.Commit) ? " (built from a tree with uncommitted changes: these figures belong to no commit)" : "")}");
        return 0;
    }

    /// <summary>One phase: the threads wait for the same deadlines side by side.</summary>
    internal static IReadOnlyList<WakeupSeries> Measure(int periodMs, TimeSpan length, CancellationToken ct)
    {
        int halfMs = Math.Max(1, periodMs / 2);
        int deadlines = (int)(length.TotalMilliseconds / halfMs);
        int cpus = Math.Min(Environment.ProcessorCount, 64);
        var placements = new int?[cpus + 1];
        for (int c = 0; c < cpus; c++)
        {
            placements[c + 1] = c;
        }

        // Far enough ahead that every thread is waiting before the first deadline.
        long anchor = Stopwatch.GetTimestamp() + Stopwatch.Frequency / 5;
        var late = placements.Select(_ => new double[deadlines]).ToArray();
        var refused = new bool[placements.Length];
        var threads = placements.Select((cpu, i) => new Thread(() => refused[i] = !Pace(cpu, anchor, halfMs, late[i], ct)) { IsBackground = true, Name = cpu is null ? "wakeup" : $"wakeup-cpu{cpu}" }).ToArray();
        foreach (var t in threads)
        {
            t.Start();
        }

        foreach (var t in threads)
        {
            t.Join();
        }

        ct.ThrowIfCancellationRequested();
        if (Array.IndexOf(refused, true) is var r and >= 0)
        {
            throw new InvalidOperationException($"the wake-up bench could not make its thread real-time{(placements[r] is { } c ? $" and pin it to cpu{c}" : "")} (sched_setscheduler / sched_setaffinity refused)");
        }

        var series = new List<WakeupSeries> { Summarize("unpinned", late[0], periodMs) };
        for (int c = 0; c < cpus; c++)
        {
            series.Add(Summarize($"cpu{c}", late[c + 1], periodMs));
        }

        var earliest = Enumerable.Range(0, deadlines).Select(i => late.Skip(1).Min(l => l[i])).ToArray();
        series.Add(Summarize("earlier of the pinned", earliest, periodMs));
        return series;
    }

    // As the heartbeat pump waits: a deadline every half period, a millisecond-rounded wait on an
    // event, never catching up a burst after a stall (a late wake-up skips the deadlines it missed).
    // False when the thread could not be made real-time or pinned (it measures nothing then).
    private static bool Pace(int? cpu, long anchor, int halfMs, double[] lateMs, CancellationToken ct)
    {
        if (!PosixSignals.TryMakeCurrentThreadRealTime(RealtimePriority) || (cpu is { } c && !PosixSignals.TryPinCurrentThread(c)))
        {
            return false;
        }

        using var never = new ManualResetEventSlim(false);
        long half = Stopwatch.Frequency * halfMs / 1000;
        for (int i = 0; i < lateMs.Length && !ct.IsCancellationRequested; i++)
        {
            long due = anchor + ((i + 1) * half);
            long remaining = due - Stopwatch.GetTimestamp();
            if (remaining > 0)
            {
                never.Wait((int)Math.Max(1, ((remaining * 1000) + Stopwatch.Frequency - 1) / Stopwatch.Frequency), CancellationToken.None);
            }

            lateMs[i] = Math.Max(0, (Stopwatch.GetTimestamp() - due) * 1000.0 / Stopwatch.Frequency);
        }

        return true;
    }

    internal static WakeupSeries Summarize(string thread, double[] lateMs, int periodMs)
    {
        var d = Distribution.Of(lateMs.Select(x => (double?)x));
        return new WakeupSeries(thread, lateMs.Length, Math.Round(d.P50 ?? 0, 2), Math.Round(d.P99 ?? 0, 2), Math.Round(d.Max ?? 0, 1),
            lateMs.Count(x => x >= 1.5 * periodMs), lateMs.Count(x => x >= 2.5 * periodMs));
    }

    private static string Table(string header, int periodMs, IReadOnlyList<WakeupPhase> phases)
    {
        var s = new StringBuilder();
        s.AppendLine(header).AppendLine();
        s.AppendLine(CultureInfo.InvariantCulture, $"| load | thread | wake-ups | late p50 / p99 / max (ms) | late >= {1.5 * periodMs:0} ms (suspected) | late >= {2.5 * periodMs:0} ms (timeout) |");
        s.AppendLine("|---|---|---:|---|---:|---:|");
        foreach (var p in phases)
        {
            foreach (var x in p.Series)
            {
                s.AppendLine(CultureInfo.InvariantCulture, $"| {p.Load} | {x.Thread} | {x.WakeUps} | {x.P50Ms:0.00} / {x.P99Ms:0.00} / {x.MaxMs:0.0} | {x.Suspect} | {x.Timeout} |");
            }
        }

        s.AppendLine().AppendLine(CultureInfo.InvariantCulture, $"load: {FrontierRun.LoadDescription}; load average after each phase: {string.Join(", ", phases.Select(p => p.Load + " " + p.LoadAverageAfter))}");
        double worst = phases.SelectMany(p => p.Series).Where(x => x.Thread == "unpinned").Max(x => x.MaxMs);
        s.AppendLine(CultureInfo.InvariantCulture, $"worst wake-up of the unpinned thread (as the agent's heartbeat thread runs): {worst:0.0} ms; no edge that late would have been suspected at a period of {ShortestPeriod(worst, 1.5)} ms or more, nor timed out at {ShortestPeriod(worst, 2.5)} ms or more")
         .AppendLine("(in these phases; a longer run, the server's own load and its other threads can only find later ones)");
        return s.ToString();
    }

    /// <summary>The shortest period, in whole tens of ms (10 at least), whose <paramref name="periods"/> exceed <paramref name="lateMs"/>.</summary>
    internal static int ShortestPeriod(double lateMs, double periods) =>
        Math.Max(10, (int)(Math.Floor(lateMs / periods / 10) + 1) * 10);
}
