using System.Net;
using System.Net.Sockets;

namespace Watchdog.Testing;

/// <summary>Loopback TCP ports nobody listens on.</summary>
public static class FreePort
{
    /// <summary>
    /// A port the kernel just handed out and took back: free now, so a server can bind it, or a
    /// client finds nobody home there (another process may take it later, which tests accept).
    /// </summary>
    public static int Find()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
