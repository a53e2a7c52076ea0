using System.Diagnostics;
using Npgsql;
using Watchdog.Bench.Network;
using Watchdog.Bench.Timing;
using Watchdog.Platform.Posix;
using Watchdog.Postgres;

namespace Watchdog.Bench.Patroni;

/// <summary>
/// A Patroni pair on the bench network: etcd alone in namespace "dcs", and node-a and node-b,
/// each a Patroni with its own PostgreSQL 15 (own data and socket directories, run as the
/// postgres user) in its own namespace, all on one bridge with the bench process reaching them
/// from the host side of the rack's uplink.
/// <code>
///   [..-node-a] 10.213.N.11  patroni :8008, postgres :5432
///   [..-node-b] 10.213.N.12  patroni :8008, postgres :5432
///   [..-dcs]    10.213.N.13  etcd :2379
///   host        10.213.N.1   the bench: the writing client, the REST polls, the faults
/// </code>
/// Both nodes start at once and Patroni elects the leader (whoever wins the race to initialise
/// the cluster bootstraps it; the other clones it with pg_basebackup). Dispose kills every
/// process of the run and checks none is left (patroni, etcd, postgres).
/// </summary>
public sealed class PatroniCluster : IDisposable
{
    public const string NodeA = "node-a";
    public const string NodeB = "node-b";
    public const string DcsNode = "dcs";

    private readonly List<PatroniNode> nodes = [];
    private readonly string work;
    private EtcdMember? etcd;
    private bool disposed;

    private PatroniCluster(PatroniTuning tuning, BenchNetwork network, string work, BenchClock clock)
    {
        Tuning = tuning;
        Network = network;
        this.work = work;
        Clock = clock;
    }

    public PatroniTuning Tuning { get; }

    public BenchNetwork Network { get; }

    public BenchClock Clock { get; }

    public IReadOnlyList<PatroniNode> Nodes => nodes;

    public EtcdMember Etcd => etcd ?? throw new InvalidOperationException("etcd has not started");

    /// <summary>
    /// How the client reaches the primary without HAProxy, which is what Patroni users commonly
    /// do: libpq's multi-host string with target_session_attrs=read-write
    /// (`host=A,B port=5432 target_session_attrs=read-write`); Npgsql's equivalent is both hosts
    /// and Target Session Attributes=read-write. The driver tries the hosts in turn and keeps the
    /// first that accepts writes, so after a failover it finds the new primary by itself.
    /// Host Recheck Seconds=0 makes Npgsql behave as libpq does: by default Npgsql remembers a
    /// host's state (offline, standby) for 10 s and skips it meanwhile, which after a promotion
    /// would add up to 10 s of "no suitable host" that is the driver's, not Patroni's.
    /// Timeouts are the measuring client's: connect 1 s, command 2 s.
    /// </summary>
    public string ClientConnectionString => new NpgsqlConnectionStringBuilder
    {
        Host = string.Join(',', nodes.Select(n => n.Address.ToString())),
        Port = PatroniConfig.PostgresPort,
        Username = PatroniConfig.Superuser,
        Database = "postgres",
        TargetSessionAttributes = "read-write",
        HostRecheckSeconds = 0,
        Timeout = 1,
        CommandTimeout = 2,
        CancellationTimeout = -1,
        Pooling = false,
    }.ConnectionString;

    /// <summary>
    /// One node directly, over its unix socket: a client on the node itself. A partitioned
    /// node still answers here, which is the point: it measures whether the node accepts a
    /// write, not whether the bench can route to it.
    /// </summary>
    public static string DirectConnectionString(PatroniNode node) => new NpgsqlConnectionStringBuilder
    {
        Host = node.Layout.SocketDirectory,
        Port = PatroniConfig.PostgresPort,
        Username = PatroniConfig.Superuser,
        Database = "postgres",
        Timeout = 1,
        CommandTimeout = 1,
        CancellationTimeout = -1,
        Pooling = false,
    }.ConnectionString;

    /// <summary>Builds the network, starts etcd and both nodes, and waits for a primary with a streaming (in synchronous mode: synchronous) replica.</summary>
    /// <exception cref="BenchSetupException">Something did not come up in time; everything started is stopped again.</exception>
    public static PatroniCluster Start(PatroniTuning tuning, BenchClock clock, TimeSpan timeout, TextWriter? log = null)
    {
        tuning.Validate();
        string binDirectory;
        try
        {
            binDirectory = PgBinaries.Find().Directory;
        }
        catch (FileNotFoundException e)
        {
            throw new BenchSetupException(e.Message, e);
        }

        BenchNetwork network = BenchNetwork.Create([NodeA, NodeB, DcsNode]);
        string work;
        try
        {
            work = PrivatePath.CreateTempDirectory("watchdog-patroni-" + network.Tag + "-");
            // The postgres user must pass through to its node directories (0700 each, its own).
            Watchdog.Bench.Network.HostCommand.Run("chmod", "0711", work);
        }
        catch
        {
            network.Dispose();
            throw;
        }

        var cluster = new PatroniCluster(tuning, network, work, clock);
        try
        {
            cluster.etcd = EtcdMember.Start(network.NamespaceOf(DcsNode), network.AddressOf(DcsNode), Path.Combine(work, "etcd"), clock, timeout);
            foreach (string name in new[] { NodeA, NodeB })
            {
                var layout = new PatroniNodeLayout(name, network.AddressOf(name), Path.Combine(work, name));
                string config = PatroniConfig.Render(tuning, layout, cluster.etcd.ClientEndpoint, binDirectory);
                cluster.nodes.Add(PatroniNode.Start(layout, network.NamespaceOf(name), config, clock));
            }

            var (primary, replica) = cluster.WaitForPair(timeout);
            log?.WriteLine($"  {tuning.Name}: {primary.Name} is the primary, {replica.Name} streams{(tuning.SynchronousMode ? " as synchronous standby" : string.Empty)} ({clock.NowMs / 1000:0.0} s after start)");
            return cluster;
        }
        catch
        {
            cluster.Dispose();
            throw;
        }
    }

