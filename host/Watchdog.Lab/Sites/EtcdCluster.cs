using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using dotnet_etcd;
using Etcdserverpb;
using Google.Protobuf;
using Grpc.Core;
using Watchdog.Platform.Posix;

namespace Watchdog.Lab.Sites;

/// <summary>
/// A real etcd cluster with one member per site, each in its own network namespace, plugged into
/// a bridge in a hub namespace on a private 10.214.N.0/24; a veth uplink gives the test process
/// (in the root namespace) 10.214.N.1, so it reaches every member the way a site's board reaches
/// its own. Faults: <see cref="Partition"/> (a member cut off from the other members, still
/// reachable from its own site), <see cref="Kill"/> and <see cref="RestartAsync"/>. Everything
/// is removed on dispose; namespaces a crashed test run left behind are removed at the next start.
/// The system's etcd service is not used: the members run from <c>/usr/bin/etcd</c> with their own
/// data directories. Used by the site ticket's tests and by the lab's two ticketed sites
/// (<c>TicketedSites</c>).
/// </summary>
public sealed class EtcdCluster : IAsyncDisposable
{
    private const string NamePrefix = "wdet";
    private static readonly Lock SubnetGate = new();
    private static readonly Metadata RequireLeader = new() { { "hasleader", "true" } };
    private readonly int subnet;
    private readonly string[] members;
    private readonly List<string> namespaces = [];
    private readonly ConcurrentDictionary<string, Process> processes = new();
    private readonly ConcurrentDictionary<string, ConcurrentQueue<string>> logs = new();
    private readonly string data = PrivatePath.CreateTempDirectory("watchdog-etcd-");

    private EtcdCluster(int subnet, string[] members)
    {
        this.subnet = subnet;
        this.members = members;
    }

    public IReadOnlyList<string> Members => members;

    /// <summary>Starts one member per name (e.g. east, west, arbiter) and waits until each answers a quorum read.</summary>
    public static async Task<EtcdCluster> StartAsync(params string[] members)
    {
        RemoveLeftovers();
        EtcdCluster cluster;
        lock (SubnetGate)
        {
            cluster = new EtcdCluster(PickSubnet(), members);
            try
            {
                cluster.BuildNetwork();
            }
            catch
            {
                cluster.RemoveNetwork();
                throw;
            }
        }

        try
        {
            foreach (string member in members)
            {
                cluster.Launch(member);
            }

            await cluster.WaitHealthyAsync(TimeSpan.FromSeconds(30), members);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    public string Address(string member) => $"10.214.{subnet}.{11 + Index(member)}";

    public string Endpoint(string member) => $"http://{Address(member)}:2379";

    /// <summary>
    /// Cuts <paramref name="member"/> off from every other member (both directions, by blackhole
    /// routes in the namespaces); its own site, the root namespace, still reaches it, as a site's
    /// board reaches the site's member when the link between sites is cut.
    /// </summary>
    public void Partition(string member) => SetPartition(member, "add");

    public void Heal(string member) => SetPartition(member, "del");

    /// <summary>SIGKILL to the member: no goodbye to its peers or clients.</summary>
    public void Kill(string member)
    {
        if (processes.TryRemove(member, out Process? process))
        {
            process.Kill();
            process.WaitForExit();
            process.Dispose();
        }
    }

    /// <summary>Starts a killed member again on its data directory and waits until it answers a quorum read.</summary>
    public async Task RestartAsync(string member)
    {
        Kill(member);
        Launch(member);
        await WaitHealthyAsync(TimeSpan.FromSeconds(30), member);
    }

    /// <summary>Polls each member with a quorum read until all answer (the cluster has a leader and they reach it).</summary>
    public async Task WaitHealthyAsync(TimeSpan timeout, params string[] which)
    {
        var clock = Stopwatch.StartNew();
        foreach (string member in which)
        {
            using var client = new EtcdClient(Endpoint(member));
            string? last = null;
            while (true)
            {
                try
                {
                    await client.GetAsync(new RangeRequest { Key = ByteString.CopyFromUtf8("/health") }, RequireLeader, DateTime.UtcNow.AddSeconds(1));
                    break;
                }
                catch (RpcException e)
                {
                    last = e.Status.Detail;
                }
                catch (OperationCanceledException)
                {
                    last = "no answer within 1 s";
                }

                if (clock.Elapsed > timeout)
                {
                    throw new TimeoutException($"etcd member {member} did not answer a quorum read within {timeout.TotalSeconds:F0} s (last: {last}); its log:\n{Log(member)}");
                }

                await Task.Delay(50);
            }
        }
    }

    /// <summary>
    /// Makes <paramref name="member"/> the raft leader (etcd's move-leader, asked of the current
    /// leader) and waits until every member reports it: a test can then kill or cut the leader
    /// itself, the case that costs an election.
    /// </summary>
    public async Task MakeLeaderAsync(string member, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            StatusResponse target = await StatusAsync(member);
            if (target.Leader == target.Header.MemberId)
            {
                return;
            }

            string? current = null;
            foreach (string other in members.Where(m => m != member && processes.ContainsKey(m)))
            {
                StatusResponse status = await StatusAsync(other);
                if (status.Leader == status.Header.MemberId)
                {
                    current = other;
                }
            }

            if (current is not null)
            {
                using var client = new EtcdClient(Endpoint(current));
                try
                {
                    await client.MoveLeaderAsync(new MoveLeaderRequest { TargetID = target.Header.MemberId }, deadline: DateTime.UtcNow.AddSeconds(2));
                }
                catch (RpcException)
                {
                    // Leadership moved meanwhile; look again.
                }
            }

            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException($"etcd member {member} did not become the leader within {timeout.TotalSeconds:F0} s.");
            }

            await Task.Delay(50);
        }
    }

