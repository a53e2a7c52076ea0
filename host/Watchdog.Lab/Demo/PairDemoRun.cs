using System.Text.Json.Nodes;
using Spectre.Console;
using Watchdog.Lab.Checks;
using Watchdog.Lab.Faults;
using Watchdog.Lab.Rack;
using Watchdog.Protocol.Wire;

namespace Watchdog.Lab.Demo;

/// <summary>
/// The demo of a pair of boards (`watchdogctl demo --boards 2 --fault board-crash`): rack1 holds
/// authority, rack1-b is passive and in sync; rack1 fails (crash, hang or power loss) and rack1-b
/// takes authority, measured from the fault; then, under rack1-b, the usual server fault (the
/// active's agent killed) must be handled as rack1 would have. Never two authorities at once.
/// </summary>
internal static class PairDemoRun
{
    private static readonly TimeSpan SettleTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan AuthorityTimeout = TimeSpan.FromSeconds(30);

    public static async Task<int> RunAsync(RackClusterOptions options, BoardFault boardFault, Fault serverFault, bool asJson, bool live, DemoLog log, CancellationToken ct)
    {
        var startWall = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await using var cluster = await RackCluster.StartAsync(options, ct).ConfigureAwait(false);
        PairResult? result = null;

        async Task Script() => result = await MeasureAsync(cluster, boardFault, serverFault, startWall, log.Say, ct).ConfigureAwait(false);

        if (live)
        {
            await AnsiConsole.Live(DemoRun.View(cluster, log)).AutoClear(false).StartAsync(async ctx =>
            {
                var script = Script();
                while (!script.IsCompleted)
                {
                    ctx.UpdateTarget(DemoRun.View(cluster, log));
                    await Task.WhenAny(script, Task.Delay(200, ct)).ConfigureAwait(false);
                }

                ctx.UpdateTarget(DemoRun.View(cluster, log));
                await script.ConfigureAwait(false);
            }).ConfigureAwait(false);
        }
        else
        {
            await Script().ConfigureAwait(false);
        }

        return Summarize(result!, asJson);
    }

