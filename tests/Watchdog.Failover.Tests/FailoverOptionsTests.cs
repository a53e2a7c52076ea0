using Watchdog.Failover.Tests.Support;

namespace Watchdog.Failover.Tests;

public sealed class FailoverOptionsTests : IDisposable
{
    private readonly ScriptDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Defaults_are_valid_and_turn_everything_off()
    {
        var options = new FailoverOptions();
        Assert.Empty(options.Validate());
        Assert.False(options.Vip.Enabled);
        Assert.Empty(options.Hooks.Promote);
        Assert.Equal(30_000, new HookOptions().TimeoutMs);
        Assert.Equal(2000, options.Hooks.KillGraceMs);
        Assert.Equal(8192, options.Hooks.OutputLimitBytes);
        Assert.Equal(32, options.Vip.PrefixLength);
        Assert.Equal(3, options.Vip.ArpCount);
        Assert.Equal("unsolicited", options.Vip.ArpMode);
        Assert.Equal("packet", options.Vip.ArpMethod);
    }

    [Fact]
    public void A_complete_valid_configuration_has_no_problems()
    {
        var options = new FailoverOptions
        {
            Vip = new VirtualIpOptions { Address = "192.0.2.10", PrefixLength = 24, Interface = "bond0", ArpMode = "answer" },
        };
        options.Hooks.Promote.Add(new HookOptions { Path = _dir.Script("up.sh", "exit 0"), Args = new List<string> { "--epoch-from-env" }, TimeoutMs = 100 });
        options.Hooks.Demote.Add(new HookOptions { Path = _dir.Script("down.sh", "exit 0"), TimeoutMs = 600_000 });
        Assert.Empty(options.Validate());
    }

    [Theory]
    [InlineData("10.0.0.300")]
    [InlineData("10.1")]
    [InlineData("1.2.3.4.5")]
    [InlineData("010.0.0.1")]
    [InlineData("0x0a.0.0.1")]
    [InlineData("10.0.0.1/24")]
    [InlineData("fe80::1")]
    [InlineData(" 10.0.0.1")]
    public void Addresses_that_are_not_a_plain_dotted_quad_are_refused(string address)
    {
        var options = new FailoverOptions { Vip = new VirtualIpOptions { Address = address, Interface = "eth0" } };
        Assert.Equal(new[] { $"Failover:Vip:Address = '{address}': is not an IPv4 address (four numbers 0..255 separated by dots)" }, options.Validate());
    }

    [Fact]
    public void Every_bad_value_is_reported_with_its_key_at_once()
    {
        string notExecutable = Path.Combine(_dir.Path, "plain.txt");
        File.WriteAllText(notExecutable, "echo");
        var options = new FailoverOptions
        {
            Hooks = new HookSetOptions { KillGraceMs = -1, OutputLimitBytes = 10 },
            Vip = new VirtualIpOptions { Address = "192.0.2.10", PrefixLength = 33, Interface = "eth0:1", ArpCount = 21, ArpIntervalMs = 5, ArpMode = "loud", ArpMethod = "raw", CommandTimeoutMs = 99, Netns = "bad/ns" },
        };
        options.Hooks.Promote.Add(new HookOptions { Path = "" });
        options.Hooks.Promote.Add(new HookOptions { Path = "/nonexistent/up.sh", TimeoutMs = 600_001 });
        options.Hooks.Demote.Add(new HookOptions { Path = notExecutable });

        IReadOnlyList<string> problems = options.Validate();

        Assert.Equal(
            new[]
            {
                "Failover:Hooks:Promote:0:Path = '': a hook needs the absolute path of an executable",
                "Failover:Hooks:Promote:1:Path = '/nonexistent/up.sh': file does not exist",
                "Failover:Hooks:Promote:1:TimeoutMs = 600001: must be 100..600000 ms",
                $"Failover:Hooks:Demote:0:Path = '{notExecutable}': file is not executable (chmod +x, and give a script its #! line)",
                "Failover:Hooks:KillGraceMs = -1: must be 0..60000 ms",
                "Failover:Hooks:OutputLimitBytes = 10: must be 256..1048576 bytes",
                "Failover:Vip:PrefixLength = 33: must be 1..32 bits",
                "Failover:Vip:Interface = 'eth0:1': is not a Linux interface name (1..15 characters, no '/', ':', or white space)",
                "Failover:Vip:ArpCount = 21: must be 0..20 packets",
                "Failover:Vip:ArpIntervalMs = 5: must be 10..10000 ms",
                "Failover:Vip:ArpMode = 'loud': must be unsolicited (arping -U) or answer (arping -A)",
                "Failover:Vip:ArpMethod = 'raw': must be packet (the agent sends the ARP itself) or arping (runs ArpingCommand)",
                "Failover:Vip:CommandTimeoutMs = 99: must be 100..60000 ms",
                "Failover:Vip:Netns = 'bad/ns': is not a network namespace name (letters, digits, '-', '_', '.')",
            },
            problems);
    }

    [Fact]
    public void An_address_without_an_interface_is_refused_and_the_root_key_can_be_chosen()
    {
        var options = new FailoverOptions { Vip = new VirtualIpOptions { Address = "192.0.2.10" } };
        Assert.Equal(
            new[] { "Agent:Failover:Vip:Interface = '': the interface that carries the virtual IP is required when Address is set" },
            options.Validate("Agent:Failover"));
    }

    [Fact]
    public void An_empty_arping_command_matters_only_when_arping_sends_the_announcements()
    {
        var packet = new FailoverOptions { Vip = new VirtualIpOptions { Address = "192.0.2.10", Interface = "eth0", ArpingCommand = "" } };
        var arping = new FailoverOptions { Vip = new VirtualIpOptions { Address = "192.0.2.10", Interface = "eth0", ArpingCommand = "", ArpMethod = "arping" } };

        Assert.Empty(packet.Validate());
        Assert.Equal(
            new[] { "Failover:Vip:ArpingCommand = '': must name the arping command (iputils-arping), or set ArpCount to 0, or ArpMethod to packet" },
            arping.Validate());
    }
}
