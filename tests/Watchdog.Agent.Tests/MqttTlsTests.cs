using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Watchdog.Mqtt;

namespace Watchdog.Agent.Tests;

/// <summary>
/// TLS to the broker: a real mosquitto with a TLS listener and a certificate from a CA the test
/// makes with openssl. With the CA file the agent connects; without it the certificate does not
/// validate and the agent says so instead of connecting.
/// </summary>
public sealed class MqttTlsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("watchdog-agent-tls-").FullName;
    private Process? _broker;

    public void Dispose()
    {
        if (_broker is { HasExited: false })
        {
            _broker.Kill();
            _broker.WaitForExit();
        }

        _broker?.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task Connects_with_the_ca_file_and_refuses_an_unverifiable_certificate()
    {
        string ca = Path.Combine(_dir, "ca.pem");
        Run("openssl", "req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=watchdog-test-ca -keyout " + _dir + "/ca.key -out " + ca);
        Run("openssl", "req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -keyout " + _dir + "/server.key -out " + _dir + "/server.csr");
        File.WriteAllText(Path.Combine(_dir, "ext.cnf"), "subjectAltName=IP:127.0.0.1\n");
        Run("openssl", "x509 -req -days 2 -in " + _dir + "/server.csr -CA " + ca + " -CAkey " + _dir + "/ca.key -CAcreateserial -extfile " + _dir + "/ext.cnf -out " + _dir + "/server.pem");
        // mosquitto may drop to its own user: everything here must be readable by it.
        File.SetUnixFileMode(_dir, (UnixFileMode)0b111_101_101);
        foreach (string f in Directory.GetFiles(_dir))
        {
            File.SetUnixFileMode(f, (UnixFileMode)0b110_100_100);
        }

        int port = FreePort.Find();
        string conf = Path.Combine(_dir, "mosquitto.conf");
        File.WriteAllText(conf, "listener " + port + " 127.0.0.1\nallow_anonymous true\ncafile " + ca + "\ncertfile " + _dir + "/server.pem\nkeyfile " + _dir + "/server.key\n");
        _broker = Process.Start(new ProcessStartInfo("/usr/sbin/mosquitto", "-c " + conf) { RedirectStandardError = true, RedirectStandardOutput = true })!;
        await WaitForPortAsync(port);

        var trusted = new MqttOptions { Brokers = { new BrokerOptions { Host = "127.0.0.1", Port = port, Tls = true, CaFile = ca } } };
        string trustedResult = await TryOnceAsync(trusted);
        Assert.Equal("connected", trustedResult);

        var untrusted = new MqttOptions { Brokers = { new BrokerOptions { Host = "127.0.0.1", Port = port, Tls = true } } };
        string untrustedResult = await TryOnceAsync(untrusted);
        Assert.StartsWith("no broker reachable: 127.0.0.1:" + port + ": ", untrustedResult, StringComparison.Ordinal);
    }

    private static async Task<string> TryOnceAsync(MqttOptions o)
    {
        o.ReconnectMinMs = 100;
        o.ReconnectMaxMs = 200;
        o.ConnectTimeoutMs = 5000;
        using var link = new MqttLink(o.ToLinkOptions("agent-tls-" + Guid.NewGuid().ToString("N")[..8], "watchdog/v1/t/node/n1/status", "lost"u8.ToArray(), Array.Empty<string>(), TimeProvider.System), NullLogger.Instance);
        var result = new TaskCompletionSource<string>();
        link.Connected += () => { result.TrySetResult("connected"); return Task.CompletedTask; };
        link.ConnectionProblem += p => result.TrySetResult(p);
        using var stop = new CancellationTokenSource();
        Task run = link.RunAsync(stop.Token);
        string r = await result.Task.WaitAsync(TimeSpan.FromSeconds(20));
        stop.Cancel();
        await run;
        return r;
    }

    private static void Run(string file, string args)
    {
        using Process p = Process.Start(new ProcessStartInfo(file, args) { RedirectStandardError = true, RedirectStandardOutput = true })!;
        p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, file + " " + args + " failed");
    }

    private static async Task WaitForPortAsync(int port)
    {
        for (int i = 0; i < 100; i++)
        {
            try
            {
                using var c = new TcpClient();
                await c.ConnectAsync(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(50);
            }
        }

        throw new TimeoutException("mosquitto TLS listener did not come up on port " + port);
    }
}
