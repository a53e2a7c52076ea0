using System.Diagnostics;
using System.Globalization;
using Npgsql;
using Watchdog.Bench.Analysis;
using Watchdog.Bench.Network;
using Watchdog.Bench.Results;
using Watchdog.Bench.Timing;
using Watchdog.Postgres;

namespace Watchdog.Bench.Patroni;

/// <summary>
/// One Patroni run: a fresh cluster (<see cref="PatroniCluster"/>), the measuring client writing
/// numbered rows through the cluster (<see cref="RpoWriter"/> on the multi-host connection
/// string), the two-primaries probe writing to each node directly, one fault into the primary,
/// and the figures: RTO (fault to the client's first acknowledged write after the outage began),
/// rpo_rows and their span (acknowledged rows the primary at the end lacks), two_primaries_ms.
/// Everything is torn down after the run, on failure too.
/// </summary>
public static class PatroniScenario
{
    public static PatroniRun Run(PatroniRunOptions options, int runIndex, TextWriter? log = null)
    {
        options.Validate();
        var clock = new BenchClock();
        using PatroniCluster cluster = PatroniCluster.Start(options.Tuning, clock, options.StartTimeout, log);
        var (primary, replica) = cluster.WaitForPair(options.StartTimeout);
        PrepareTables(primary, replica);

        var probe = new PrimaryProbe(cluster.Nodes.Select(n => (n.Name, PatroniCluster.DirectConnectionString(n))).ToList(), clock, options.ProbeIntervalMs);
        // Patroni has no epoch: the writer presents none.
        var writer = new RpoWriter(cluster.ClientConnectionString);
        RpoLog writes;
        IReadOnlyList<DirectWrite> direct;
        double faultMs = double.NaN, endMs, baselineStart;
        long faultWallMs = 0;
        double? takeoverPollMs = null, recoveryMs = null;
        try
        {
            probe.Start();
            writer.Start();
            WaitFor(() => writer.AckedCount >= 10, TimeSpan.FromSeconds(30), () => $"the client's writes through {cluster.ClientConnectionString} are not acknowledged (acked {writer.AckedCount})");

            baselineStart = clock.NowMs;
            var phase = new Random((runIndex * 7919) + (options.Fault.PhaseSeed * 131) + options.Tuning.TtlSeconds);
            clock.SleepUntil(baselineStart + options.BaselineMs + (phase.NextDouble() * options.JitterMs));

            // The fault's time is stamped by the fault itself, right before its first action.
            var target = new PatroniTarget(cluster, primary, () =>
            {
                if (double.IsNaN(faultMs))
                {
                    faultWallMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
                    faultMs = clock.NowMs;
                }
            });
            string faultLabel = options.Fault.Inject(target);
            target.Mark(); // a fault that did not stamp itself
            log?.WriteLine($"  {options.Tuning.Name} {options.Fault.Name} run {runIndex}: fault at {faultMs:0} ms ({faultLabel})");

            // Poll the replica's REST API for the takeover; end a healable fault once the client
            // had time to move (or at the cap, when no takeover comes).
            while (true)
            {
                double now = clock.NowMs;
                if (takeoverPollMs is null && replica.Role() == PatroniRole.Primary)
                {
                    takeoverPollMs = clock.NowMs;
                }

                double holdEnd = takeoverPollMs is double t ? Math.Min(t + options.HoldAfterTakeoverMs, faultMs + options.HoldCapMs) : faultMs + options.HoldCapMs;
                if (options.Fault.Heal is { } heal && recoveryMs is null && now >= holdEnd)
                {
                    recoveryMs = clock.NowMs;
                    log?.WriteLine($"    {heal(target)} at {recoveryMs - faultMs:0} ms after the fault");
                }

                bool faultOver = options.Fault.Heal is null || recoveryMs is not null;
                bool takeoverSettled = takeoverPollMs is not null || now >= faultMs + options.TakeoverWaitMs;
                if (faultOver && takeoverSettled)
                {
                    break;
                }

                Thread.Sleep(100);
            }

            // Watched after the fault ended (or the takeover), so a resumed old primary gets its cycle to demote.
            endMs = (recoveryMs ?? takeoverPollMs ?? clock.NowMs) + options.SettleWindowMs;
            clock.SleepUntil(endMs);
        }
        finally
        {
            writes = writer.Stop();
            direct = probe.Stop();
        }

        PatroniNode? after = WaitForOnePrimary(cluster, TimeSpan.FromSeconds(30));
        RpoResult? rpo = after is null ? null : RpoReport.CountAsync(writes, PatroniCluster.DirectConnectionString(after), faultWallMs).GetAwaiter().GetResult();
        var events = cluster.Nodes.SelectMany(n => n.Events()).OrderBy(e => e.AtMs).ToList();
        var logs = cluster.Nodes.ToDictionary(n => n.Name, n => n.Process.Lines);
        return Measure(options, runIndex, primary, replica, after, writes, rpo, direct, events, baselineStart, faultMs, faultWallMs, takeoverPollMs, endMs) with { Logs = logs };
    }

