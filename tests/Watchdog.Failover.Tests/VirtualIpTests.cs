using Watchdog.Failover.Kernel;
using Watchdog.Failover.Tests.Support;
using Watchdog.Protocol.Messages;
using Watchdog.Protocol.Wire;

namespace Watchdog.Failover.Tests;

/// <summary>
/// The virtual IP action against real interfaces in network namespaces this test creates
/// (wdfo-&lt;random&gt;-*): the address changed by netlink from a thread in the namespace (the
/// default) or by ip, and arping, run through `ip netns exec` (VirtualIpOptions.Netns).
/// </summary>
public sealed class VirtualIpTests : IDisposable
{
    private const string Vip = "10.231.0.100";

    /// <summary>Why the tests need root (the skip reason when not); they also run ip and arping.</summary>
    private const string Needs = "it creates network namespaces and interfaces";
    private readonly NetnsLab _lab = new();
    private readonly ScriptDir _dir = new();

    public void Dispose()
    {
        _lab.Dispose();
        _dir.Dispose();
    }

    private static Grant Grant(string node, NodeRole role, long epoch) =>
        new() { Group = "web", Node = node, Role = role, Epoch = epoch, Reason = "test", Timestamp = 1 };

    private static FailoverOptions Options(string ns, string dev, int prefix = 32, string method = "netlink", string arpMethod = "arping") => new()
    {
        Vip = new VirtualIpOptions { Address = Vip, PrefixLength = prefix, Interface = dev, Netns = ns, ArpCount = 1, Method = method, ArpMethod = arpMethod },
    };

    /// <summary>Adds the recording hooks start-service (promote) and stop-service (demote), to see where the address moves among them.</summary>
    private FailoverOptions WithServiceHooks(FailoverOptions options)
    {
        options.Hooks.Promote.Add(_dir.Recording("start-service"));
        options.Hooks.Demote.Add(_dir.Recording("stop-service"));
        return options;
    }

    [RootFact(Needs, "ip", "arping")]
    public async Task With_netlink_promote_and_demote_change_the_address_without_running_ip_or_arping()
    {
        string ns = _lab.Single("10.231.0.1/24");
        FailoverOptions options = WithServiceHooks(Options(ns, "v0", arpMethod: "packet"));
        var runner = new RecordingRunner();
        using var executor = new RoleExecutor(options, runner, TimeProvider.System);
        using var capture = new ArpCapture(ns);

        RoleChangeResult up = await executor.ApplyAsync(Grant("a", NodeRole.Active, 1), CancellationToken.None);
        // The announcement left from the agent's own packet socket: v0's MAC, the VIP.
        byte[] arp = capture.Next(System.Net.IPAddress.Parse(Vip));
        Assert.Equal(NetnsLab.Mac(ns, "v0"), string.Join(':', arp[8..14].Select(b => b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture))));

        Assert.True(up.Ok, up.Detail);
        Assert.Contains($"inet {Vip}/32 ", NetnsLab.Addresses(ns, "v0"), StringComparison.Ordinal);
        Assert.Equal(new[] { "promote hook 0 (start-service)", $"vip add {Vip}/32 dev v0", "gratuitous arp" }, up.Steps.Select(s => s.Step));
        Assert.Equal("added", up.Steps[1].Detail);

        RoleChangeResult down = await executor.ApplyAsync(Grant("a", NodeRole.Standby, 2), CancellationToken.None);

