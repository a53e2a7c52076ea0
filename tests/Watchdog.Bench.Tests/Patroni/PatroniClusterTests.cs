using Npgsql;
using Watchdog.Bench.Patroni;
using Watchdog.Bench.Timing;
using Watchdog.Postgres;

namespace Watchdog.Bench.Tests.Patroni;

/// <summary>Skips (with the reason) unless root with Debian's patroni, etcd and PostgreSQL 15 installed.</summary>
public sealed class PatroniFactAttribute : FactAttribute
{
    public PatroniFactAttribute()
    {
        string? missing = new[] { PatroniNode.Binary, EtcdMember.Binary }.FirstOrDefault(b => !File.Exists(b));
        Skip = RootOnly.SkipReason("it creates network namespaces and runs PostgreSQL as the postgres user")
            ?? (missing is not null ? $"needs {missing} (./scripts/install-test-deps.sh)"
            : PgBinaries.AreInstalled() ? null : "needs PostgreSQL 15's server programs (./scripts/install-test-deps.sh)");
    }
}

/// <summary>Patroni tests build whole clusters: one at a time, never beside each other on a 2-core machine.</summary>
[CollectionDefinition("patroni", DisableParallelization = true)]
public sealed class PatroniCollection
{
}

/// <summary>A real Patroni pair (etcd, two Patroni nodes, PostgreSQL 15) in namespaces.</summary>
[Collection("patroni")]
public class PatroniClusterTests
{
    [PatroniFact]
    public void A_pair_comes_up_with_one_leader_a_streaming_replica_and_leaves_no_process_behind()
    {
        PatroniCluster cluster = PatroniCluster.Start(PatroniTuning.Tuned, new BenchClock(), TimeSpan.FromSeconds(180));
        try
        {
            var (primary, replica) = cluster.WaitForPair(TimeSpan.FromSeconds(60));

            Assert.Equal(PatroniRole.Primary, primary.Role());
            Assert.Equal(PatroniRole.Replica, replica.Role());
            Assert.Single(cluster.Nodes, n => n.Role() == PatroniRole.Primary);
            Assert.Contains(replica.Name, primary.StreamingReplicas());
            Assert.NotEmpty(primary.PostgresPids());

            // The client's connection string finds the primary among both hosts, and the row
            // reaches the replica by streaming replication.
            using (var connection = new NpgsqlConnection(cluster.ClientConnectionString))
            {
                connection.Open();
                using var where = new NpgsqlCommand("SELECT host(inet_server_addr())", connection);
                Assert.Equal(primary.Address.ToString(), where.ExecuteScalar() as string);
                using var create = new NpgsqlCommand("CREATE TABLE t (v int); INSERT INTO t VALUES (42)", connection);
                create.ExecuteNonQuery();

                // Segments in the data directory: the bench kills postmasters, and segments in
                // /dev/shm would outlive them.
                using var shm = new NpgsqlCommand("SHOW dynamic_shared_memory_type", connection);
                Assert.Equal("mmap", shm.ExecuteScalar() as string);
            }

            Assert.True(Eventually(() => ReadOnReplica(replica) == 42, TimeSpan.FromSeconds(30)), $"the row never reached {replica.Name}");
        }
        finally
        {
            cluster.Dispose();
        }

        Assert.Empty(cluster.ProcessesOfRun());
    }

    private static int? ReadOnReplica(PatroniNode replica)
    {
        try
        {
            using var connection = new NpgsqlConnection(PatroniCluster.DirectConnectionString(replica));
            connection.Open();
            using var read = new NpgsqlCommand("SELECT v FROM t", connection);
            return read.ExecuteScalar() as int?;
        }
        catch (PostgresException)
        {
            return null; // the table has not replicated yet
        }
    }

    private static bool Eventually(Func<bool> condition, TimeSpan timeout)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (!condition())
        {
            if (waited.Elapsed > timeout)
            {
                return false;
            }

            Thread.Sleep(100);
        }

        return true;
    }

    /// <summary>Processes started from a Patroni run's directory (patroni, etcd, the postmaster), by their command lines.</summary>
    internal static List<string> LeftoverProcesses()
    {
        var left = new List<string>();
        foreach (string dir in Directory.EnumerateDirectories("/proc"))
        {
            try
            {
                string cmdline = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ');
                if (cmdline.Contains("watchdog-patroni-", StringComparison.Ordinal) && !cmdline.Contains("dotnet", StringComparison.Ordinal))
                {
                    left.Add(Path.GetFileName(dir) + ": " + cmdline);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // gone meanwhile
            }
        }

        return left;
    }
}
