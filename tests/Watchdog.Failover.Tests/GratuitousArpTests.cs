using System.Net;
using Watchdog.Failover.Kernel;
using Watchdog.Failover.Tests.Support;

namespace Watchdog.Failover.Tests;

/// <summary>The gratuitous ARP the agent sends from a packet socket instead of running arping, held to arping's own packet.</summary>
public sealed class GratuitousArpTests : IDisposable
{
    private static readonly IPAddress Vip = IPAddress.Parse("10.231.0.100");
    private static readonly byte[] Mac = [0x02, 0x11, 0x22, 0x33, 0x44, 0x55];
    private readonly NetnsLab _lab = new();

    public void Dispose() => _lab.Dispose();

    [Fact]
    public void A_request_carries_the_address_as_sender_and_target_and_asks_everyone()
    {
        byte[] expected =
        [
            0, 1, 8, 0, 6, 4, 0, 1, // Ethernet, IPv4, 6 + 4 bytes, ARP request
            0x02, 0x11, 0x22, 0x33, 0x44, 0x55, 10, 231, 0, 100, // sender: this MAC, the VIP
            0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 10, 231, 0, 100, // target: broadcast, the VIP
        ];
        Assert.Equal(expected, GratuitousArp.Packet(reply: false, Mac, Vip));
    }

    [Fact]
    public void A_reply_names_this_mac_as_target_too()
    {
        byte[] p = GratuitousArp.Packet(reply: true, Mac, Vip);

        Assert.Equal(2, p[7]);
        Assert.Equal(Mac, p[18..24]);
        Assert.Equal(new byte[] { 10, 231, 0, 100 }, p[24..28]);
    }

    [Fact]
    public void Bad_input_is_refused_by_name()
    {
        Assert.Contains("is not an IPv4 address", Assert.Throws<ArgumentException>(() => GratuitousArp.Packet(false, Mac, IPAddress.IPv6Loopback)).Message, StringComparison.Ordinal);
        Assert.Contains("a MAC address has 6 bytes, got 3", Assert.Throws<ArgumentException>(() => GratuitousArp.Packet(false, Mac.AsSpan(0, 3), Vip)).Message, StringComparison.Ordinal);
    }

    [RootTheory("it creates network namespaces and interfaces", "ip", "arping")]
    [InlineData(false, "-U")]
    [InlineData(true, "-A")]
    public void The_packet_a_neighbour_receives_is_the_one_arping_sends(bool reply, string arpingFlag)
    {
        string a = _lab.Add("a"), c = _lab.Add("c");
        _lab.Switch((a, "10.231.0.1/24"), (c, "10.231.0.3/24"));
        Sh.Must($"ip -n {a} address add {Vip}/32 dev eth0");
        using var capture = new ArpCapture(c);

        Sh.Must($"ip netns exec {a} arping {arpingFlag} -c 1 -I eth0 {Vip}");
        byte[] fromArping = capture.Next(Vip);
        KernelOutcome sent = GratuitousArp.Send(a, "eth0", Vip, reply);
        Assert.True(sent.Ok, sent.Detail);
        byte[] ours = capture.Next(Vip);

        Assert.Equal(fromArping, ours);
        Assert.Equal(NetnsLab.Mac(a, "eth0"), string.Join(':', ours[8..14].Select(b => b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture))));
    }

    [RootFact("it creates network namespaces and interfaces", "ip")]
    public void A_missing_interface_or_namespace_is_named()
    {
        string ns = _lab.Single("10.231.0.1/24");

        KernelOutcome noDevice = GratuitousArp.Send(ns, "nosuchdev", Vip, reply: false);
        KernelOutcome noNamespace = GratuitousArp.Send("wdfo-nosuchns", "v0", Vip, reply: false);
        KernelOutcome loopback = GratuitousArp.Send(ns, "lo", Vip, reply: false);

        Assert.Equal((Libc.ENODEV, "Cannot find device \"nosuchdev\""), (noDevice.Errno, noDevice.Detail));
        Assert.Equal(Libc.ENODEV, noNamespace.Errno);
        Assert.Contains("'wdfo-nosuchns' does not exist", noNamespace.Detail, StringComparison.Ordinal);
        Assert.Contains("lo is not an Ethernet interface", loopback.Detail, StringComparison.Ordinal);
    }
}
