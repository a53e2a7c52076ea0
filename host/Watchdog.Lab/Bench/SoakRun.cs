using Watchdog.Bench.Results;
using Watchdog.Lab.Rack;
using Watchdog.Protocol.Wire;

namespace Watchdog.Lab.Bench;

/// <summary>
/// The soak (`watchdogctl bench --soak`): a settled rack watched with no fault while the machine is
/// loaded, so that every fence or failure verdict the board gives is a false one; each event is
/// printed with what was around it (steal, the board's own tick, the fenced agent's edges).
/// </summary>
public static class SoakRun
{
    /// <summary>No fault at all, CPU-load jitter on both cores: every fence or failure verdict is a false one.</summary>
    internal static async Task<BenchResult> RunAsync(RackClusterOptions options, TimeSpan duration, CancellationToken ct)
    {
        await using var cluster = await BenchRun.SettledAsync(options, ct).ConfigureAwait(false);
        SoakCounts counts;
        using (CpuLoad.Start(2))
        {
            counts = await OnAsync(cluster, duration, ct).ConfigureAwait(false);
        }

        return counts.ToBench();
    }

    /// <summary>
    /// Watches a settled rack for <paramref name="duration"/> with no fault (the caller loads the
    /// machine) and counts what the board did: every fence or failure verdict is a false one.
    /// </summary>
    internal static async Task<SoakCounts> OnAsync(RackCluster cluster, TimeSpan duration, CancellationToken ct)
    {
        var since = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var overlapFrom = cluster.Clock.NowMs;
        await using StealMeter? steal = StealMeter.Start();
        // The soak's length is the measurement: nothing is awaited, every event in it is counted.
        await Task.Delay(duration, ct).ConfigureAwait(false);

        var events = cluster.Observer.Events(since);
        var fences = events.Where(e => e.Kind is "state-fenced" or "reset-pulse" or "power-cycle").ToList();
        var failures = events.Where(e => e.Kind is "state-failed" or "state-suspect").ToList();
        var overlap = cluster.Overlap?.OverlapMs(overlapFrom, cluster.Clock.NowMs) ?? 0;

        // Every board action and suspicion with its time and detail: a count alone cannot say
        // whether the heartbeat, the board's tick or the broker was late.
        // The steal in the second before each (an agent reports a late edge within a second of it):
        // whether the hypervisor took the CPUs then (StealMeter). And the board's latest tick in
        // that statistics window: a board that stalled with its servers saw their edges late too.
        static DateTime Utc(long unixMs) => DateTimeOffset.FromUnixTimeMilliseconds(unixMs).UtcDateTime;
        var ticks = BoardTickWindow.Read(cluster.BoardLog, Utc(since), DateTime.UtcNow);
        var lines = events.Where(e => e.Severity != Severity.Info || e.Kind.StartsWith("state-", StringComparison.Ordinal))
            .Select(e => $"+{(e.Timestamp - since) / 1000.0:F1} s {e.Source} {e.Kind} {e.Node}: {e.Detail}"
                + (steal is null ? "" : $" [steal in the second before: {steal.StealMs(e.Timestamp - 1000, e.Timestamp):0} ms]")
                + (BoardTickWindow.Holding(ticks, Utc(e.Timestamp)) is { } w ? $" [the board's latest tick in that window: {w.LateMaxMs:0.0} ms late]" : "")).ToList();
        // A fenced agent is frozen by its reset before it can report why its line stopped: its
        // flight recorder says whether the edges really stopped and what held the last one.
        foreach (var verdict in failures.Where(e => e.Kind == "state-failed"))
        {
            var edges = EdgeHistory.Before(cluster.EdgeRecordFile(verdict.Node), verdict.Timestamp);
            lines.Add($"+{(verdict.Timestamp - since) / 1000.0:F1} s {verdict.Node} edges: {EdgeHistory.Describe(edges, verdict.Timestamp)}");
        }

        foreach (var line in lines)
        {
            Console.Error.WriteLine("soak event " + line);
        }

        string? stealSummary = steal?.WorstSecond() is { } worst
            ? $"{steal.StealMs(since, since + (long)duration.TotalMilliseconds):0} ms in the soak (all CPUs together), at most {worst.StealMs:0} ms in one second (+{(worst.EndUnixMs - since) / 1000.0:F1} s)"
            : null;
        Console.Error.WriteLine("soak steal (the hypervisor running something else while this machine's CPUs had work): " + (stealSummary ?? "not measured, no /proc/stat"));
        string? boardTicks = BoardTickWindow.Summary(ticks, Utc(since));
        Console.Error.WriteLine("soak board ticks: " + (boardTicks ?? "no statistics line in the board's log"));

        var suspects = failures.Count(e => e.Kind == "state-suspect");
        var verdicts = failures.Count - suspects;
        Console.Error.WriteLine($"soak {duration}: {fences.Count} false fence(s), {verdicts} failure verdict(s), {suspects} suspicion(s) (heartbeat late, no action), overlap {overlap} ms");
        var notes = verdicts == 0 && fences.Count == 0 ? null :
            $"{verdicts} failure verdict(s) without a fault: " + string.Join("; ", failures.Where(e => e.Kind == "state-failed").Select(e => $"+{(e.Timestamp - since) / 1000.0:F1} s {e.Node}: {e.Detail}"));
        return new SoakCounts(duration.TotalMilliseconds, fences.Count, verdicts, suspects, overlap, notes, lines, stealSummary, boardTicks);
    }
}

/// <summary>
/// What a soak counted on our side: fences and failure verdicts are false ones (there was no fault);
/// suspicions are late heartbeats the board took no action on. Steal sums up the hypervisor's steal
/// time over the soak (<see cref="StealMeter"/>), null where it was not measured; BoardTicks the
/// board's own tick lateness in each statistics window (<see cref="BoardTickWindow"/>), null when
/// its log had none.
/// </summary>
public sealed record SoakCounts(double DurationMs, int Fences, int Verdicts, int Suspicions, double OverlapMs, string? Notes, IReadOnlyList<string> Events, string? Steal, string? BoardTicks)
{
    public BenchResult ToBench() => new("soak", BenchRecorder.Peer, 0, null, null, null, null, OverlapMs, null, Fences, null, null, DurationMs, Notes);
}
