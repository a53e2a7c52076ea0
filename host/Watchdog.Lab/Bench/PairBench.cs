using Watchdog.Bench.Results;
using Watchdog.Lab.Checks;
using Watchdog.Lab.Demo;
using Watchdog.Lab.Faults;
using Watchdog.Lab.Rack;

namespace Watchdog.Lab.Bench;

/// <summary>One bench run on a pair of boards: its record, the server failover in it (if one ran), and one line on how it ended.</summary>
public sealed record PairBenchRun(BenchResult Result, FailoverResult? Failover, string Outcome);

/// <summary>
/// The bench's runs on a rack with a pair of boards (--boards 2): a board fault on the authority
/// (then the active's agent crash under the other board), or a cut of the pair's wires (with the
/// agent crash under it). Every run ends with the rack brought back: one board authority, the
/// other passive and in sync, so the next run starts on the same rack as the single-board bench's.
/// Two authorities are counted over the whole window since the run before (AuthorityOverlap), the
/// restore included.
/// </summary>
public static class PairBench
{
    public static readonly TimeSpan RestoreTimeout = TimeSpan.FromSeconds(60);

    /// <summary>How long a pair wire stays cut before the server fault: several of both timeouts (80 and 100 ms), so both boards have seen the cut.</summary>
    public static readonly TimeSpan WireCutLead = TimeSpan.FromSeconds(1);

    /// <summary>The board fault on whichever board holds authority, then agent-crash of the active under the other.</summary>
    public static async Task<PairBenchRun> BoardFaultAsync(RackCluster cluster, BoardFault fault, int runIndex, long windowStartWall, Action<string> say, CancellationToken ct)
    {
        var notes = new List<string>();
        PairResult? r = null;
        try
        {
            r = await PairDemoRun.MeasureAsync(cluster, fault, FaultCatalogue.AgentCrash, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), say, ct).ConfigureAwait(false);
        }
        catch (LabFailedException e)
        {
            notes.Add(e.Message);
        }

        if (r is not null)
        {
            if (r.AuthorityMs is null || r.AuthorityAfter is null || r.AuthorityAfter == r.AuthorityBefore)
            {
                notes.Add($"authority did not move from {r.AuthorityBefore} to {ClusterConfigs.PeerOf(r.AuthorityBefore)} (now {r.AuthorityAfter ?? "none"})");
            }

            if (r.Failover is null && r.AuthorityMs is not null)
            {
                notes.Add($"no server failover: the group did not settle under {r.AuthorityAfter}");
            }
        }

        var restoreNotes = new List<string>();
        var restored = await RestoreAsync(cluster, say, ct, restoreNotes).ConfigureAwait(false) && restoreNotes.Count == 0;
        notes.AddRange(restoreNotes.Select(n => $"the old authority {r?.AuthorityBefore} did not come back passive and in sync: {n}"));

