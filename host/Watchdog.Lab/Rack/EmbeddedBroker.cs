using System.Net;
using System.Net.Sockets;
using MQTTnet.Server;

namespace Watchdog.Lab.Rack;

/// <summary>
/// The demo's broker: MQTTnet's embedded server, so `watchdogctl demo` needs nothing installed.
/// Tests and the bench use a real mosquitto (Watchdog.Sim.Broker.MosquittoProcess) instead.
/// Retained messages live in memory only, which is all a demo needs.
/// </summary>
public sealed class EmbeddedBroker : IAsyncDisposable
{
    private readonly MqttServer _server;

    private EmbeddedBroker(MqttServer server, IPAddress address, int port)
    {
        _server = server;
        Address = address;
        Port = port;
    }

    public IPAddress Address { get; }

    public int Port { get; }

    public bool IsRunning => _server.IsStarted;

    public static async Task<EmbeddedBroker> StartAsync(IPAddress address, int port = 0)
    {
        if (port == 0)
        {
            port = FreePort(address);
        }

        var factory = new MqttServerFactory();
        var options = factory.CreateServerOptionsBuilder()
            .WithDefaultEndpoint()
            .WithDefaultEndpointBoundIPAddress(address)
            .WithDefaultEndpointPort(port)
            .Build();
        var server = factory.CreateMqttServer(options);
        await server.StartAsync().ConfigureAwait(false);
        return new EmbeddedBroker(server, address, port);
    }

    /// <summary>The broker-loss fault: stop serving (clients see their connection drop).</summary>
    public Task StopAsync() => _server.StopAsync();

    public Task RestartAsync() => _server.StartAsync();

    public async ValueTask DisposeAsync()
    {
        if (_server.IsStarted)
        {
            await _server.StopAsync().ConfigureAwait(false);
        }

        _server.Dispose();
    }

    private static int FreePort(IPAddress address)
    {
        using var listener = new TcpListener(address, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