    private async Task<StatusResponse> StatusAsync(string member)
    {
        using var client = new EtcdClient(Endpoint(member));
        return await client.StatusAsync(new StatusRequest(), deadline: DateTime.UtcNow.AddSeconds(2));
    }

    /// <summary>
    /// For a failure message: each member's process (running, exited with its code, or killed by
    /// the test) and the last lines it wrote, so a lost quorum shows as the member that is gone.
    /// </summary>
    public string Describe(int lines = 5)
    {
        var text = new StringBuilder();
        foreach (string member in members)
        {
            string state = !processes.TryGetValue(member, out Process? p) ? "not running (killed or never started)"
                : p.HasExited ? $"exited with code {p.ExitCode}" : "running";
            text.Append($"etcd member {member} ({Address(member)}): {state}\n");
            if (logs.TryGetValue(member, out ConcurrentQueue<string>? kept))
            {
                foreach (string line in kept.TakeLast(lines))
                {
                    text.Append("  ").Append(line).Append('\n');
                }
            }
        }

        return text.ToString();
    }

    /// <summary>The member's last log lines, for failure messages.</summary>
    public string Log(string member) => logs.TryGetValue(member, out ConcurrentQueue<string>? lines) ? string.Join('\n', lines) : "";

    public async ValueTask DisposeAsync()
    {
        foreach (string member in members)
        {
            Kill(member);
        }

        RemoveNetwork();
        Directory.Delete(data, recursive: true);
        await Task.CompletedTask;
    }

    private string Prefix => $"{NamePrefix}{Environment.ProcessId}s{subnet}";

    private string Hub => Prefix + "-hub";

    private string Namespace(string member) => Prefix + "-" + member;

    private int Index(string member)
    {
        int i = Array.IndexOf(members, member);
        return i >= 0 ? i : throw new ArgumentException($"'{member}' is not a member of this cluster ({string.Join(", ", members)}).", nameof(member));
    }

    private void BuildNetwork()
    {
        namespaces.Add(Hub);
        Ip($"netns add {Hub}");
        Ip($"-n {Hub} link set lo up");
        Ip($"-n {Hub} link add br0 type bridge");
        Ip($"-n {Hub} link set br0 up");
        string uplink = $"{NamePrefix}{subnet}";
        Ip($"link add {uplink} type veth peer name uplink netns {Hub}");
        Ip($"-n {Hub} link set uplink master br0 up");
        Ip($"address add 10.214.{subnet}.1/24 dev {uplink}");
        Ip($"link set {uplink} up");
        for (int i = 0; i < members.Length; i++)
        {
            string ns = Namespace(members[i]);
            namespaces.Add(ns);
            Ip($"netns add {ns}");
            Ip($"-n {ns} link set lo up");
            Ip($"-n {Hub} link add p{i} type veth peer name eth0 netns {ns}");
            Ip($"-n {Hub} link set p{i} master br0 up");
            Ip($"-n {ns} address add {Address(members[i])}/24 dev eth0");
            Ip($"-n {ns} link set eth0 up");
        }
    }

