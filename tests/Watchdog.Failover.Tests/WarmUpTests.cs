using Watchdog.Failover.Kernel;
using Watchdog.Failover.Tests.Support;
using Watchdog.Protocol.Messages;
using Watchdog.Protocol.Wire;

namespace Watchdog.Failover.Tests;

/// <summary>
/// RoleExecutor.WarmUpAsync runs the promote and demote code at start on a dry copy: it must
/// change nothing a takeover changes. Hooks here record every run; the virtual IP is on a real
/// interface in a namespace this test creates; every process goes through a recording runner.
/// </summary>
public sealed class WarmUpTests : IDisposable
{
    private const string Vip = "10.231.0.100";
    private readonly NetnsLab _lab = new();
    private readonly ScriptDir _dir = new();

    public void Dispose()
    {
        _lab.Dispose();
        _dir.Dispose();
    }

    private FailoverOptions Options(string ns, string dev, string method)
    {
        var options = new FailoverOptions
        {
            Vip = new VirtualIpOptions { Address = Vip, PrefixLength = 32, Interface = dev, Netns = ns, ArpCount = 2, Method = method },
        };
        options.Hooks.Promote.Add(_dir.Recording("start-service"));
        options.Hooks.Demote.Add(_dir.Recording("stop-service"));
        return options;
    }

    [RootTheory("it creates network namespaces and interfaces", "ip", "arping")]
    [InlineData("netlink")]
    [InlineData("ip")]
    public async Task Warm_up_runs_no_hook_neither_adds_nor_removes_the_address_and_keeps_the_role(string method)
    {
        string ns = _lab.Single("10.231.0.1/24");
        var runner = new RecordingRunner();
        using var executor = new RoleExecutor(Options(ns, "v0", method), runner, TimeProvider.System);
        int background = 0;
        executor.BackgroundStepCompleted += _ => Interlocked.Increment(ref background);
        using var capture = new ArpCapture(ns);

        // Absent before: still absent (nothing added).
        string detail = await executor.WarmUpAsync(CancellationToken.None);
        Assert.DoesNotContain(Vip, NetnsLab.Addresses(ns, "v0"), StringComparison.Ordinal);

        // Present before (an agent restarted while active): still present (nothing removed).
        Sh.Must($"ip -n {ns} address add {Vip}/32 dev v0");
        await executor.WarmUpAsync(CancellationToken.None);
        Assert.Contains($"inet {Vip}/32 ", NetnsLab.Addresses(ns, "v0"), StringComparison.Ordinal);

        Assert.Empty(_dir.Runs());
        Assert.Equal(new[] { "setsid --version", "setsid --version" }, runner.Commands);
        Assert.Contains("setsid --version: exit 0", detail, StringComparison.Ordinal);
        Assert.Equal(NodeRole.None, executor.CurrentRole);
        Assert.Equal(0, executor.CurrentEpoch);
        Assert.Equal(0, Volatile.Read(ref background));
        // No gratuitous ARP left the dry copy (an ARP request): the next packet seen is a reply sent now.
        var vip = System.Net.IPAddress.Parse(Vip);
        Assert.True(GratuitousArp.Send(ns, "v0", vip, reply: true).Ok);
        Assert.Equal(2, capture.Next(vip)[7]);

        // The real executor is as new: its first grant still sweeps the leftover address, and a
        // promote after that runs the hook and adds the address as ever.
        RoleChangeResult standby = await executor.ApplyAsync(Grant(NodeRole.Standby, 1), CancellationToken.None);
        Assert.True(standby.Ok, standby.Detail);
        Assert.DoesNotContain(Vip, NetnsLab.Addresses(ns, "v0"), StringComparison.Ordinal);
        RoleChangeResult active = await executor.ApplyAsync(Grant(NodeRole.Active, 2), CancellationToken.None);
        Assert.True(active.Ok, active.Detail);
        Assert.Equal(new[] { "stop-service", "start-service" }, _dir.Runs()); // the first grant's demote steps, then the promote
        Assert.Contains($"inet {Vip}/32 ", NetnsLab.Addresses(ns, "v0"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Warm_up_without_root_runs_no_hook_and_starts_only_setsid_version()
    {
        // An interface that does not exist: a request that reached the kernel would fail, the dry copy never asks.
        var options = new FailoverOptions { Vip = new VirtualIpOptions { Address = Vip, PrefixLength = 32, Interface = "wdfo-none0", ArpCount = 1 } };
        options.Hooks.Promote.Add(_dir.Recording("start-service"));
        options.Hooks.Demote.Add(_dir.Recording("stop-service"));
        var runner = new RecordingRunner();
        using var executor = new RoleExecutor(options, runner, TimeProvider.System);

        string detail = await executor.WarmUpAsync(CancellationToken.None);

        Assert.Empty(_dir.Runs());
        Assert.Equal(new[] { "setsid --version" }, runner.Commands);
        Assert.Contains("promote and demote steps run dry", detail, StringComparison.Ordinal);
        Assert.Equal(NodeRole.None, executor.CurrentRole);
        Assert.Equal(0, executor.CurrentEpoch);
    }

    private static Grant Grant(NodeRole role, long epoch) =>
        new() { Group = "web", Node = "a", Role = role, Epoch = epoch, Reason = "test", Timestamp = 1 };
}
