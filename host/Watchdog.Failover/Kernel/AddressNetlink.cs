using System.Buffers.Binary;
using System.Net;
using System.Runtime.InteropServices;

namespace Watchdog.Failover.Kernel;

/// <summary>
/// Adds and removes an IPv4 address with one rtnetlink request (RTM_NEWADDR / RTM_DELADDR), the
/// same request `ip address add|del A/P dev IF` sends, but without starting a process: on the
/// promote path that saves the fork and exec of ip (about 5 ms per takeover on the bench
/// machine), which is what keepalived saves by doing it in-process too.
/// Linux only. With a namespace name the request runs on a short-lived thread of its own that
/// first enters /var/run/netns/NAME with setns(2), so no shared thread changes namespace.
/// </summary>
internal static partial class AddressNetlink
{

    private const int AfNetlink = 16;
    private const int AfInet = 2;
    private const int SockRaw = 3;
    private const int SockCloexec = 0x80000;
    private const int NetlinkRoute = 0;
    private const int MsgDontwait = 0x40;

    private const ushort RtmNewAddr = 20;
    private const ushort RtmDelAddr = 21;
    private const ushort NlmsgError = 2;
    private const ushort NlmFRequest = 0x1;
    private const ushort NlmFAck = 0x4;
    private const ushort NlmFExcl = 0x200;
    private const ushort NlmFCreate = 0x400;
    private const ushort IfaAddress = 1;
    private const ushort IfaLocal = 2;

    /// <summary>RTM_NEWADDR with create and exclusive flags: EEXIST when the address is there already.</summary>
    public static KernelOutcome Add(string netns, string interfaceName, IPAddress address, int prefixLength) =>
        Libc.InNamespace(netns, () => Change(true, interfaceName, address, prefixLength));

    /// <summary>RTM_DELADDR: EADDRNOTAVAIL when the address is not on the interface.</summary>
    public static KernelOutcome Remove(string netns, string interfaceName, IPAddress address, int prefixLength) =>
        Libc.InNamespace(netns, () => Change(false, interfaceName, address, prefixLength));

    /// <summary>The request as bytes: nlmsghdr, ifaddrmsg, IFA_LOCAL and IFA_ADDRESS (what ip sends for IPv4). Visible for tests.</summary>
    internal static byte[] Request(bool add, int interfaceIndex, IPAddress address, int prefixLength, uint sequence)
    {
        byte[] ip = address.GetAddressBytes();
        if (ip.Length != 4)
        {
            throw new ArgumentException($"{address} is not an IPv4 address", nameof(address));
        }

        var m = new byte[16 + 8 + 8 + 8];
        Span<byte> s = m;
        BinaryPrimitives.WriteUInt32LittleEndian(s, (uint)m.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(s[4..], add ? RtmNewAddr : RtmDelAddr);
        BinaryPrimitives.WriteUInt16LittleEndian(s[6..], (ushort)(NlmFRequest | NlmFAck | (add ? NlmFCreate | NlmFExcl : 0)));
        BinaryPrimitives.WriteUInt32LittleEndian(s[8..], sequence);
        // ifaddrmsg: family, prefix length, flags 0, scope universe (0), interface index.
        s[16] = AfInet;
        s[17] = (byte)prefixLength;
        BinaryPrimitives.WriteInt32LittleEndian(s[20..], interfaceIndex);
        WriteAttribute(s[24..], IfaLocal, ip);
        WriteAttribute(s[32..], IfaAddress, ip);
        return m;
    }

    /// <summary>The errno in the kernel's NLMSG_ERROR answer (0 = acknowledged), or null when the answer is not one. Visible for tests.</summary>
    internal static int? AnswerErrno(ReadOnlySpan<byte> answer, uint sequence)
    {
        if (answer.Length < 20 || BinaryPrimitives.ReadUInt16LittleEndian(answer[4..]) != NlmsgError ||
            BinaryPrimitives.ReadUInt32LittleEndian(answer[8..]) != sequence)
        {
            return null;
        }

        return -BinaryPrimitives.ReadInt32LittleEndian(answer[16..]);
    }

    private static void WriteAttribute(Span<byte> at, ushort type, byte[] value)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(at, (ushort)(4 + value.Length));
        BinaryPrimitives.WriteUInt16LittleEndian(at[2..], type);
        value.CopyTo(at[4..]);
    }

    private static unsafe KernelOutcome Change(bool add, string interfaceName, IPAddress address, int prefixLength)
    {
        int index = (int)Libc.IfNameToIndex(interfaceName);
        if (index == 0)
        {
            return new KernelOutcome(Libc.ENODEV, $"Cannot find device \"{interfaceName}\"");
        }

        int fd = Libc.Socket(AfNetlink, SockRaw | SockCloexec, NetlinkRoute);
        if (fd < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            return new KernelOutcome(errno, $"socket(AF_NETLINK, NETLINK_ROUTE) failed: errno {errno}");
        }

        try
        {
            uint sequence = (uint)Environment.TickCount;
            byte[] message = Request(add, index, address, prefixLength, sequence);
            // sockaddr_nl { family, pad, pid 0 (the kernel), groups 0 }.
            byte* kernel = stackalloc byte[12];
            new Span<byte>(kernel, 12).Clear();
            kernel[0] = AfNetlink;
            fixed (byte* m = message)
            {
                if (Libc.SendTo(fd, m, (nuint)message.Length, 0, kernel, 12) < 0)
                {
                    int errno = Marshal.GetLastPInvokeError();
                    return new KernelOutcome(errno, $"sendto(netlink) failed: errno {errno}");
                }
            }

            // rtnetlink handles the request inside sendto, so its answer is queued already.
            byte* answer = stackalloc byte[1024];
            nint got = Libc.Recv(fd, answer, 1024, MsgDontwait);
            if (got < 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                return new KernelOutcome(errno, $"recv(netlink) failed: errno {errno}");
            }

            int? code = AnswerErrno(new ReadOnlySpan<byte>(answer, (int)got), sequence);
            return code switch
            {
                null => new KernelOutcome(-1, "the kernel's answer was not an acknowledgement of this request"),
                0 => new KernelOutcome(0, ""),
                _ => new KernelOutcome(code.Value, Describe(code.Value)),
            };
        }
        finally
        {
            _ = Libc.Close(fd);
        }
    }

    private static string Describe(int errno) => errno switch
    {
        Libc.EEXIST => "File exists (EEXIST)",
        Libc.EADDRNOTAVAIL => "Cannot assign requested address (EADDRNOTAVAIL)",
        Libc.ENODEV => "No such device (ENODEV)",
        Libc.EPERM => "Operation not permitted (EPERM: needs CAP_NET_ADMIN)",
        _ => $"errno {errno}",
    };
}
