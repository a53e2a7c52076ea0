using System.Net;
using System.Net.Sockets;
using Watchdog.Failover.Kernel;

namespace Watchdog.Failover.Tests.Support;

/// <summary>
/// Every ARP packet seen in one network namespace, from a packet socket opened inside it (the
/// ARP part only: the kernel strips the Ethernet header). Opened before the packets it must see.
/// </summary>
internal sealed class ArpCapture : IDisposable
{
    private const int EthPArp = 0x0806;
    private readonly Socket _socket;

    public ArpCapture(string ns)
    {
        // Sockets belong to the namespace they are created in: create it on a thread inside.
        _socket = ThreadNetworkNamespace.RunInside(
            ns,
            () => new Socket(AddressFamily.Packet, SocketType.Dgram, (ProtocolType)IPAddress.HostToNetworkOrder((short)EthPArp)),
            (_, problem) => throw new InvalidOperationException(problem));
        _socket.ReceiveTimeout = 5000;
    }

    /// <summary>The next ARP packet whose sender protocol address is <paramref name="sender"/>; throws after 5 s without one.</summary>
    public byte[] Next(IPAddress sender)
    {
        byte[] wanted = sender.GetAddressBytes();
        var buffer = new byte[1500];
        while (true)
        {
            int n = _socket.Receive(buffer);
            if (n >= GratuitousArp.PacketLength && buffer.AsSpan(14, 4).SequenceEqual(wanted))
            {
                return buffer[..GratuitousArp.PacketLength];
            }
        }
    }

    public void Dispose() => _socket.Dispose();
}
