using System.Text.Json.Nodes;
using Spectre.Console;
using Spectre.Console.Rendering;
using Watchdog.Bench.Timeline;
using Watchdog.Lab.Bench;
using Watchdog.Lab.Checks;
using Watchdog.Lab.Faults;
using Watchdog.Lab.Rack;
using Watchdog.Operator.Status;
using Watchdog.Postgres;
using Watchdog.Protocol.Wire;

namespace Watchdog.Lab.Demo;

/// <summary>
/// The demo (`watchdogctl demo`): the embedded broker (or mosquitto with users and ACL), one board and two
/// simulated servers running real agents and a tiny service behind a virtual IP. It injects a
/// failure, shows detection, fencing, promotion and the virtual IP answering from the new active
/// with timings, then fails back.
/// </summary>
public static class DemoRun
{
    /// <summary>Runs the demo; returns the exit code (0: the failover and the failback were clean).</summary>
    public static Task<int> RunAsync(DemoSettings settings, CancellationToken ct)
    {
        if (!settings.SecureBroker && !settings.Mosquitto)
        {
            throw new FormatException("--anonymous-broker goes with --mosquitto: the embedded broker has no users anyway");
        }

        if (settings.Boards is not (1 or 2))
        {
            throw new FormatException($"--boards {settings.Boards}: a rack has one board or a pair (2)");
        }

        if (settings.BoardFault is { } boardFault && settings.Boards != 2)
        {
            throw new FormatException($"--fault {boardFault.Name} fails one board of a pair: it needs --boards 2");
        }

        if (!settings.Fault.InDemo)
        {
            throw new FormatException($"--fault {settings.Fault.Name}: the demo shows {string.Join(", ", FaultCatalogue.Demo.Select(f => f.Name))} (the bench runs the rest)");
        }

        if (settings.TimelinePath is not null && (settings.Boards != 1 || !settings.UseNamespaces))
        {
            throw new FormatException("--timeline draws the single-board demo in network namespaces (a virtual IP to probe): not with --boards 2 or --no-namespaces");
        }

        if (settings.Service == RackService.Postgres)
        {
            if (!settings.UseNamespaces)
            {
                throw new FormatException("--service postgres needs the network namespaces (no --no-namespaces): the standby rejoins the primary at the virtual IP");
            }

            if (settings.BoardFault is not null)
            {
                throw new FormatException("--service postgres shows a server fault; the board faults of a pair run with the http service");
            }

            if (!PgBinaries.AreInstalled())
            {
                throw new FormatException("--service postgres needs PostgreSQL 15's server programs (initdb, pg_ctl, postgres, pg_rewind ...) in " +
                                          $"{PgBinaries.DefaultDirectory} or ${PgBinaries.DirectoryVariable}: install them with ./scripts/install-test-deps.sh, or apt-get install postgresql-15");
            }
        }

        var live = !settings.Json && !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive;
        var log = new DemoLog(echo: !live);
        var options = new RackClusterOptions
        {
            HeartbeatPeriodMs = settings.HeartbeatMs,
            UseNamespaces = settings.UseNamespaces,
            Broker = settings.Mosquitto ? BrokerKind.Mosquitto : BrokerKind.Embedded,
            SecureBroker = settings.SecureBroker,
            Log = log.Writer,
            Boards = settings.Boards,
            Service = settings.Service,
            PostgresMode = settings.PostgresMode,
        };
        return settings.BoardFault is { } board
            ? PairDemoRun.RunAsync(options, board, settings.Fault, settings.Json, live, log, ct)
            : RunAsync(options, settings.Fault, settings.Json, settings.TimelinePath, live, log, ct);
    }

