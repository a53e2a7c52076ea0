using System.Buffers.Binary;
using System.Net;
using System.Runtime.InteropServices;

namespace Watchdog.Failover.Kernel;

/// <summary>
/// Sends one gratuitous ARP for the virtual IP from the agent itself, through a packet socket:
/// the same packet iputils `arping -U -c 1 -I IF VIP` (or `-A`) sends, without starting a
/// process. Starting arping (through setsid, as every command the agent runs) cost 12-48 ms of
/// every takeover on the bench machine, during which clients still sent to the old holder's MAC;
/// keepalived sends its announcements in-process for the same reason.
/// Linux only; needs CAP_NET_RAW (root has it). With a namespace name the packet is sent from a
/// short-lived thread that first enters it (Libc.InNamespace).
/// </summary>
internal static partial class GratuitousArp
{

    private const int AfPacket = 17;
    private const int SockDgram = 2;
    private const int SockCloexec = 0x80000;
    private const ushort EthPArp = 0x0806;
    private const ushort EthPIp = 0x0800;
    private const ushort ArphrdEther = 1;
    private const ushort ArpopRequest = 1;
    private const ushort ArpopReply = 2;
    private const nuint SiocGIfHwAddr = 0x8927;
    private const int MacLength = 6;

    /// <summary>The length of an Ethernet/IPv4 ARP packet (without the Ethernet header, which the kernel adds).</summary>
    public const int PacketLength = 28;

    /// <summary>
    /// Broadcasts one gratuitous ARP for <paramref name="address"/> on <paramref name="interfaceName"/>:
    /// an ARP request with sender = target = the address (<paramref name="reply"/> false, as
    /// arping -U), or an ARP reply (true, as arping -A).
    /// </summary>
    public static KernelOutcome Send(string netns, string interfaceName, IPAddress address, bool reply) =>
        Libc.InNamespace(netns, () => SendHere(interfaceName, address, reply));

    /// <summary>
    /// The ARP packet as iputils arping builds it (checked against arping's own packet by a test):
    /// Ethernet hardware, IPv4 protocol, sender = this MAC and the address, target address the
    /// same; the target MAC is the broadcast address for a request and this MAC for a reply.
    /// </summary>
    internal static byte[] Packet(bool reply, ReadOnlySpan<byte> mac, IPAddress address)
    {
        byte[] ip = address.GetAddressBytes();
        if (ip.Length != 4)
        {
            throw new ArgumentException($"{address} is not an IPv4 address", nameof(address));
        }

        if (mac.Length != MacLength)
        {
            throw new ArgumentException($"a MAC address has {MacLength} bytes, got {mac.Length}", nameof(mac));
        }

        var p = new byte[PacketLength];
        Span<byte> s = p;
        BinaryPrimitives.WriteUInt16BigEndian(s, ArphrdEther);
        BinaryPrimitives.WriteUInt16BigEndian(s[2..], EthPIp);
        s[4] = MacLength;
        s[5] = 4;
        BinaryPrimitives.WriteUInt16BigEndian(s[6..], reply ? ArpopReply : ArpopRequest);
        mac.CopyTo(s[8..]);
        ip.CopyTo(s[14..]);
        if (reply)
        {
            mac.CopyTo(s[18..]);
        }
        else
        {
            s.Slice(18, MacLength).Fill(0xff);
        }

        ip.CopyTo(s[24..]);
        return p;
    }

    private static unsafe KernelOutcome SendHere(string interfaceName, IPAddress address, bool reply)
    {
        int index = (int)Libc.IfNameToIndex(interfaceName);
        if (index == 0)
        {
            return new KernelOutcome(Libc.ENODEV, $"Cannot find device \"{interfaceName}\"");
        }

        // A datagram packet socket: the kernel adds the Ethernet header (this MAC to the address
        // given below). Protocol 0: it sends only and receives nothing.
        int fd = Libc.Socket(AfPacket, SockDgram | SockCloexec, 0);
        if (fd < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            return new KernelOutcome(errno, $"socket(AF_PACKET) failed: {Describe(errno)}");
        }

        try
        {
            // struct ifreq: the name (16 bytes), then the hardware address as a sockaddr (family = ARPHRD_*, then the bytes).
            byte* ifreq = stackalloc byte[40];
            var request = new Span<byte>(ifreq, 40);
            request.Clear();
            System.Text.Encoding.ASCII.GetBytes(interfaceName, request[..15]);
            if (Libc.Ioctl(fd, SiocGIfHwAddr, ifreq) < 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                return new KernelOutcome(errno, $"ioctl(SIOCGIFHWADDR, {interfaceName}) failed: {Describe(errno)}");
            }

            ushort hardware = BinaryPrimitives.ReadUInt16LittleEndian(request[16..]);
            if (hardware != ArphrdEther)
            {
                return new KernelOutcome(Libc.ENODEV, $"{interfaceName} is not an Ethernet interface (hardware type {hardware}): no ARP on it");
            }

            byte[] packet = Packet(reply, request.Slice(18, MacLength), address);

            // struct sockaddr_ll: family, protocol (network order), interface index, hardware type, packet type, address length, address (broadcast).
            byte* to = stackalloc byte[20];
            var destination = new Span<byte>(to, 20);
            destination.Clear();
            BinaryPrimitives.WriteUInt16LittleEndian(destination, AfPacket);
            BinaryPrimitives.WriteUInt16BigEndian(destination[2..], EthPArp);
            BinaryPrimitives.WriteInt32LittleEndian(destination[4..], index);
            BinaryPrimitives.WriteUInt16LittleEndian(destination[8..], ArphrdEther);
            destination[11] = MacLength;
            destination.Slice(12, MacLength).Fill(0xff);
            fixed (byte* p = packet)
            {
                if (Libc.SendTo(fd, p, (nuint)packet.Length, 0, to, 20) < 0)
                {
                    int errno = Marshal.GetLastPInvokeError();
                    return new KernelOutcome(errno, $"sendto(AF_PACKET, {interfaceName}) failed: {Describe(errno)}");
                }
            }

            return new KernelOutcome(0, "");
        }
        finally
        {
            _ = Libc.Close(fd);
        }
    }

    private static string Describe(int errno) => errno switch
    {
        Libc.EPERM => "Operation not permitted (EPERM: needs CAP_NET_RAW)",
        Libc.ENODEV => "No such device (ENODEV)",
        Libc.ENETDOWN => "Network is down (ENETDOWN: the interface is not up)",
        _ => $"errno {errno}",
    };
}