    public PatroniNode Node(string name) =>
        nodes.FirstOrDefault(n => n.Name == name) ?? throw new ArgumentException($"unknown node '{name}' (nodes: {string.Join(", ", nodes.Select(n => n.Name))})", nameof(name));

    public PatroniNode Other(PatroniNode node) => nodes.Single(n => n != node);

    /// <summary>
    /// Waits until exactly one node is primary and the other a running replica that the primary
    /// lists as streaming (and, in synchronous mode, that Patroni names synchronous). Polls the
    /// REST API every 200 ms; the condition, not the time, is the proof.
    /// </summary>
    public (PatroniNode Primary, PatroniNode Replica) WaitForPair(TimeSpan timeout)
    {
        var waited = Stopwatch.StartNew();
        string last = "no answer yet";
        while (waited.Elapsed < timeout)
        {
            foreach (PatroniNode node in nodes)
            {
                if (node.Process.HasExited)
                {
                    throw new BenchSetupException($"patroni on {node.Name} exited: {node.LogTail()}");
                }
            }

            var roles = nodes.Select(n => (Node: n, Role: n.Role())).ToList();
            last = string.Join(", ", roles.Select(r => $"{r.Node.Name} {r.Role}"));
            var primaries = roles.Where(r => r.Role == PatroniRole.Primary).Select(r => r.Node).ToList();
            if (primaries.Count == 1)
            {
                PatroniNode primary = primaries[0];
                PatroniNode replica = Other(primary);
                if (roles.Single(r => r.Node == replica).Role == PatroniRole.Replica
                    && primary.StreamingReplicas().Contains(replica.Name)
                    && (!Tuning.SynchronousMode || replica.IsSynchronousStandby()))
                {
                    return (primary, replica);
                }

                last += $"; {replica.Name} not yet {(Tuning.SynchronousMode ? "a synchronous" : "a streaming")} replica";
            }

            Thread.Sleep(200);
        }

        throw new BenchSetupException($"no Patroni primary with a {(Tuning.SynchronousMode ? "synchronous" : "streaming")} replica within {timeout.TotalSeconds:0} s (last: {last}); "
            + string.Join("; ", nodes.Select(n => $"{n.Name} says: {n.LogTail(4)}")));
    }

    /// <summary>The node whose REST API says primary now, or null (none, or more than one).</summary>
    public PatroniNode? CurrentPrimary()
    {
        var primaries = nodes.Where(n => n.Role() == PatroniRole.Primary).ToList();
        return primaries.Count == 1 ? primaries[0] : null;
    }

    /// <summary>Runs one statement on the node directly (its socket), for setup: tables the client and the probe write.</summary>
    public static void Execute(PatroniNode node, string sql)
    {
        using var connection = new NpgsqlConnection(DirectConnectionString(node));
        connection.Open();
        using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 10 };
        command.ExecuteNonQuery();
    }

    /// <summary>Stops everything (nodes, etcd, the namespaces and all left in them), then checks no process of the run survived.</summary>
    public void Dispose()
    {
        if (disposed)
        {
            return;
        }

        disposed = true;
        foreach (PatroniNode node in nodes)
        {
            node.Dispose();
        }

        etcd?.Dispose();
        Network.Dispose();
        KillLeftovers();
        try
        {
            Directory.Delete(work, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A leftover temp directory is harmless; a leftover process is not (checked above).
        }
    }

    /// <summary>
    /// Every process of the run has the run's unique directory on its command line (patroni's
    /// config, etcd's data dir, the postmaster's -D). Killing the namespaces' processes should
    /// have ended them all; any still there is killed by its pid, and the error says which.
    /// </summary>
    private void KillLeftovers()
    {
        IReadOnlyList<int> left = ProcessesOfRun();
        if (left.Count == 0)
        {
            return;
        }

        foreach (int pid in left)
        {
            PosixSignals.Send(pid, PosixSignals.SigKill);
            PosixSignals.Send(pid, PosixSignals.SigCont);
        }

        var deadline = Stopwatch.StartNew();
        while (ProcessesOfRun().Count > 0 && deadline.Elapsed < TimeSpan.FromSeconds(5))
        {
            Thread.Sleep(50);
        }
    }

    /// <summary>The pids whose command line names this run's directory (what `pgrep -f DIR` finds).</summary>
    public IReadOnlyList<int> ProcessesOfRun()
    {
        var pids = new List<int>();
        foreach (string dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out int pid) || pid == Environment.ProcessId)
            {
                continue;
            }

            try
            {
                string cmdline = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ');
                if (cmdline.Contains(work, StringComparison.Ordinal) && !IsZombie(dir))
                {
                    pids.Add(pid);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Gone meanwhile.
            }
        }

        return pids;
    }

    private static bool IsZombie(string procDir)
    {
        string stat = File.ReadAllText(Path.Combine(procDir, "stat"));
        int close = stat.LastIndexOf(')');
        return close > 0 && close + 2 < stat.Length && stat[close + 2] == 'Z';
    }
}
