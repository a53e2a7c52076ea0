using System.Net.Sockets;
using System.Text;

namespace Watchdog.Board.Hosting;

/// <summary>
/// sd_notify without libsystemd: a datagram to $NOTIFY_SOCKET. READY=1 once the tick loop runs,
/// WATCHDOG=1 from the tick loop itself (so a stalled loop gets the service restarted by systemd's
/// WatchdogSec), STOPPING=1 on the way out. Does nothing when not started by systemd.
/// </summary>
public sealed class SystemdNotifier : IDisposable
{
    private readonly Socket? _socket;
    private readonly UnixDomainSocketEndPoint? _endpoint;

    public SystemdNotifier()
    {
        string? path = Environment.GetEnvironmentVariable("NOTIFY_SOCKET");
        if (string.IsNullOrEmpty(path))
        {
            return;
        }

        // '@' marks an abstract socket: its name starts with a NUL byte.
        _endpoint = new UnixDomainSocketEndPoint(path[0] == '@' ? "\0" + path[1..] : path);
        _socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        WatchdogInterval = ReadWatchdogInterval();
    }

    public bool Enabled => _socket is not null;

    /// <summary>Half of WATCHDOG_USEC (systemd's advice), or null when no watchdog is configured.</summary>
    public TimeSpan? WatchdogInterval { get; }

    public void Ready() => Send("READY=1");

    public void Watchdog() => Send("WATCHDOG=1");

    public void Stopping() => Send("STOPPING=1");

    public void Status(string text) => Send("STATUS=" + text);

    public void Dispose() => _socket?.Dispose();

    private void Send(string message)
    {
        if (_socket is null || _endpoint is null)
        {
            return;
        }

        try
        {
            _socket.SendTo(Encoding.UTF8.GetBytes(message), _endpoint);
        }
        catch (SocketException)
        {
            // systemd went away (shutdown); nothing to tell.
        }
    }

    private static TimeSpan? ReadWatchdogInterval()
    {
        string? usec = Environment.GetEnvironmentVariable("WATCHDOG_USEC");
        return long.TryParse(usec, out long us) && us > 0 ? TimeSpan.FromMicroseconds(us / 2.0) : null;
    }
}