    /// <summary>
    /// The whole run: settle, board fault, authority moved, settle again, server fault. Used by the
    /// demo, the rack test and the bench. The rack is taken with whichever member active: the board
    /// grants the preferred member unless it is still recovering from a first service check that
    /// ran before its service was up (a loaded machine), and then the next one serves; the server
    /// fault later hits whichever member the new authority made active.
    /// </summary>
    public static async Task<PairResult> MeasureAsync(RackCluster cluster, BoardFault boardFault, Fault serverFault, long startWall, Action<string> say, CancellationToken ct)
    {
        var o = cluster.Observer;
        var (first, second) = (ClusterConfigs.BoardName, ClusterConfigs.PeerBoardName);
        say($"rack: {cluster.Rack.DescribeIsolation()}");
        say($"two boards: {first} (preferred) and {second}, heartbeat wires, reset lines and a data link between them");
        say("waiting for one board to hold authority, the other to be passive and in sync, and the group to be settled ...");
        if (!await cluster.WaitUntilSettledAsync(null, SettleTimeout, ct).ConfigureAwait(false) ||
            !await o.WaitForAsync(x => PairReady(x, first, second) || PairReady(x, second, first), SettleTimeout, ct).ConfigureAwait(false))
        {
            throw new LabFailedException($"the pair did not settle within {SettleTimeout.TotalSeconds} s: {Describe(o, first)}; {Describe(o, second)}; " +
                                         string.Join("; ", cluster.Options.Nodes.Select(n => FailoverRun.Describe(cluster, n))) +
                                         $"; board logs: {cluster.BoardLogOf(first)}, {cluster.BoardLogOf(second)}");
        }

        // The preferred board takes authority when both boot together; one that is slow to boot
        // (a JIT start on a loaded machine) is fenced by the other and comes back passive: then the
        // demo fails whichever board holds authority.
        var authorityBefore = PairReady(o, first, second) ? first : second;
        say($"settled: {authorityBefore} authority, {ClusterConfigs.PeerOf(authorityBefore)} passive and in sync; {o.LatestRoles(cluster.Options.Group)?.Active.FirstOrDefault()} active, epoch {o.LatestRoles(cluster.Options.Group)?.Epoch}" +
            (authorityBefore == first ? "" : $" ({first} was fenced while it booted)"));
        await Task.Delay(1000, ct).ConfigureAwait(false);

        var t0Wall = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var t0Clock = cluster.Clock.NowMs;
        say($"board fault: {boardFault.Name} on {authorityBefore} ({boardFault.Description})");
        boardFault.Inject(cluster, authorityBefore);

        var successor = ClusterConfigs.PeerOf(authorityBefore);
        say($"waiting for {successor} to take authority (both paths from {authorityBefore} silent, priority delay, reset held, confirm) ...");
        var moved = await o.WaitForAuthorityAsync(successor, AuthorityTimeout, ct, t0Wall).ConfigureAwait(false);
        double? authorityMs = moved ? AuthorityTakenAt(o, successor, t0Wall) - t0Wall : null;
        say(moved
            ? $"{successor} holds authority after {authorityMs:0} ms" + (o.Events(t0Wall).FirstOrDefault(e => e.Source == successor && e.Kind == "pair-authority-taken") is { } taken ? $": {taken.Detail}" : "")
            : $"{successor} did not take authority within {AuthorityTimeout.TotalSeconds} s: {Describe(o, successor)}");
        boardFault.Recover(cluster, authorityBefore);

        FailoverResult? failover = null;
        double? outageMs = null;
        if (moved)
        {
            say($"waiting for the group to settle under {successor} ...");
            if (!await cluster.WaitUntilSettledAsync(null, SettleTimeout, ct).ConfigureAwait(false))
            {
                say($"the group did not settle under {successor} within {SettleTimeout.TotalSeconds} s: {string.Join("; ", cluster.Options.Nodes.Select(n => FailoverRun.Describe(cluster, n)))}");
            }
            else
            {
                outageMs = ServiceOutageMs(cluster, t0Clock);
                if (outageMs is not null)
                {
                    say($"the virtual IP went unanswered for {outageMs:0} ms in all from the board fault until the group settled under {successor}");
                }

                var active = o.LatestRoles(cluster.Options.Group)!.Active[0];
                say($"settled under {successor}: {active} active, epoch {o.LatestRoles(cluster.Options.Group)?.Epoch}; now a server fault");
                await Task.Delay(1000, ct).ConfigureAwait(false);
                failover = await FailoverRun.RunAsync(cluster, serverFault, say, ct).ConfigureAwait(false);
                say($"failover under {successor}: detection {Ms(failover.DetectionMs)}, fence {Ms(failover.FenceMs)}, takeover {Ms(failover.TakeoverMs)}, " +
                    $"virtual IP back {Ms(failover.RtoMs)}, overlap {failover.OverlapMs:0} ms, epoch {failover.EpochBefore} -> {failover.EpochAfter}");
            }
        }

        var endWall = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var spans = AuthorityOverlap.Spans(cluster, startWall, endWall);
        foreach (var span in spans)
        {
            say($"TWO AUTHORITIES for {span.Ms} ms from +{span.StartWallMs - t0Wall} ms after the board fault: {string.Join(", ", span.Boards)}");
        }

        var result = new PairResult(boardFault.Name, authorityBefore, AuthorityNow(cluster), authorityMs, AuthorityOverlap.TotalMs(spans), failover) { AuthorityChangeOutageMs = outageMs };
        say($"authority {result.AuthorityBefore} -> {result.AuthorityAfter ?? "none"}, two authorities {result.TwoAuthoritiesMs} ms");
        return result;
    }

    // The passive says whether it holds the authority's state; either board's word is taken (the
    // authority's status may carry it too).
    internal static bool PairReady(ClusterObserver o, string authority, string passive) =>
        o.LatestBoard(authority) is { Pair: PairState.Authority } a &&
        o.LatestBoard(passive) is { Pair: PairState.Passive } p &&
        (p.PeerInSync || a.PeerInSync);

    /// <summary>
    /// How long the client got no answer from the virtual IP between the board fault and now (the
    /// group settled under the new authority): the price of an authority change for the service.
    /// A new authority cannot tell whether its peer granted something it never heard of, so it
    /// makes every member step down before it grants again (docs/safety-rules.md, "Two boards").
    /// Null on a rack without a virtual IP.
    /// </summary>
    private static double? ServiceOutageMs(RackCluster cluster, double faultClockMs) =>
        cluster.Probe is { } probe
            ? Watchdog.Bench.Analysis.ProbeSeriesAnalysis.Analyze(probe.Snapshot(), faultClockMs, cluster.Clock.NowMs).OutageMs
            : null;

    /// <summary>When <paramref name="board"/> took authority: its pair-authority-taken event, else its first status saying so.</summary>
    private static long AuthorityTakenAt(ClusterObserver o, string board, long sinceWall) =>
        o.Events(sinceWall).FirstOrDefault(e => e.Source == board && e.Kind == "pair-authority-taken")?.Timestamp
        ?? o.BoardStatuses().Where(s => s.Board == board && s.Status.Pair == PairState.Authority && s.Status.Timestamp >= sinceWall).Select(s => s.Status.Timestamp).DefaultIfEmpty(sinceWall).Min();

