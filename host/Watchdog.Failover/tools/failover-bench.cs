#!/usr/bin/env -S dotnet run
#:project ../Watchdog.Failover.csproj
// Measures the failover actions with real processes in network namespaces. Needs root.
//   dotnet run host/Watchdog.Failover/tools/failover-bench.cs -- --runs 20
// Prints, per measure, min / median / p90 / max in ms:
//   spawn      one ProcessRunner run of /bin/true (setsid, pipes, reaping)
//   demote     RoleExecutor demote of A: announcements stopped, VIP removed, one demote hook
//   promote    RoleExecutor promote of B: one promote hook, VIP added, announcements started
//   switchover demote A + promote B, back to back (what the board's switchover costs on the hosts)
//   arp-seen   from the start of the switchover until a third namespace's ARP cache holds B's MAC
// The hooks are one-line shell scripts (exit 0), so hook time is the cost of starting a shell.
using System.Diagnostics;
using System.Globalization;
using Watchdog.Failover;
using Watchdog.Platform.Posix;
using Watchdog.Platform.Processes;
using Watchdog.Protocol.Messages;
using Watchdog.Protocol.Wire;

int runs = 20;
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--runs" when i + 1 < args.Length: runs = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        default: throw new ArgumentException($"unknown option {args[i]}; known: --runs N");
    }
}

if (!OperatingSystem.IsLinux())
{
    Console.Error.WriteLine("failover-bench needs Linux (network namespaces)");
    return 2;
}

