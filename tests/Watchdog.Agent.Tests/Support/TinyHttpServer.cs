using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Watchdog.Agent.Tests.Support;

/// <summary>A minimal HTTP/1.1 server on a loopback socket: answers every request with Status after DelayMs.</summary>
public sealed class TinyHttpServer : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();

    public TinyHttpServer()
    {
        _listener.Start();
        _ = Task.Run(AcceptLoopAsync);
    }

    public int Status { get; set; } = 200;

    public int DelayMs { get; set; }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public string Url => "http://127.0.0.1:" + Port + "/health";

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception)
            {
                return;
            }

            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                NetworkStream s = client.GetStream();
                var buffer = new byte[4096];
                var request = new StringBuilder();
                while (!request.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
                {
                    int n = await s.ReadAsync(buffer, _stop.Token);
                    if (n == 0)
                    {
                        return;
                    }

                    request.Append(Encoding.ASCII.GetString(buffer, 0, n));
                }

                await Task.Delay(DelayMs, _stop.Token);
                byte[] response = Encoding.ASCII.GetBytes("HTTP/1.1 " + Status + " X\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok");
                await s.WriteAsync(response, _stop.Token);
            }
            catch (Exception)
            {
                // client went away or the server is stopping
            }
        }
    }
}