    /// <summary>The running board whose latest status says it holds authority, or null.</summary>
    public static string? AuthorityNow(RackCluster cluster) =>
        cluster.BoardNames.Where(b => cluster.Board(b).IsRunning && cluster.Observer.LatestBoard(b) is { Pair: PairState.Authority })
            .OrderByDescending(b => cluster.Observer.LatestBoard(b)!.Timestamp).FirstOrDefault();

    private static string Describe(ClusterObserver o, string board) =>
        o.LatestBoard(board) is { } s
            ? $"{board} says {s.Pair.ToString().ToLowerInvariant()}, peer {s.Peer} in sync={s.PeerInSync} heartbeat={s.PeerHeartbeat} link={s.PeerLink}, settled={s.Settled}, epoch {s.Epoch}"
            : $"{board} has published no status";

    private static int Summarize(PairResult r, bool asJson)
    {
        var f = r.Failover;
        var table = new Table().Title("[bold]demo summary: two boards[/]").AddColumns("", "value");
        table.AddRow("board fault", $"{r.BoardFault} on {r.AuthorityBefore}");
        table.AddRow("authority", $"{r.AuthorityBefore} -> {r.AuthorityAfter ?? "none"}");
        table.AddRow("authority moved after", Ms(r.AuthorityMs));
        table.AddRow("two authorities at once", $"{r.TwoAuthoritiesMs} ms");
        table.AddRow("virtual IP unanswered during the authority change", Ms(r.AuthorityChangeOutageMs));
        if (f is not null)
        {
            table.AddRow("then", $"{f.Fault} on {f.Victim} under {r.AuthorityAfter}");
            table.AddRow("detection", Ms(f.DetectionMs));
            table.AddRow("fence confirmed", Ms(f.FenceMs));
            table.AddRow("takeover (new active acknowledged)", Ms(f.TakeoverMs));
            table.AddRow("virtual IP answering again (RTO)", Ms(f.RtoMs));
            table.AddRow("overlap of two actives", f.OverlapMeasured ? $"{f.OverlapMs:0} ms" : "not measured (loopback rack: no virtual IP)");
            table.AddRow("epoch", $"{f.EpochBefore} -> {f.EpochAfter}");
            foreach (var line in f.Violations.Concat(f.Problems))
            {
                table.AddRow("[red]problem[/]", Markup.Escape(line));
            }
        }
        else
        {
            table.AddRow("[red]problem[/]", "no server failover was run: the group never settled under the new authority");
        }

        table.AddRow("result", r.Ok ? "[green]ok[/]" : "[red]FAILED[/]");
        if (asJson)
        {
            var json = f?.ToJson() ?? new JsonObject();
            json["boards"] = 2;
            json["board_fault"] = r.BoardFault;
            json["authority_before"] = r.AuthorityBefore;
            json["authority_after"] = r.AuthorityAfter;
            json["authority_ms"] = r.AuthorityMs is null ? null : Math.Round(r.AuthorityMs.Value, 1);
            json["two_authorities_ms"] = r.TwoAuthoritiesMs;
            json["authority_change_outage_ms"] = r.AuthorityChangeOutageMs is null ? null : Math.Round(r.AuthorityChangeOutageMs.Value, 1);
            json["ok"] = r.Ok;
            AnsiConsole.Console.Profile.Out.Writer.Flush();
            Console.Error.Flush();
            Console.Out.WriteLine(json.ToJsonString());
        }
        else
        {
            AnsiConsole.Write(table);
        }

        return r.Ok ? 0 : 1;
    }

    private static string Ms(double? ms) => ms is null ? "-" : $"{ms.Value:0} ms";
}

/// <summary>What a pair demo measured: the authority's move (from the board fault) and the server failover after it.</summary>
public sealed record PairResult(string BoardFault, string AuthorityBefore, string? AuthorityAfter, double? AuthorityMs, long TwoAuthoritiesMs, FailoverResult? Failover)
{
    /// <summary>The virtual IP's time without answers from the board fault until the group settled under the new authority (null: not measured).</summary>
    public double? AuthorityChangeOutageMs { get; init; }

    public bool Ok => AuthorityMs is not null && AuthorityAfter is not null && AuthorityAfter != AuthorityBefore && TwoAuthoritiesMs == 0 &&
                      Failover is { Ok: true, PreExisting.Count: 0 };
}