    private static PatroniRun Measure(
        PatroniRunOptions options,
        int runIndex,
        PatroniNode primary,
        PatroniNode replica,
        PatroniNode? after,
        RpoLog writes,
        RpoResult? rpo,
        IReadOnlyList<DirectWrite> direct,
        IReadOnlyList<PatroniEvent> events,
        double baselineStart,
        double faultMs,
        long faultWallMs,
        double? takeoverPollMs,
        double endMs)
    {
        var notes = new List<string>();

        // RTO: the first acknowledged write after the client's first error at or after the fault.
        // Not simply the first ack after the fault: the INSERT in flight when the fault hits may
        // be acknowledged a fraction of a millisecond later, which is no recovery.
        long? firstErrorWall = writes.Errors.Where(e => e.AtWallMs >= faultWallMs).Select(e => (long?)e.AtWallMs).FirstOrDefault();
        double? rtoMs = null;
        if (firstErrorWall is long errorAt)
        {
            long? backAt = writes.Acked.Where(a => a.AckWallMs >= errorAt).Select(a => (long?)a.AckWallMs).FirstOrDefault();
            rtoMs = backAt is long b ? b - faultWallMs : null;
            if (rtoMs is null)
            {
                notes.Add("the client never got a write acknowledged after the fault");
            }
        }
        else
        {
            notes.Add("the client saw no error after the fault");
        }

        // Takeover: Patroni's own log line on the replica, else the REST poll that saw it primary.
        PatroniEvent? promoted = events.FirstOrDefault(e => e.Node == replica.Name && e.AtMs >= faultMs && e.Text.Contains("promoted self to leader", StringComparison.Ordinal));
        double? takeoverMs = promoted?.AtMs ?? takeoverPollMs;
        if (takeoverMs is null)
        {
            notes.Add($"{replica.Name} never became primary");
        }

        IReadOnlyList<Interval> both = PrimaryProbe.BothAccepting(direct, primary.Name, replica.Name, faultMs, endMs);
        double before = PrimaryProbe.BothAccepting(direct, primary.Name, replica.Name, baselineStart, faultMs).Sum(i => i.DurationMs);
        if (before > 0)
        {
            notes.Add($"both nodes accepted writes before the fault for {before:0} ms");
        }

        double? lastOldAccept = direct.Where(w => w.Node == primary.Name && w.Accepted && w.SentMs >= faultMs).Select(w => (double?)w.DoneMs).LastOrDefault();
        if (lastOldAccept is double old && takeoverMs is double took && old > took)
        {
            int count = direct.Count(w => w.Node == primary.Name && w.Accepted && w.DoneMs > took);
            notes.Add($"{primary.Name} (the old primary) accepted {count} direct writes after {replica.Name} took over, the last {old - took:0} ms after");
        }

        if (after is null)
        {
            notes.Add("no single primary at the end: rpo_rows not counted");
        }
        else if (after == primary)
        {
            notes.Add($"{primary.Name} was primary again at the end");
        }

        var result = new BenchResult(
            Scenario: options.Fault.Name,
            Peer: options.Tuning.Name,
            RunIndex: runIndex,
            DetectionMs: null,
            FenceMs: null,
            TakeoverMs: takeoverMs is double tk ? Math.Round(tk - faultMs, 1) : null,
            RtoMs: rtoMs,
            OverlapMs: null,
            Flaps: null,
            FalseFences: null,
            WindowMs: Math.Round(endMs - faultMs, 1),
            Notes: notes.Count == 0 ? null : string.Join("; ", notes),
            RpoRows: rpo?.RpoRows,
            RpoSpanMs: rpo?.RpoSpanMs,
            TwoPrimariesMs: Math.Round(both.Sum(i => i.DurationMs), 1));
        return new PatroniRun(result, primary.Name, after?.Name, writes, rpo, direct, both, events, faultMs, new Dictionary<string, IReadOnlyList<StampedLine>>());
    }

    /// <summary>
    /// Creates the client's and the probe's tables on the primary and waits until the replica
    /// has them too (a standby missing a table would read as losing every row).
    /// </summary>
    private static void PrepareTables(PatroniNode primary, PatroniNode replica)
    {
        RpoWriter.CreateTableAsync(PatroniCluster.DirectConnectionString(primary)).GetAwaiter().GetResult();
        PatroniCluster.Execute(primary, PrimaryProbe.CreateTableSql);
        string sql = $"SELECT to_regclass('{RpoWriter.Table}') IS NOT NULL AND to_regclass('{PrimaryProbe.Table}') IS NOT NULL";
        WaitFor(() =>
        {
            try
            {
                using var connection = new NpgsqlConnection(PatroniCluster.DirectConnectionString(replica));
                connection.Open();
                using var command = new NpgsqlCommand(sql, connection);
                return command.ExecuteScalar() is true;
            }
            catch (NpgsqlException)
            {
                return false;
            }
        }, TimeSpan.FromSeconds(30), () => $"the tables did not replicate to {replica.Name}");
    }

    /// <summary>Waits until exactly one node says primary (a resumed or reconnected old primary may take a cycle to step down).</summary>
    private static PatroniNode? WaitForOnePrimary(PatroniCluster cluster, TimeSpan timeout)
    {
        var waited = Stopwatch.StartNew();
        while (waited.Elapsed < timeout)
        {
            if (cluster.CurrentPrimary() is { } one)
            {
                return one;
            }

            Thread.Sleep(200);
        }

        return null;
    }

    private static void WaitFor(Func<bool> condition, TimeSpan timeout, Func<string> failure)
    {
        var waited = Stopwatch.StartNew();
        while (!condition())
        {
            if (waited.Elapsed > timeout)
            {
                throw new BenchSetupException(failure() + string.Create(CultureInfo.InvariantCulture, $" within {timeout.TotalSeconds:0} s"));
            }

            Thread.Sleep(50);
        }
    }
}
