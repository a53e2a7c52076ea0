using Npgsql;
using Watchdog.Bench.Analysis;
using Watchdog.Bench.Timing;

namespace Watchdog.Bench.Patroni;

/// <summary>One direct write to one node: when it was sent, when it ended, and whether the node committed it.</summary>
public sealed record DirectWrite(string Node, double SentMs, double DoneMs, bool Accepted, string? Error);

/// <summary>
/// The two-primaries probe: one thread per node writes a row to that node directly (its unix
/// socket, as a client on the node itself would) every <see cref="IntervalMs"/>, and records
/// which node accepted when. A replica refuses (read-only), a frozen or dead node times out
/// (connect 1 s, command 1 s). Two nodes accepting writes over the same time is the split
/// brain the bench looks for; the client through the cluster cannot see it when it only ever
/// reaches one of them.
/// </summary>
public sealed class PrimaryProbe : IDisposable
{
    /// <summary>The probe's table (created on the primary before the run; it replicates).</summary>
    public const string Table = "watchdog_probe";

    public const string CreateTableSql = "CREATE TABLE IF NOT EXISTS " + Table + " (node text NOT NULL, n bigint NOT NULL, written_at timestamptz NOT NULL DEFAULT clock_timestamp())";

    private readonly IReadOnlyList<(string Node, string ConnectionString)> targets;
    private readonly BenchClock clock;
    private readonly List<DirectWrite> writes = [];
    private readonly List<Thread> threads = [];
    private volatile bool stopping;

    public PrimaryProbe(IReadOnlyList<(string Node, string ConnectionString)> targets, BenchClock clock, double intervalMs = 50)
    {
        if (intervalMs is < 5 or > 10_000)
        {
            throw new ArgumentOutOfRangeException(nameof(intervalMs), intervalMs, "the probe interval must be between 5 and 10000 ms");
        }

        this.targets = targets;
        this.clock = clock;
        IntervalMs = intervalMs;
    }

    public double IntervalMs { get; }

    public void Start()
    {
        foreach (var (node, connectionString) in targets)
        {
            var thread = new Thread(() => Loop(node, connectionString)) { IsBackground = true, Name = "primary-probe-" + node };
            threads.Add(thread);
            thread.Start();
        }
    }

    private void Loop(string node, string connectionString)
    {
        NpgsqlConnection? connection = null;
        long n = 0;
        double next = clock.NowMs;
        while (!stopping)
        {
            clock.SleepUntil(next);
            next += IntervalMs;
            double sent = clock.NowMs;
            try
            {
                if (connection is null)
                {
                    connection = new NpgsqlConnection(connectionString);
                    connection.Open();
                }

                using var command = new NpgsqlCommand($"INSERT INTO {Table} (node, n) VALUES (@node, @n)", connection);
                command.Parameters.AddWithValue("node", node);
                command.Parameters.AddWithValue("n", ++n);
                command.ExecuteNonQuery();
                Record(new DirectWrite(node, sent, clock.NowMs, true, null));
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.ReadOnlySqlTransaction)
            {
                // A standby refusing: the session stays usable, and it turns writable in place
                // when this node is promoted, so it is kept (no new backend every 50 ms).
                Record(new DirectWrite(node, sent, clock.NowMs, false, e.MessageText));
            }
            catch (Exception e) when (e is NpgsqlException or InvalidOperationException or TimeoutException or IOException)
            {
                Record(new DirectWrite(node, sent, clock.NowMs, false, e.Message));
                // Anything else may have broken the session: the next write starts a fresh one.
                connection?.Dispose();
                connection = null;
            }

            if (clock.NowMs > next)
            {
                next = clock.NowMs; // a slow write does not cause a burst of catch-up writes
            }
        }

        connection?.Dispose();
    }

    private void Record(DirectWrite write)
    {
        lock (writes)
        {
            writes.Add(write);
        }
    }

    /// <summary>Stops the threads (each finishes its write in flight, at most ~2 s) and returns every write.</summary>
    public IReadOnlyList<DirectWrite> Stop()
    {
        stopping = true;
        foreach (Thread thread in threads)
        {
            thread.Join(TimeSpan.FromSeconds(5));
        }

        lock (writes)
        {
            return writes.OrderBy(w => w.SentMs).ToList();
        }
    }

    public void Dispose() => Stop();

    /// <summary>
    /// When a node accepted writes: each run of consecutive accepted writes is one interval, from
    /// the first one's send to the last one's commit. A refused or timed-out write ends the run,
    /// so a node is never counted as writable across a time it refused or hung.
    /// </summary>
    public static IReadOnlyList<Interval> Accepting(IReadOnlyList<DirectWrite> writes, string node)
    {
        var intervals = new List<Interval>();
        double? start = null, end = null;
        foreach (DirectWrite w in writes.Where(w => w.Node == node).OrderBy(w => w.SentMs))
        {
            if (w.Accepted)
            {
                start ??= w.SentMs;
                end = w.DoneMs;
            }
            else if (start is double s)
            {
                intervals.Add(new Interval(s, end!.Value, node));
                start = end = null;
            }
        }

        if (start is double open)
        {
            intervals.Add(new Interval(open, end!.Value, node));
        }

        return intervals;
    }

    /// <summary>The times in [<paramref name="fromMs"/>, <paramref name="toMs"/>] during which both nodes accepted writes.</summary>
    public static IReadOnlyList<Interval> BothAccepting(IReadOnlyList<DirectWrite> writes, string nodeA, string nodeB, double fromMs, double toMs)
    {
        var both = new List<Interval>();
        foreach (Interval a in Accepting(writes, nodeA))
        {
            foreach (Interval b in Accepting(writes, nodeB))
            {
                double start = Math.Max(Math.Max(a.StartMs, b.StartMs), fromMs);
                double end = Math.Min(Math.Min(a.EndMs, b.EndMs), toMs);
                if (end > start)
                {
                    both.Add(new Interval(start, end, "two primaries"));
                }
            }
        }

        return both.OrderBy(i => i.StartMs).ToList();
    }
}
