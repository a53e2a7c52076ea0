using System.Buffers.Binary;
using System.Net;
using System.Runtime.InteropServices;

namespace Watchdog.Failover.Kernel;

/// <summary>
/// The IPv4 addresses on one interface, read with one rtnetlink dump (RTM_GETADDR), as
/// `ip -4 -o addr show dev IF` lists them but without starting a process. It answers for the
/// network namespace of the calling thread: a thread that entered a server's namespace
/// (<see cref="ThreadNetworkNamespace.TryEnter"/>) reads that server's addresses.
/// The bench samples every server's addresses a hundred times a second; a fork and exec of ip
/// each time once kept a core a quarter busy and delayed the very failovers it watched.
/// </summary>
public static class InterfaceAddresses
{
    private const int AfNetlink = 16;
    private const int AfInet = 2;
    private const int SockRaw = 3;
    private const int SockCloexec = 0x80000;
    private const int NetlinkRoute = 0;

    private const ushort NlmsgError = 2;
    private const ushort NlmsgDone = 3;
    private const ushort RtmNewAddr = 20;
    private const ushort RtmGetAddr = 22;
    private const ushort NlmFRequest = 0x1;
    private const ushort NlmFDump = 0x300;
    private const ushort IfaAddress = 1;
    private const ushort IfaLocal = 2;

    /// <summary>
    /// Fills <paramref name="addresses"/> (cleared first) with the IPv4 addresses on
    /// <paramref name="interfaceName"/> in the calling thread's namespace.
    /// </summary>
    /// <returns>Null when read; otherwise what went wrong, naming the interface or the call.</returns>
    public static string? TryRead(string interfaceName, List<IPAddress> addresses)
    {
        addresses.Clear();
        int index = (int)Libc.IfNameToIndex(interfaceName);
        if (index == 0)
        {
            return $"no interface named '{interfaceName}' in this network namespace";
        }

        int fd = Libc.Socket(AfNetlink, SockRaw | SockCloexec, NetlinkRoute);
        if (fd < 0)
        {
            return $"socket(AF_NETLINK, NETLINK_ROUTE) failed: errno {Marshal.GetLastPInvokeError()}";
        }

        try
        {
            uint sequence = (uint)Environment.TickCount;
            return Send(fd, DumpRequest(sequence)) ?? Receive(fd, sequence, index, addresses);
        }
        finally
        {
            _ = Libc.Close(fd);
        }
    }

    /// <summary>The dump request: nlmsghdr and an ifaddrmsg asking for AF_INET (what `ip -4 addr show` sends). Visible for tests.</summary>
    internal static byte[] DumpRequest(uint sequence)
    {
        var m = new byte[16 + 8];
        Span<byte> s = m;
        BinaryPrimitives.WriteUInt32LittleEndian(s, (uint)m.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(s[4..], RtmGetAddr);
        BinaryPrimitives.WriteUInt16LittleEndian(s[6..], NlmFRequest | NlmFDump);
        BinaryPrimitives.WriteUInt32LittleEndian(s[8..], sequence);
        s[16] = AfInet;
        return m;
    }

    /// <summary>
    /// Reads one buffer of the dump's answer: the IPv4 addresses of interface
    /// <paramref name="interfaceIndex"/> go to <paramref name="addresses"/>. Returns whether the
    /// dump is done (NLMSG_DONE seen), or the kernel's errno in <paramref name="errno"/>. Messages
    /// of another sequence are skipped. Visible for tests.
    /// </summary>
    internal static bool Parse(ReadOnlySpan<byte> buffer, uint sequence, int interfaceIndex, List<IPAddress> addresses, out int errno)
    {
        errno = 0;
        int at = 0;
        while (at + 16 <= buffer.Length)
        {
            int length = (int)BinaryPrimitives.ReadUInt32LittleEndian(buffer[at..]);
            if (length < 16 || at + length > buffer.Length)
            {
                errno = -1;
                return true;
            }

            ReadOnlySpan<byte> message = buffer.Slice(at, length);
            ushort type = BinaryPrimitives.ReadUInt16LittleEndian(message[4..]);
            bool ours = BinaryPrimitives.ReadUInt32LittleEndian(message[8..]) == sequence;
            if (ours && type == NlmsgDone)
            {
                return true;
            }

            if (ours && type == NlmsgError)
            {
                errno = message.Length >= 20 ? -BinaryPrimitives.ReadInt32LittleEndian(message[16..]) : -1;
                return true;
            }

            if (ours && type == RtmNewAddr && message.Length >= 24 && message[16] == AfInet &&
                BinaryPrimitives.ReadInt32LittleEndian(message[20..]) == interfaceIndex)
            {
                Collect(message[24..], addresses);
            }

            at += Align(length);
        }

        return false;
    }

    // IFA_LOCAL is the interface's own address; IFA_ADDRESS equals it except on a point-to-point
    // link, where it is the peer's: ip shows the local one, and so do we.
    private static void Collect(ReadOnlySpan<byte> attributes, List<IPAddress> addresses)
    {
        IPAddress? local = null;
        IPAddress? address = null;
        int at = 0;
        while (at + 4 <= attributes.Length)
        {
            int length = BinaryPrimitives.ReadUInt16LittleEndian(attributes[at..]);
            if (length < 4 || at + length > attributes.Length)
            {
                break;
            }

            ushort type = BinaryPrimitives.ReadUInt16LittleEndian(attributes[(at + 2)..]);
            if (length == 8 && type is IfaLocal or IfaAddress)
            {
                var value = new IPAddress(attributes.Slice(at + 4, 4));
                if (type == IfaLocal)
                {
                    local = value;
                }
                else
                {
                    address = value;
                }
            }

            at += Align(length);
        }

        if ((local ?? address) is { } found)
        {
            addresses.Add(found);
        }
    }

    private static int Align(int length) => (length + 3) & ~3;

    private static unsafe string? Send(int fd, byte[] request)
    {
        // sockaddr_nl { family, pad, pid 0 (the kernel), groups 0 }.
        byte* kernel = stackalloc byte[12];
        new Span<byte>(kernel, 12).Clear();
        kernel[0] = AfNetlink;
        fixed (byte* m = request)
        {
            return Libc.SendTo(fd, m, (nuint)request.Length, 0, kernel, 12) < 0
                ? $"sendto(netlink) failed: errno {Marshal.GetLastPInvokeError()}"
                : null;
        }
    }

    private static unsafe string? Receive(int fd, uint sequence, int interfaceIndex, List<IPAddress> addresses)
    {
        const int Size = 32 * 1024;
        byte* buffer = stackalloc byte[Size];
        while (true)
        {
            nint got = Libc.Recv(fd, buffer, Size, 0);
            if (got < 0)
            {
                return $"recv(netlink) failed: errno {Marshal.GetLastPInvokeError()}";
            }

            if (Parse(new ReadOnlySpan<byte>(buffer, (int)got), sequence, interfaceIndex, addresses, out int errno))
            {
                return errno == 0 ? null : $"the kernel refused the address dump: errno {errno}";
            }
        }
    }
}
