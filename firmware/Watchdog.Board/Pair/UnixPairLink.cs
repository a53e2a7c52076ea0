using System.Net.Sockets;
using Watchdog.Firmware.Glue;

namespace Watchdog.Board.Pair;

/// <summary>
/// The data link between the two boards of a pair on one machine (the virtual rack): a Unix
/// datagram socket bound at our path, sending to the peer's path, one frame per datagram. It
/// stands in for the UART pair of real boards: point to point, no network, and a missing or
/// renamed peer socket is a cut cable (sends fail, frames are lost, nothing blocks).
/// </summary>
public sealed class UnixPairLink : IPairLink, IDisposable
{
    private readonly Socket _socket = new(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
    private readonly UnixDomainSocketEndPoint _peer;
    private readonly byte[] _buffer = new byte[4096];

    public UnixPairLink(string ownPath, string peerPath)
    {
        File.Delete(ownPath);
        _socket.Bind(new UnixDomainSocketEndPoint(ownPath));
        _socket.Blocking = false;
        _peer = new UnixDomainSocketEndPoint(peerPath);
        OwnPath = ownPath;
    }

    public string OwnPath { get; }

    /// <summary>Frames that could not be sent (the peer's socket is gone: its board is down or the link is cut).</summary>
    public long SendFailures { get; private set; }

    public void Send(byte[] frame)
    {
        try
        {
            _socket.SendTo(frame, _peer);
        }
        catch (SocketException)
        {
            SendFailures++;
        }
    }

    public byte[]? Receive()
    {
        if (_socket.Available == 0)
        {
            return null;
        }

        try
        {
            int n = _socket.Receive(_buffer);
            return _buffer.AsSpan(0, n).ToArray();
        }
        catch (SocketException)
        {
            return null;
        }
    }

    public void Dispose()
    {
        _socket.Dispose();
        try
        {
            File.Delete(OwnPath);
        }
        catch (IOException)
        {
        }
    }
}
