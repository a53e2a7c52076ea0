using Prometheus;

namespace Watchdog.Metrics;

/// <summary>
/// The HTTP endpoint that serves one registry at /metrics. prometheus-net's HttpListener server:
/// no ASP.NET Core in the board or the agent for one read-only page. Every scrape runs the
/// registry's before-collect callbacks, which read the program's state objects there and then.
/// </summary>
public sealed class MetricsEndpoint : IDisposable
{
    private readonly MetricServer _server;

    private MetricsEndpoint(MetricServer server, ListenAddress address)
    {
        _server = server;
        Address = address;
    }

    public ListenAddress Address { get; }

    /// <summary>Starts serving; false with a sentence when the address cannot be bound (in use, not ours, no permission).</summary>
    public static bool TryStart(ListenAddress address, CollectorRegistry registry, out MetricsEndpoint? endpoint, out string error)
    {
        endpoint = null;
        error = "";
        // HttpListener's prefix syntax: "+" binds every address, an IPv6 literal goes in brackets.
        string host = address.Host == "*" ? "+" : address.Host.Contains(':', StringComparison.Ordinal) ? "[" + address.Host + "]" : address.Host;
        var server = new MetricServer(host, address.Port, "metrics/", registry);
        try
        {
            server.Start();
        }
        catch (Exception e) when (e is System.Net.HttpListenerException or InvalidOperationException or System.Net.Sockets.SocketException)
        {
            server.Dispose();
            error = $"metrics endpoint {address}: cannot listen: {e.Message}";
            return false;
        }

        endpoint = new MetricsEndpoint(server, address);
        return true;
    }

    public void Dispose() => _server.Dispose();
}
