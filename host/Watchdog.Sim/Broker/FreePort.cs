using System.Net;
using System.Net.Sockets;

namespace Watchdog.Sim.Broker;

/// <summary>A TCP port nobody listens on right now: for a broker to bind, or a dead broker to try.</summary>
public static class FreePort
{
    /// <summary>Asks the kernel for a free port on <paramref name="address"/> (loopback when null).</summary>
    public static int Tcp(IPAddress? address = null)
    {
        using var listener = new TcpListener(address ?? IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
