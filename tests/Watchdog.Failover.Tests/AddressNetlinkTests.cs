using System.Net;
using Watchdog.Failover.Kernel;

namespace Watchdog.Failover.Tests;

/// <summary>The rtnetlink request the agent sends instead of running ip, byte for byte.</summary>
public sealed class AddressNetlinkTests
{
    [Fact]
    public void The_add_request_is_the_one_iproute2_sends()
    {
        // `strace -e sendmsg ip -4 address add 10.231.0.100/32 dev v0` (iproute2 on Debian) shows:
        // {nlmsg_len=40, nlmsg_type=RTM_NEWADDR, nlmsg_flags=NLM_F_REQUEST|NLM_F_ACK|NLM_F_EXCL|NLM_F_CREATE, nlmsg_seq=S, nlmsg_pid=0},
        // {ifa_family=AF_INET, ifa_prefixlen=32, ifa_flags=0, ifa_scope=RT_SCOPE_UNIVERSE, ifa_index=I},
        // [{nla_len=8, nla_type=IFA_LOCAL}, 10.231.0.100], [{nla_len=8, nla_type=IFA_ADDRESS}, 10.231.0.100]
        byte[] m = AddressNetlink.Request(add: true, interfaceIndex: 7, IPAddress.Parse("10.231.0.100"), 32, sequence: 0x01020304);

        byte[] expected =
        [
            40, 0, 0, 0, 20, 0, 0x05, 0x06, 0x04, 0x03, 0x02, 0x01, 0, 0, 0, 0, // nlmsghdr: len, RTM_NEWADDR, flags 0x605, seq, pid
            2, 32, 0, 0, 7, 0, 0, 0, // ifaddrmsg: AF_INET, /32, flags, scope, index 7
            8, 0, 2, 0, 10, 231, 0, 100, // IFA_LOCAL
            8, 0, 1, 0, 10, 231, 0, 100, // IFA_ADDRESS
        ];
        Assert.Equal(expected, m);
    }

    [Fact]
    public void The_delete_request_has_no_create_flags_and_carries_the_prefix()
    {
        byte[] m = AddressNetlink.Request(add: false, interfaceIndex: 3, IPAddress.Parse("192.0.2.10"), 24, sequence: 9);

        Assert.Equal(21, m[4]); // RTM_DELADDR
        Assert.Equal(0x05, m[6]); // NLM_F_REQUEST | NLM_F_ACK
        Assert.Equal(0, m[7]);
        Assert.Equal(24, m[17]);
        Assert.Equal(new byte[] { 192, 0, 2, 10 }, m[28..32]);
    }

    [Fact]
    public void An_ipv6_address_is_refused_before_anything_is_sent()
    {
        var ex = Assert.Throws<ArgumentException>(() => AddressNetlink.Request(true, 1, IPAddress.IPv6Loopback, 128, 1));
        Assert.Contains("not an IPv4 address", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_answer_is_read_as_an_errno_only_when_it_acknowledges_this_request()
    {
        byte[] answer = new byte[36];
        answer[0] = 36;
        answer[4] = 2; // NLMSG_ERROR
        answer[8] = 9; // seq 9
        BitConverter.GetBytes(-17).CopyTo(answer, 16); // -EEXIST

        Assert.Equal(Libc.EEXIST, AddressNetlink.AnswerErrno(answer, 9));
        Assert.Null(AddressNetlink.AnswerErrno(answer, 10)); // another request's answer
        BitConverter.GetBytes(0).CopyTo(answer, 16);
        Assert.Equal(0, AddressNetlink.AnswerErrno(answer, 9));
        answer[4] = 3; // NLMSG_DONE is not an acknowledgement
        Assert.Null(AddressNetlink.AnswerErrno(answer, 9));
        Assert.Null(AddressNetlink.AnswerErrno(answer.AsSpan(0, 12), 9));
    }
}