    private static async Task<int> RunAsync(RackClusterOptions options, Fault kind, bool asJson, string? timelinePath, bool live, DemoLog log, CancellationToken ct)
    {
        await using var cluster = await RackCluster.StartAsync(options, ct).ConfigureAwait(false);
        var preferred = options.Nodes[0];
        var standby = options.Nodes[1];
        FailoverResult? failover = null;
        FailbackResult? failback = null;

        async Task Script()
        {
            log.Say($"rack: {cluster.Rack.DescribeIsolation()}");
            log.Say($"waiting for the board to grant {preferred} the active role ...");
            if (!await cluster.WaitUntilSettledAsync(preferred, TimeSpan.FromSeconds(45), ct).ConfigureAwait(false))
            {
                throw new LabFailedException($"the cluster did not settle ({preferred} active) within 45 s; board log: {cluster.BoardLog}");
            }

            log.Say($"settled: {preferred} active, {standby} standby, epoch {cluster.Observer.LatestRoles(options.Group)?.Epoch}" +
                    (cluster.Vip is null ? "" : $", virtual IP {cluster.Vip} answered by {preferred}"));
            await Task.Delay(1000, ct).ConfigureAwait(false);
            failover = await FailoverRun.RunAsync(cluster, kind, log.Say, ct).ConfigureAwait(false);
            log.Say($"failover: detection {Ms(failover.DetectionMs)}, fence {Ms(failover.FenceMs)}, takeover {Ms(failover.TakeoverMs)}, " +
                    $"virtual IP back {Ms(failover.RtoMs)}, overlap {failover.OverlapMs:0} ms, epoch {failover.EpochBefore} -> {failover.EpochAfter}" +
                    (failover.RpoMeasured ? $", rpo_rows {failover.RpoRows?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-"}, write outage {Ms(failover.WriteOutageMs)}" : ""));
            if (timelinePath is not null)
            {
                // Drawn before the failback, while the probe's samples of this failover are all there.
                File.WriteAllText(timelinePath, TimelineSvg.Draw(BenchRecorder.Timeline(cluster, failover, $"watchdog demo: {kind.Name} on {failover.Victim}")));
                log.Say($"timeline of the failover written to {timelinePath}");
            }

            failback = await FailbackAsync(cluster, preferred, log.Say, ct).ConfigureAwait(false);
        }

        if (live)
        {
            await AnsiConsole.Live(View(cluster, log)).AutoClear(false).StartAsync(async ctx =>
            {
                var script = Script();
                while (!script.IsCompleted)
                {
                    ctx.UpdateTarget(View(cluster, log));
                    await Task.WhenAny(script, Task.Delay(200, ct)).ConfigureAwait(false);
                }

                ctx.UpdateTarget(View(cluster, log));
                await script.ConfigureAwait(false);
            }).ConfigureAwait(false);
        }
        else
        {
            await Script().ConfigureAwait(false);
        }

        return Summarize(failover!, failback!, asJson);
    }

    private static async Task<FailbackResult> FailbackAsync(RackCluster cluster, string preferred, Action<string> say, CancellationToken ct)
    {
        var t0 = cluster.Clock.NowMs;
        var epochBefore = cluster.Observer.LatestRoles(cluster.Options.Group)?.Epoch ?? 0;
        say($"failback: signed failback command for group {cluster.Options.Group} (planned: demote, acknowledge, promote)");
        var ack = await FailoverRun.SendCommandAsync(cluster, CommandAction.Failback, cluster.Options.Group, null, ct).ConfigureAwait(false);
        if (ack is null || ack.Verdict != CommandVerdict.Accepted)
        {
            var why = $"failback refused: {(ack is null ? "no answer" : WireWords.Of(ack.Verdict) + " " + ack.Detail)}";
            say(why);
            return new FailbackResult(false, why, null, 0, epochBefore, epochBefore);
        }

        var back = await cluster.WaitUntilSettledAsync(preferred, TimeSpan.FromSeconds(30), ct).ConfigureAwait(false);
        var took = cluster.Clock.NowMs - t0;
        // Only overlap that began once the failback was asked for is the failback's.
        var split = cluster.Overlap?.Split(t0, cluster.Clock.NowMs) ?? OverlapSplit.None;
        var overlap = split.ChargedMs;
        if (split.PreExistingMs > 0)
        {
            say($"failback: two servers already acted as active {split.PreExistingLeadMs:0} ms before it was asked for ({split.PreExistingMs:0} ms of that during it; not counted as its overlap)");
        }

        var epochAfter = cluster.Observer.LatestRoles(cluster.Options.Group)?.Epoch ?? epochBefore;
        say(back ? $"failback: {preferred} active again after {took:0} ms, overlap {overlap:0} ms, epoch {epochAfter}" : $"failback: {preferred} did not become active within 30 s");
        return new FailbackResult(back, back ? "" : "failback did not complete", took, overlap, epochBefore, epochAfter);
    }

    private static int Summarize(FailoverResult failover, FailbackResult failback, bool asJson)
    {
        var ok = failover.Ok && failover.PreExisting.Count == 0 && failback.Ok && failback.OverlapMs == 0;
        var table = new Table().Title("[bold]demo summary[/]").AddColumns("", "value");
        table.AddRow("fault", $"{failover.Fault} on {failover.Victim}");
        table.AddRow("detection", Ms(failover.DetectionMs));
        table.AddRow("fence confirmed", Ms(failover.FenceMs));
        table.AddRow("takeover (new active acknowledged)", Ms(failover.TakeoverMs));
        table.AddRow("virtual IP answering again (RTO)", Ms(failover.RtoMs));
        table.AddRow("overlap of two actives", failover.OverlapMeasured ? $"{failover.OverlapMs:0} ms" : "not measured (loopback rack: no virtual IP)");
        if (failover.RpoMeasured)
        {
            table.AddRow("acknowledged rows lost (RPO)", failover.RpoRows is { } rows ? $"{rows} (span {failover.RpoSpanMs} ms)" : "not counted");
            table.AddRow("database writes out (write outage)", Ms(failover.WriteOutageMs));
        }

        table.AddRow("epoch", $"{failover.EpochBefore} -> {failover.EpochAfter} -> {failback.EpochAfter} (failback)");
        var failbackOverlap = failover.OverlapMeasured ? $"overlap {failback.OverlapMs:0} ms" : "overlap not measured";
        table.AddRow("failback", failback.Ok ? $"{Ms(failback.TookMs)}, {failbackOverlap}" : failback.Detail);
        foreach (var line in failover.Violations.Concat(failover.Problems))
        {
            table.AddRow("[red]problem[/]", Markup.Escape(line));
        }

        foreach (var line in failover.PreExisting)
        {
            table.AddRow("[yellow]before the fault[/]", Markup.Escape(line));
        }

        table.AddRow("result", ok ? "[green]ok[/]" : "[red]FAILED[/]");
        if (asJson)
        {
            var json = failover.ToJson();
            json["failback_ok"] = failback.Ok;
            json["failback_ms"] = failback.TookMs is null ? null : Math.Round(failback.TookMs.Value, 1);
            json["failback_overlap_ms"] = failover.OverlapMeasured ? Math.Round(failback.OverlapMs, 1) : null;
            json["epoch_final"] = failback.EpochAfter;
            json["ok"] = ok;
            AnsiConsole.Console.Profile.Out.Writer.Flush();
            Console.Error.Flush();
            Console.Out.WriteLine(json.ToJsonString());
        }
        else
        {
            AnsiConsole.Write(table);
        }

        return ok ? 0 : 1;
    }

    internal static IRenderable View(RackCluster cluster, DemoLog log) =>
        new Rows(
            cluster.Observer.WithSnapshot(s => StatusRenderer.Render(s, DateTimeOffset.UtcNow, TimeSpan.FromSeconds(15))),
            new Panel(new Markup(Markup.Escape(string.Join('\n', log.Tail(12))))).Header("demo").Expand());

    private static string Ms(long? ms) => Ms((double?)ms);

    private static string Ms(double? ms) => ms is null ? "-" : $"{ms.Value:0} ms";

    private sealed record FailbackResult(bool Ok, string Detail, double? TookMs, double OverlapMs, long EpochBefore, long EpochAfter);
}

/// <summary>The demo's running commentary: printed as it happens, or kept for the live view.</summary>
internal sealed class DemoLog
{
    private readonly Lock _gate = new();
    private readonly List<string> _lines = [];
    private readonly bool _echo;
    private readonly DateTime _start = DateTime.UtcNow;

