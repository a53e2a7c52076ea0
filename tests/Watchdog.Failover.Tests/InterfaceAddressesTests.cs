using System.Diagnostics;
using System.Net;
using Watchdog.Failover.Kernel;

namespace Watchdog.Failover.Tests;

/// <summary>The rtnetlink address dump the bench reads instead of running ip, checked against ip itself.</summary>
public sealed class InterfaceAddressesTests
{
    [Fact]
    public void It_lists_what_ip_lists_for_an_interface()
    {
        var read = new List<IPAddress>();
        Assert.Null(InterfaceAddresses.TryRead("lo", read));

        Assert.Contains(IPAddress.Loopback, read);
        Assert.Equal(IpListing("lo").Order().ToList(), read.Select(a => a.ToString()).Order().ToList());
    }

    [Fact]
    public void An_unknown_interface_is_named_and_nothing_is_listed()
    {
        var read = new List<IPAddress> { IPAddress.Loopback };

        string? problem = InterfaceAddresses.TryRead("nosuch0", read);

        Assert.NotNull(problem);
        Assert.Contains("'nosuch0'", problem, StringComparison.Ordinal);
        Assert.Empty(read);
    }

    [Fact]
    public void The_dump_request_is_the_one_iproute2_sends()
    {
        // `strace -e sendmsg ip -4 addr show` sends {nlmsg_len=24, nlmsg_type=RTM_GETADDR,
        // nlmsg_flags=NLM_F_REQUEST|NLM_F_DUMP, ...}, {ifa_family=AF_INET, ...}.
        byte[] expected = [24, 0, 0, 0, 22, 0, 0x01, 0x03, 9, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0];

        Assert.Equal(expected, InterfaceAddresses.DumpRequest(9));
    }

    [Fact]
    public void Only_this_dumps_addresses_of_the_asked_interface_are_taken_until_done()
    {
        byte[] buffer =
        [
            .. NewAddr(sequence: 5, index: 3, local: [10, 0, 0, 1]),
            .. NewAddr(sequence: 5, index: 4, local: [10, 0, 0, 2]), // another interface
            .. NewAddr(sequence: 6, index: 3, local: [10, 0, 0, 3]), // another request's answer
            .. Header(length: 20, type: 3, sequence: 5), 0, 0, 0, 0, // NLMSG_DONE
        ];
        var found = new List<IPAddress>();

        bool done = InterfaceAddresses.Parse(buffer, 5, 3, found, out int errno);

        Assert.True(done);
        Assert.Equal(0, errno);
        Assert.Equal([IPAddress.Parse("10.0.0.1")], found);
    }

    [Fact]
    public void A_buffer_without_the_end_asks_for_more_and_an_error_ends_the_dump_with_its_errno()
    {
        var found = new List<IPAddress>();
        Assert.False(InterfaceAddresses.Parse(NewAddr(1, 2, [192, 0, 2, 7]), 1, 2, found, out _));
        Assert.Equal([IPAddress.Parse("192.0.2.7")], found);

        byte[] error = [.. Header(length: 20, type: 2, sequence: 1), .. BitConverter.GetBytes(-13)];
        Assert.True(InterfaceAddresses.Parse(error, 1, 2, found, out int errno));
        Assert.Equal(13, errno);
    }

    private static byte[] Header(int length, ushort type, uint sequence) =>
        [.. BitConverter.GetBytes((uint)length), .. BitConverter.GetBytes(type), 0, 0, .. BitConverter.GetBytes(sequence), 0, 0, 0, 0];

    // RTM_NEWADDR: header, ifaddrmsg (AF_INET /24 on the index), IFA_ADDRESS and IFA_LOCAL.
    private static byte[] NewAddr(uint sequence, int index, byte[] local) =>
    [
        .. Header(16 + 8 + 8 + 8, 20, sequence),
        2, 24, 0, 0, .. BitConverter.GetBytes(index),
        8, 0, 1, 0, .. local,
        8, 0, 2, 0, .. local,
    ];

    private static List<string> IpListing(string interfaceName)
    {
        var start = new ProcessStartInfo("ip", ["-o", "-4", "addr", "show", "dev", interfaceName]) { RedirectStandardOutput = true };
        using var ip = Process.Start(start)!;
        string output = ip.StandardOutput.ReadToEnd();
        ip.WaitForExit();
        // "1: lo    inet 127.0.0.1/8 scope host lo\ ..." : the word after "inet", without its prefix.
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Select(words => words[Array.IndexOf(words, "inet") + 1].Split('/')[0])
            .ToList();
    }
}