        Assert.True(down.Ok, down.Detail);
        Assert.DoesNotContain(Vip, NetnsLab.Addresses(ns, "v0"), StringComparison.Ordinal);
        Assert.Equal("removed", down.Steps[0].Detail);
        // Only the hooks ran as processes: the address never went through ip, the ARP never through arping.
        Assert.Equal(2, runner.Commands.Length);
        Assert.DoesNotContain(runner.Commands, c => c.Contains(" ip -4 address", StringComparison.Ordinal) || c.Contains("arping", StringComparison.Ordinal));
    }

    [RootFact(Needs, "ip", "arping")]
    public async Task With_ip_promote_adds_the_address_after_the_hooks_and_announces_it_demote_removes_it_before_the_hooks()
    {
        string ns = _lab.Single("10.231.0.1/24");
        FailoverOptions options = WithServiceHooks(Options(ns, "v0", method: "ip"));
        var runner = new RecordingRunner();
        using var executor = new RoleExecutor(options, runner, TimeProvider.System);
        var announced = new TaskCompletionSource<StepReport>(TaskCreationOptions.RunContinuationsAsynchronously);
        executor.BackgroundStepCompleted += report => announced.TrySetResult(report);

        RoleChangeResult up = await executor.ApplyAsync(Grant("a", NodeRole.Active, 1), CancellationToken.None);

        Assert.True(up.Ok, up.Detail);
        Assert.Contains($"inet {Vip}/32 ", NetnsLab.Addresses(ns, "v0"), StringComparison.Ordinal);
        Assert.Equal(new[] { "promote hook 0 (start-service)", $"vip add {Vip}/32 dev v0", "gratuitous arp" }, up.Steps.Select(s => s.Step));
        StepReport arp = await announced.Task.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal($"gratuitous arp 1/1 (arping -U -I v0 {Vip})", arp.Step);
        Assert.True(arp.Ok, arp.Detail + " " + arp.Output);
        Assert.Equal("exit 0", arp.Detail);
        Assert.Contains("Sent 1 probes", arp.Output, StringComparison.Ordinal);
        // What actually ran, in order: the hook, then ip, then arping, all inside the namespace.
        string[] commands = runner.Commands;
        Assert.EndsWith("start-service.sh", commands[0], StringComparison.Ordinal);
        Assert.Equal($"ip netns exec {ns} ip -4 address add {Vip}/32 dev v0", commands[1]);
        Assert.Equal($"ip netns exec {ns} arping -U -c 1 -I v0 {Vip}", commands[2]);
        Assert.Equal(NodeRole.Active, executor.CurrentRole);

        RoleChangeResult down = await executor.ApplyAsync(Grant("a", NodeRole.Standby, 2), CancellationToken.None);

        Assert.True(down.Ok, down.Detail);
        Assert.DoesNotContain(Vip, NetnsLab.Addresses(ns, "v0"), StringComparison.Ordinal);
        Assert.Equal(new[] { $"vip del {Vip}/32 dev v0", "demote hook 0 (stop-service)" }, down.Steps.Select(s => s.Step));
        Assert.Equal($"ip netns exec {ns} ip -4 address del {Vip}/32 dev v0", runner.Commands[3]);
        Assert.EndsWith("stop-service.sh", runner.Commands[4], StringComparison.Ordinal);
        _dir.AssertRunSaw(0, $"WATCHDOG_VIP={Vip}/32", "WATCHDOG_VIP_INTERFACE=v0");
    }

    [RootFact(Needs, "ip", "arping")]
    public async Task Adding_an_address_that_is_already_there_and_removing_one_that_is_gone_both_succeed()
    {
        string ns = _lab.Single("10.231.0.1/24");
        Sh.Must($"ip -n {ns} address add {Vip}/32 dev v0");
        using RoleExecutor executor = new(Options(ns, "v0"), new RecordingRunner(), TimeProvider.System);

        RoleChangeResult up = await executor.ApplyAsync(Grant("a", NodeRole.Active, 1), CancellationToken.None);
        Assert.True(up.Ok, up.Detail);
        Assert.Equal("already present", up.Steps.Single(s => s.Step.StartsWith("vip add", StringComparison.Ordinal)).Detail);

        Sh.Must($"ip -n {ns} address del {Vip}/32 dev v0");
        RoleChangeResult down = await executor.ApplyAsync(Grant("a", NodeRole.None, 2), CancellationToken.None);
        Assert.True(down.Ok, down.Detail);
        Assert.Equal("already absent", down.Steps.Single().Detail);
        Assert.Equal(NodeRole.None, executor.CurrentRole);
    }

    [RootFact(Needs, "ip", "arping")]
    public async Task The_first_non_active_grant_after_start_removes_a_leftover_address()
    {
        string ns = _lab.Single("10.231.0.1/24");
        Sh.Must($"ip -n {ns} address add {Vip}/32 dev v0"); // left by an agent that died while active
        using RoleExecutor executor = new(Options(ns, "v0"), new RecordingRunner(), TimeProvider.System);

        RoleChangeResult r = await executor.ApplyAsync(Grant("a", NodeRole.Standby, 4), CancellationToken.None);

        Assert.True(r.Ok, r.Detail);
        Assert.DoesNotContain(Vip, NetnsLab.Addresses(ns, "v0"), StringComparison.Ordinal);
        Assert.Contains($"the first grant after start, so the demote steps ran: demoted to standby at epoch 4: vip del {Vip}/32 dev v0 removed", r.Detail, StringComparison.Ordinal);
    }

    [RootFact(Needs, "ip", "arping")]
    public async Task A_failing_address_add_rolls_the_promote_back_and_runs_the_demote_hooks()
    {
        string ns = _lab.Single("10.231.0.1/24");
        using RoleExecutor executor = new(WithServiceHooks(Options(ns, "nosuchdev")), new RecordingRunner(), TimeProvider.System);
        await executor.ApplyAsync(Grant("a", NodeRole.Standby, 1), CancellationToken.None);

        RoleChangeResult r = await executor.ApplyAsync(Grant("a", NodeRole.Active, 2), CancellationToken.None);

        Assert.False(r.Ok);
        Assert.Equal(RoleChangeOutcome.PromoteRolledBack, r.Outcome);
        Assert.Equal(NodeRole.Standby, r.Role);
        Assert.StartsWith($"promote failed at vip add {Vip}/32 dev nosuchdev: netlink: Cannot find device \"nosuchdev\"", r.Detail, StringComparison.Ordinal);
        Assert.Equal(new[] { "stop-service", "start-service", "stop-service" }, _dir.Runs()); // the first grant's demote steps, the promote, its rollback
        _dir.AssertRunSaw(2, "WATCHDOG_ACTION=rollback");
    }

    [RootFact(Needs, "ip", "arping")]
    public async Task With_ip_a_failing_address_add_reports_what_ip_said()
    {
        string ns = _lab.Single("10.231.0.1/24");
        using RoleExecutor executor = new(Options(ns, "nosuchdev", method: "ip"), new RecordingRunner(), TimeProvider.System);
        await executor.ApplyAsync(Grant("a", NodeRole.Standby, 1), CancellationToken.None);

        RoleChangeResult r = await executor.ApplyAsync(Grant("a", NodeRole.Active, 2), CancellationToken.None);

        Assert.False(r.Ok);
        Assert.StartsWith($"promote failed at vip add {Vip}/32 dev nosuchdev: exit", r.Detail, StringComparison.Ordinal);
        Assert.Contains("Cannot find device", r.Detail, StringComparison.Ordinal);
    }

    [RootFact(Needs, "ip", "arping")]
    public async Task Switchover_moves_the_address_to_exactly_one_holder_that_a_third_namespace_reaches()
    {
        // Three namespaces on one bridge: A and B hold the VIP in turn, C is a client.
        string a = _lab.Add("a"), b = _lab.Add("b"), c = _lab.Add("c");
        _lab.Switch((a, "10.231.0.1/24"), (b, "10.231.0.2/24"), (c, "10.231.0.3/24"));
        _lab.Serve(a, 7000, "served-by-a");
        _lab.Serve(b, 7000, "served-by-b");
        string macA = NetnsLab.Mac(a, "eth0"), macB = NetnsLab.Mac(b, "eth0");
        // The default: the announcement from the agent's own packet socket.
        using var nodeA = new RoleExecutor(Options(a, "eth0", arpMethod: "packet"), new RecordingRunner(), TimeProvider.System);
        using var nodeB = new RoleExecutor(Options(b, "eth0", arpMethod: "packet"), new RecordingRunner(), TimeProvider.System);
        Assert.True((await nodeB.ApplyAsync(Grant("b", NodeRole.Standby, 1), CancellationToken.None)).Ok);

        RoleChangeResult upA = await nodeA.ApplyAsync(Grant("a", NodeRole.Active, 1), CancellationToken.None);
        Assert.True(upA.Ok, upA.Detail);
        Assert.Equal("served-by-a", NetnsLab.Connect(c, Vip, 7000).Stdout.Trim());
        Assert.Contains("lladdr " + macA, Sh.Must($"ip -n {c} neigh show {Vip}"), StringComparison.Ordinal);

        // The switchover as the board orders it: the old active out first, then the new one in.
        RoleChangeResult downA = await nodeA.ApplyAsync(Grant("a", NodeRole.Standby, 2), CancellationToken.None);
        RoleChangeResult upB = await nodeB.ApplyAsync(Grant("b", NodeRole.Active, 2), CancellationToken.None);
        Assert.True(downA.Ok, downA.Detail);
        Assert.True(upB.Ok, upB.Detail);

        Assert.DoesNotContain(Vip, NetnsLab.Addresses(a, "eth0"), StringComparison.Ordinal);
        Assert.Contains($"inet {Vip}/32 ", NetnsLab.Addresses(b, "eth0"), StringComparison.Ordinal);
        // The gratuitous ARP moves C's cached entry to B's MAC before C sends anything (without
        // it the entry would keep A's MAC for tens of seconds: this check fails with ArpCount 0).
        string neigh = "";
        for (int i = 0; i < 40 && !neigh.Contains("lladdr " + macB, StringComparison.Ordinal); i++)
        {
            await Task.Delay(50);
            neigh = Sh.Must($"ip -n {c} neigh show {Vip}");
        }

        Assert.Contains("lladdr " + macB, neigh, StringComparison.Ordinal);
        Sh.Result reply = NetnsLab.Connect(c, Vip, 7000);
        Assert.True(reply.ExitCode == 0, "connect from C to the VIP failed: " + reply.Stderr);
        Assert.Equal("served-by-b", reply.Stdout.Trim());
    }

    [RootFact(Needs, "ip", "arping")]
    public async Task Repeated_announcements_run_in_the_background_and_stop_at_demote()
    {
        string ns = _lab.Single("10.231.0.1/24");
        FailoverOptions options = Options(ns, "v0", method: "ip", arpMethod: "arping");
        options.Vip.ArpCount = 4;
        options.Vip.ArpIntervalMs = 150;
        options.Vip.ArpMode = "answer";
        var runner = new RecordingRunner();
        using var executor = new RoleExecutor(options, runner, TimeProvider.System);

        RoleChangeResult up = await executor.ApplyAsync(Grant("a", NodeRole.Active, 1), CancellationToken.None);
        Assert.True(up.Ok, up.Detail);
        Assert.True(up.Took < TimeSpan.FromMilliseconds(900), $"promote waited for arping: {up.Took}");

        // 4 announcements, 150 ms apart: all started well within 2 s.
        for (int i = 0; i < 40 && runner.Commands.Count(c => c.Contains("arping", StringComparison.Ordinal)) < 4; i++)
        {
            await Task.Delay(50);
        }

        Assert.Equal(4, runner.Commands.Count(c => c.Contains("arping -A -c 1 -I v0 " + Vip, StringComparison.Ordinal)));

        // A second promote (new epoch) starts a new series; a demote must stop it before the address goes.
        Assert.True((await executor.ApplyAsync(Grant("a", NodeRole.Active, 2), CancellationToken.None)).Ok);
        RoleChangeResult down = await executor.ApplyAsync(Grant("a", NodeRole.Standby, 3), CancellationToken.None);
        Assert.True(down.Ok, down.Detail);
        int afterDemote = runner.Commands.Length;
        await Task.Delay(600);
        Assert.Equal(afterDemote, runner.Commands.Length);
        Assert.Contains("address del", runner.Commands[^1], StringComparison.Ordinal);
    }

    [RootFact(Needs, "ip")]
    public async Task From_a_packet_socket_the_first_announcement_leaves_before_promote_returns_and_a_demote_stops_the_rest()
    {
        string ns = _lab.Single("10.231.0.1/24");
        FailoverOptions options = Options(ns, "v0", arpMethod: "packet");
        options.Vip.ArpCount = 3;
        options.Vip.ArpIntervalMs = VirtualIpOptions.MaxArpIntervalMs;
        var runner = new RecordingRunner();
        using var executor = new RoleExecutor(options, runner, TimeProvider.System);
        var announced = new List<StepReport>();
        executor.BackgroundStepCompleted += report => { lock (announced) { announced.Add(report); } };
        using var capture = new ArpCapture(ns);
        var vip = System.Net.IPAddress.Parse(Vip);

        RoleChangeResult up = await executor.ApplyAsync(Grant("a", NodeRole.Active, 1), CancellationToken.None);
        Assert.True(up.Ok, up.Detail);
        lock (announced)
        {
            StepReport first = Assert.Single(announced);
            Assert.Equal($"gratuitous arp 1/3 (ARP request for {Vip} on v0)", first.Step);
            Assert.Equal("sent", first.Detail);
        }

        Assert.Equal(1, capture.Next(vip)[7]);

        // Demoted well inside the second's interval: the series stops. A reply sent after the
        // demote is then the next packet seen, not a request of the stopped series.
        RoleChangeResult down = await executor.ApplyAsync(Grant("a", NodeRole.Standby, 2), CancellationToken.None);
        Assert.True(down.Ok, down.Detail);
        Assert.True(GratuitousArp.Send(ns, "v0", vip, reply: true).Ok);
        Assert.Equal(2, capture.Next(vip)[7]);
        Assert.Empty(runner.Commands);
    }
}