    private void RemoveNetwork()
    {
        // Deleting a namespace deletes its ends of the veth pairs, and with them the peers.
        foreach (string ns in namespaces)
        {
            Run("ip", $"netns del {ns}");
        }

        namespaces.Clear();
    }

    private void SetPartition(string member, string verb)
    {
        foreach (string other in members.Where(m => m != member))
        {
            Ip($"-n {Namespace(member)} route {verb} blackhole {Address(other)}/32");
            Ip($"-n {Namespace(other)} route {verb} blackhole {Address(member)}/32");
        }
    }

    private void Launch(string member)
    {
        string address = Address(member);
        string cluster = string.Join(',', members.Select(m => $"{m}=http://{Address(m)}:2380"));
        var start = new ProcessStartInfo("ip")
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (string key in start.Environment.Keys.Where(k => k.StartsWith("ETCD", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(key); // the member's flags alone configure it
        }

        // Heartbeat and election are short so that an election (after the leader is killed or cut
        // off) fits well inside the shortest lease (2 s, the site ticket's tests); etcd's default 1 s election would not.
        foreach (string arg in new[]
        {
            "netns", "exec", Namespace(member), "etcd",
            "--name", member,
            "--data-dir", Path.Combine(data, member),
            "--listen-client-urls", $"http://{address}:2379",
            "--advertise-client-urls", $"http://{address}:2379",
            "--listen-peer-urls", $"http://{address}:2380",
            "--initial-advertise-peer-urls", $"http://{address}:2380",
            "--initial-cluster", cluster,
            "--initial-cluster-state", "new",
            "--initial-cluster-token", Prefix,
            "--heartbeat-interval", "50",
            "--election-timeout", "300",
            "--pre-vote", // a member back from a cut does not depose the leader (etcd 3.4 leaves it off)
            "--logger", "zap",
            "--log-outputs", "stderr",
            "--log-level", "warn",
        })
        {
            start.ArgumentList.Add(arg);
        }

        ConcurrentQueue<string> log = logs.GetOrAdd(member, _ => new ConcurrentQueue<string>());
        var process = new Process { StartInfo = start };
        process.ErrorDataReceived += (_, e) => Keep(log, e.Data);
        process.OutputDataReceived += (_, e) => Keep(log, e.Data);
        process.Start();
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        processes[member] = process;
    }

    private static void Keep(ConcurrentQueue<string> log, string? line)
    {
        if (line is null)
        {
            return;
        }

        log.Enqueue(line);
        while (log.Count > 40 && log.TryDequeue(out _))
        {
        }
    }

    /// <summary>A /24 in 10.214.0.0/16 no interface on the machine uses.</summary>
    private static int PickSubnet()
    {
        string inUse = Run("ip", "-o -4 address show");
        for (int attempt = 0; attempt < 100; attempt++)
        {
            int candidate = Random.Shared.Next(1, 255);
            if (!inUse.Contains($" 10.214.{candidate}.", StringComparison.Ordinal))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException("no free 10.214.N.0/24 subnet for an etcd test cluster.");
    }

    /// <summary>Removes namespaces (and the members in them) a test process that no longer runs left behind.</summary>
    private static void RemoveLeftovers()
    {
        foreach (string line in Run("ip", "netns list").Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            string name = line.Split(' ')[0];
            if (!name.StartsWith(NamePrefix, StringComparison.Ordinal))
            {
                continue;
            }

            string digits = new([.. name[NamePrefix.Length..].TakeWhile(char.IsAsciiDigit)]);
            if (!int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out int pid) || Directory.Exists($"/proc/{pid}"))
            {
                continue;
            }

            foreach (string stray in Run("ip", $"netns pids {name}").Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                Run("kill", "-9 " + stray.Trim());
            }

            Run("ip", $"netns del {name}");
        }
    }

    private static void Ip(string arguments)
    {
        using Process process = Process.Start(Info("ip", arguments))!;
        string error = process.StandardError.ReadToEnd();
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"ip {arguments} failed: {error.Trim()}");
        }
    }

    private static string Run(string program, string arguments)
    {
        using Process process = Process.Start(Info(program, arguments))!;
        string output = process.StandardOutput.ReadToEnd();
        process.StandardError.ReadToEnd();
        process.WaitForExit();
        return output;
    }

    private static ProcessStartInfo Info(string program, string arguments)
    {
        var info = new ProcessStartInfo(program) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (string arg in arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            info.ArgumentList.Add(arg);
        }

        return info;
    }
}