    public DemoLog(bool echo)
    {
        _echo = echo;
        Writer = new LineWriter(this);
    }

    public TextWriter Writer { get; }

    public void Say(string line)
    {
        var stamped = $"{(DateTime.UtcNow - _start).TotalSeconds,7:0.000}s  {line}";
        lock (_gate)
        {
            _lines.Add(stamped);
        }

        if (_echo)
        {
            Console.Error.WriteLine(stamped);
        }
    }

    public IReadOnlyList<string> Tail(int count)
    {
        lock (_gate)
        {
            return _lines.TakeLast(count).ToList();
        }
    }

    private sealed class LineWriter(DemoLog log) : StringWriter
    {
        public override void WriteLine(string? value) => log.Say(value ?? "");
    }
}


/// <summary>What `watchdogctl demo` was asked for.</summary>
/// <param name="Fault">One of <see cref="FaultCatalogue.Demo"/>.</param>
/// <param name="Json">Print one JSON object with the timings as the last line.</param>
/// <param name="HeartbeatMs">Heartbeat period (the detection timeout is three periods).</param>
/// <param name="UseNamespaces">Servers in network namespaces with a virtual IP; false: plain processes on loopback.</param>
/// <param name="Mosquitto">A real mosquitto instead of the embedded broker.</param>
/// <param name="SecureBroker">With <paramref name="Mosquitto"/>: the users and ACL of `watchdogctl broker config`.</param>
/// <param name="Boards">1, or 2: a pair of boards (rack1 preferred, rack1-b).</param>
/// <param name="BoardFault">With a pair: the board fault shown first (the authority fails), then <paramref name="Fault"/> under the new authority; null: the server fault alone.</param>
/// <param name="Service">What runs behind the virtual IP: the node-name service, or PostgreSQL (RPO and write outage shown too).</param>
/// <param name="PostgresMode">With PostgreSQL: synchronous or asynchronous replication.</param>
/// <param name="TimelinePath">Where to write the failover's timeline (SVG, as the bench draws its runs); null: none.</param>
public sealed record DemoSettings(
    Fault Fault, bool Json, int HeartbeatMs, bool UseNamespaces, bool Mosquitto, bool SecureBroker, int Boards = 1, BoardFault? BoardFault = null,
    RackService Service = RackService.Http, ReplicationMode PostgresMode = ReplicationMode.Synchronous, string? TimelinePath = null);