const string Vip = "10.232.0.100";
string id = "wdfob-" + Guid.NewGuid().ToString("N")[..6];
string hub = id + "-hub", a = id + "-a", b = id + "-b", c = id + "-c";
string dir = Directory.CreateTempSubdirectory("wdfo-bench-").FullName;
try
{
    foreach (string ns in new[] { hub, a, b, c })
    {
        Must($"ip netns add {ns} && ip -n {ns} link set lo up");
    }

    Must($"ip -n {hub} link add br0 type bridge && ip -n {hub} link set br0 up");
    int port = 0;
    foreach ((string ns, string addr) in new[] { (a, "10.232.0.1/24"), (b, "10.232.0.2/24"), (c, "10.232.0.3/24") })
    {
        string p = "p" + port++;
        Must($"ip -n {hub} link add {p} type veth peer name eth0 netns {ns} && ip -n {hub} link set {p} master br0 up");
        Must($"ip -n {ns} address add {addr} dev eth0 && ip -n {ns} link set eth0 up");
    }

    string macA = Must($"ip netns exec {a} cat /sys/class/net/eth0/address").Trim();
    string macB = Must($"ip netns exec {b} cat /sys/class/net/eth0/address").Trim();
    string hook = Path.Combine(dir, "hook.sh");
    File.WriteAllText(hook, "#!/bin/sh\nexit 0\n");
    File.SetUnixFileMode(hook, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

    var runner = new ProcessRunner(TimeProvider.System);
    var spawn = new List<double>();
    for (int i = 0; i < runs; i++)
    {
        var sw = Stopwatch.StartNew();
        ProcessOutcome o = await runner.RunAsync(new ProcessRequest("/bin/true", Array.Empty<string>(), new Dictionary<string, string>(), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(1), 4096), CancellationToken.None);
        spawn.Add(sw.Elapsed.TotalMilliseconds);
        if (!o.Succeeded)
        {
            throw new InvalidOperationException("/bin/true failed: " + o.Describe(TimeSpan.FromSeconds(5)));
        }
    }

    FailoverOptions Options(string ns)
    {
        var o = new FailoverOptions { Vip = new VirtualIpOptions { Address = Vip, Interface = "eth0", Netns = ns, ArpCount = 1 } };
        o.Hooks.Promote.Add(new HookOptions { Path = hook });
        o.Hooks.Demote.Add(new HookOptions { Path = hook });
        return o;
    }

    using var nodeA = new RoleExecutor(Options(a), runner, TimeProvider.System);
    using var nodeB = new RoleExecutor(Options(b), runner, TimeProvider.System);
    var demote = new List<double>();
    var promote = new List<double>();
    var switchover = new List<double>();
    var arpSeen = new List<double>();
    long epoch = 1;
    for (int i = 0; i < runs; i++)
    {
        // Start: A active, B standby, C has A's MAC cached (C talks to the VIP once).
        Check(await nodeB.ApplyAsync(G("b", NodeRole.Standby, epoch), CancellationToken.None));
        Check(await nodeA.ApplyAsync(G("a", NodeRole.Active, epoch), CancellationToken.None));
        // A TCP connect to a closed port (refused at once) makes C's kernel resolve and cache the VIP.
        Run($"ip -n {c} neigh flush dev eth0; ip netns exec {c} timeout 2 bash -c 'exec 3<>/dev/tcp/{Vip}/9' 2>/dev/null");
        if (!Must($"ip -n {c} neigh show {Vip}").Contains(macA, StringComparison.Ordinal))
        {
            throw new InvalidOperationException("C did not cache A's MAC for the VIP");
        }

        await Task.Delay(1100); // let A's background arping finish so it is not part of the next measure
        epoch++;

        var sw = Stopwatch.StartNew();
        RoleChangeResult down = Check(await nodeA.ApplyAsync(G("a", NodeRole.Standby, epoch), CancellationToken.None));
        RoleChangeResult up = Check(await nodeB.ApplyAsync(G("b", NodeRole.Active, epoch), CancellationToken.None));
        double total = sw.Elapsed.TotalMilliseconds;
        while (!Must($"ip -n {c} neigh show {Vip}").Contains(macB, StringComparison.Ordinal))
        {
            if (sw.Elapsed > TimeSpan.FromSeconds(5))
            {
                throw new InvalidOperationException("C never learnt B's MAC");
            }
        }

        arpSeen.Add(sw.Elapsed.TotalMilliseconds);
        demote.Add(down.Took.TotalMilliseconds);
        promote.Add(up.Took.TotalMilliseconds);
        switchover.Add(total);
        await Task.Delay(1100);
        epoch++;
        Check(await nodeB.ApplyAsync(G("b", NodeRole.Standby, epoch), CancellationToken.None));
    }

    Console.WriteLine($"failover-bench: {runs} runs, {Environment.ProcessorCount} CPUs, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}");
    Console.WriteLine("measure      min  median     p90     max   (ms)");
    Print("spawn", spawn);
    Print("demote", demote);
    Print("promote", promote);
    Print("switchover", switchover);
    Print("arp-seen", arpSeen);
    return 0;
}
finally
{
    foreach (string ns in new[] { a, b, c, hub })
    {
        Run($"ip netns del {ns}");
    }

    Directory.Delete(dir, recursive: true);
}

static Grant G(string node, NodeRole role, long epoch) => new() { Group = "bench", Node = node, Role = role, Epoch = epoch, Reason = "bench" };

static RoleChangeResult Check(RoleChangeResult r) => r.Ok ? r : throw new InvalidOperationException(r.ToString());

static void Print(string name, List<double> values)
{
    values.Sort();
    double P(double q) => values[Math.Min(values.Count - 1, (int)Math.Ceiling(q * values.Count) - 1)];
    Console.WriteLine(string.Format(CultureInfo.InvariantCulture, "{0,-10} {1,6:0.0} {2,7:0.0} {3,7:0.0} {4,7:0.0}", name, values[0], P(0.5), P(0.9), values[^1]));
}

// Through the shared process runner (Platform's HostCommand): the shell leads its own process
// group, stdout and stderr are drained together (reading one to the end first could stall on the
// other's full pipe) and a shell stuck for 30 s is killed with its children and fails the bench.
static (int Code, string Out) Run(string command)
{
    CommandResult r = HostCommand.Run("/bin/sh", ["-c", command]);
    return (r.ExitCode, r.StandardOutput + r.StandardError);
}

static string Must(string command)
{
    (int code, string output) = Run(command);
    return code == 0 ? output : throw new InvalidOperationException($"exit {code}: {command}\n{output}");
}