        var run = Record(cluster, fault.Name, r?.Failover, runIndex, windowStartWall, notes) with { AuthorityMs = r?.AuthorityMs is { } a ? Math.Round(a, 1) : null };
        var outcome = (run.Notes is null ? "ok" : "FAILED") +
                      $": authority {r?.AuthorityBefore ?? "?"} -> {r?.AuthorityAfter ?? "none"} after {Ms(run.AuthorityMs)}, virtual IP unanswered {Ms(r?.AuthorityChangeOutageMs)} meanwhile, then {Server(r?.Failover)}" +
                      $", two authorities {run.TwoAuthoritiesMs:0} ms, {(restored ? $"{r?.AuthorityBefore} back passive in sync" : "NOT restored")}" +
                      (run.Notes is null ? "" : $"; {run.Notes}");
        return new PairBenchRun(run, r?.Failover, outcome);
    }

    /// <summary>A pair wire cut; under it, agent-crash of the active; then the wire mended. Authority must stay where it was.</summary>
    public static async Task<PairBenchRun> WireFaultAsync(RackCluster cluster, PairWireFault fault, int runIndex, long windowStartWall, Action<string> say, CancellationToken ct)
    {
        var o = cluster.Observer;
        var notes = new List<string>();
        if (!await RestoreAsync(cluster, say, ct).ConfigureAwait(false) || !await cluster.WaitUntilSettledAsync(null, RestoreTimeout, ct).ConfigureAwait(false))
        {
            notes.Add("the pair or the group was not settled before the wire fault");
        }

        var authority = PairDemoRun.AuthorityNow(cluster);
        FailoverResult? failover = null;
        var alert = false;
        var restored = false;
        string? after = null;
        if (authority is null)
        {
            notes.Add("no board holds authority: the wire fault was not injected");
        }
        else
        {
            var t0Wall = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            say($"pair wire fault: {fault.Name} ({fault.Description}); {authority} holds authority");
            fault.Cut(cluster, authority, true);
            try
            {
                // The cut's shape, not a wait for anything: the server fault lands on a pair that has seen the cut.
                await Task.Delay(WireCutLead, ct).ConfigureAwait(false);
                failover = await FailoverRun.RunAsync(cluster, FaultCatalogue.AgentCrash, say, ct).ConfigureAwait(false);
            }
            finally
            {
                fault.Cut(cluster, authority, false);
                say($"{fault.Name}: mended");
            }

            alert = o.Events(t0Wall).Any(e => e.Kind == fault.Alert);
            var restoreNotes = new List<string>();
            restored = await RestoreAsync(cluster, say, ct, restoreNotes).ConfigureAwait(false) && restoreNotes.Count == 0;
            notes.AddRange(restoreNotes.Select(n => "after the wire was mended: " + n));
            after = PairDemoRun.AuthorityNow(cluster);
            foreach (var taken in o.Events(t0Wall).Where(e => e.Kind == "pair-authority-taken"))
            {
                notes.Add($"authority taken under a wire fault: {taken.Source} at +{taken.Timestamp - t0Wall} ms: {taken.Detail}");
            }

            if (after != authority)
            {
                notes.Add($"authority moved from {authority} to {after ?? "none"} under a wire fault");
            }
        }

        var run = Record(cluster, fault.Name, failover, runIndex, windowStartWall, notes);
        var outcome = (run.Notes is null ? "ok" : "FAILED") +
                      $": authority {authority ?? "none"} -> {after ?? "none"}, {fault.Alert} {(alert ? "raised" : "not seen")}, under the cut {Server(failover)}" +
                      $", two authorities {run.TwoAuthoritiesMs:0} ms, {(restored ? "pair back in sync" : "NOT restored")}" +
                      (run.Notes is null ? "" : $"; {run.Notes}");
        return new PairBenchRun(run, failover, outcome);
    }

    /// <summary>A server fault of the catalogue on a pair: the usual run, with two authorities counted over its window.</summary>
    public static BenchResult WithAuthorities(RackCluster cluster, BenchResult run, long windowStartWall)
    {
        var spans = AuthorityOverlap.Spans(cluster, windowStartWall, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        var total = AuthorityOverlap.TotalMs(spans);
        return total == 0 ? run with { TwoAuthoritiesMs = 0 } : run with { TwoAuthoritiesMs = total, Notes = Join(run.Notes, TwoAuthorities(spans)) };
    }

    /// <summary>
    /// Waits until one board holds authority and the other, running, is passive and in sync (the
    /// old authority back after a board fault, the passive synced again after a wire fault). A board
    /// that is not running by then is held in reset for good (docs/safety-rules.md, "Two boards",
    /// rule 7: not back as passive within peer_boot_grace_ms): the bench does what an operator
    /// would, restarts both boards, and says so in <paramref name="notes"/>: the run that left the
    /// pair so did not end as it should, but the runs after it start from a whole pair again.
    /// </summary>
    public static async Task<bool> RestoreAsync(RackCluster cluster, Action<string> say, CancellationToken ct, List<string>? notes = null)
    {
        var (first, second) = (ClusterConfigs.BoardName, ClusterConfigs.PeerBoardName);
        bool Ready(ClusterObserver x) =>
            cluster.Board(first).IsRunning && cluster.Board(second).IsRunning &&
            (PairDemoRun.PairReady(x, first, second) || PairDemoRun.PairReady(x, second, first));
        if (await cluster.Observer.WaitForAsync(Ready, HeldAfter, ct).ConfigureAwait(false))
        {
            return true;
        }

        var down = cluster.BoardNames.Where(b => !cluster.Board(b).IsRunning).ToList();
        if (down.Count > 0)
        {
            var why = $"{string.Join(", ", down)} not running {HeldAfter.TotalSeconds} s on (held in reset for good: not back as passive within its boot grace): " + Where(cluster);
            say($"restore: {why}; restarting both boards, as an operator would");
            notes?.Add(why + "; both boards restarted to go on");
            cluster.RestartBothBoards();
        }

        if (await cluster.Observer.WaitForAsync(Ready, RestoreTimeout, ct).ConfigureAwait(false))
        {
            return true;
        }

        say($"restore: the pair is not back within {(HeldAfter + RestoreTimeout).TotalSeconds} s: " + Where(cluster));
        notes?.Add("the pair was not back (one authority, the other passive and in sync): " + Where(cluster));
        return false;
    }

    /// <summary>How long a restore waits before it counts a board that is not running as held for good (boot grace 5 s, a board's start up to ~3 s on a loaded machine).</summary>
    private static readonly TimeSpan HeldAfter = TimeSpan.FromSeconds(20);

    private static string Where(RackCluster cluster) =>
        string.Join("; ", cluster.BoardNames.Select(b => $"{b} running={cluster.Board(b).IsRunning} says {cluster.Observer.LatestBoard(b)?.Pair.ToString().ToLowerInvariant() ?? "nothing"} in sync={cluster.Observer.LatestBoard(b)?.PeerInSync}"));

    private static BenchResult Record(RackCluster cluster, string scenario, FailoverResult? failover, int runIndex, long windowStartWall, List<string> notes)
    {
        var spans = AuthorityOverlap.Spans(cluster, windowStartWall, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        var twoAuthorities = AuthorityOverlap.TotalMs(spans);
        if (twoAuthorities > 0)
        {
            notes.Add(TwoAuthorities(spans));
        }

        var run = failover is null
            ? new BenchResult(scenario, BenchRecorder.Peer, runIndex, null, null, null, null, null, null, 0)
            : BenchRecorder.ToBench(cluster, failover, runIndex) with { Scenario = scenario };
        var all = Join(run.Notes, notes.Count == 0 ? null : string.Join("; ", notes));
        return run with { TwoAuthoritiesMs = twoAuthorities, Notes = all };
    }

    private static string TwoAuthorities(IReadOnlyList<AuthorityOverlapSpan> spans) =>
        "TWO AUTHORITIES: " + string.Join("; ", spans.Select(s => $"{string.Join("+", s.Boards)} for {s.Ms} ms"));

    private static string? Join(string? a, string? b) => a is null ? b : b is null ? a : a + "; " + b;

    private static string Server(FailoverResult? f) =>
        f is null ? "no server failover" : $"{f.Fault} on {f.Victim}: rto {Ms(f.RtoMs)}, overlap {f.OverlapMs:0} ms{(f.Ok ? "" : " (" + string.Join("; ", f.Violations.Concat(f.Problems)) + ")")}";

    private static string Ms(double? ms) => ms is null ? "-" : $"{ms.Value:0} ms";
}
