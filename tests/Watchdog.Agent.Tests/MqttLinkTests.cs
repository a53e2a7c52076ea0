using System.Diagnostics;
using Watchdog.Mqtt;
using Watchdog.Sim.Broker;

namespace Watchdog.Agent.Tests;

/// <summary>The reconnect loop against real mosquitto: ordered broker list, refused credentials.</summary>
public sealed class MqttLinkTests
{
    private static MqttLink Link(MqttOptions o) =>
        new(o.ToLinkOptions("agent-link-test-" + Guid.NewGuid().ToString("N")[..8], "watchdog/v1/t/node/n1/status", "lost"u8.ToArray(), new[] { "watchdog/v1/t/node/n1/grant" }, TimeProvider.System), NullLogger.Instance);

    [Fact]
    public async Task Walks_the_broker_list_in_order_and_connects_to_the_first_that_answers()
    {
        using MosquittoProcess broker = MosquittoProcess.Start();
        var o = new MqttOptions
        {
            Brokers = { new BrokerOptions { Host = "127.0.0.1", Port = FreePort.Find() }, new BrokerOptions { Host = broker.Host, Port = broker.Port } },
            ReconnectMinMs = 100,
            ReconnectMaxMs = 200,
            ConnectTimeoutMs = 2000,
        };
        using MqttLink link = Link(o);
        var connected = new TaskCompletionSource();
        link.Connected += () => { connected.TrySetResult(); return Task.CompletedTask; };
        using var stop = new CancellationTokenSource();
        Task run = link.RunAsync(stop.Token);
        await connected.Task.WaitAsync(TimeSpan.FromSeconds(15));
        Assert.Equal(broker.Host + ":" + broker.Port, link.CurrentBroker?.ToString());
        Assert.True(await link.PublishAsync("watchdog/v1/t/x", "1"u8.ToArray(), retain: false, CancellationToken.None));
        stop.Cancel();
        await run;
    }

    [Fact]
    public async Task A_refused_connack_is_reported_with_its_reason_and_the_right_password_connects()
    {
        string dir = Directory.CreateTempSubdirectory("watchdog-agent-pw-").FullName;
        try
        {
            // mosquitto may drop to its own user: the file and its folder must be readable by it.
            File.SetUnixFileMode(dir, (UnixFileMode)0b111_101_101);
            string pw = Path.Combine(dir, "passwd");
            using (Process p = Process.Start("mosquitto_passwd", new[] { "-c", "-b", pw, "agent", "right-password" })!)
            {
                p.WaitForExit();
                Assert.Equal(0, p.ExitCode);
            }

            File.SetUnixFileMode(pw, (UnixFileMode)0b110_100_100);
            using MosquittoProcess broker = MosquittoProcess.Start(passwordFile: pw);

            var wrong = new MqttOptions { Brokers = { new BrokerOptions { Host = broker.Host, Port = broker.Port } }, Username = "agent", Password = "wrong", ReconnectMinMs = 100, ReconnectMaxMs = 200 };
            using (MqttLink link = Link(wrong))
            {
                var problem = new TaskCompletionSource<string>();
                bool connected = false;
                link.ConnectionProblem += p => problem.TrySetResult(p);
                link.Connected += () => { connected = true; return Task.CompletedTask; };
                using var stop = new CancellationTokenSource();
                Task run = link.RunAsync(stop.Token);
                string reason = await problem.Task.WaitAsync(TimeSpan.FromSeconds(15));
                stop.Cancel();
                await run;
                Assert.Contains("refused: ", reason, StringComparison.Ordinal);
                Assert.True(reason.Contains("BadUserNameOrPassword", StringComparison.Ordinal) || reason.Contains("NotAuthorized", StringComparison.Ordinal), reason);
                Assert.False(connected);
            }

            var right = new MqttOptions { Brokers = { new BrokerOptions { Host = broker.Host, Port = broker.Port } }, Username = "agent", Password = "right-password" };
            using (MqttLink link = Link(right))
            {
                var connected = new TaskCompletionSource();
                link.Connected += () => { connected.TrySetResult(); return Task.CompletedTask; };
                using var stop = new CancellationTokenSource();
                Task run = link.RunAsync(stop.Token);
                await connected.Task.WaitAsync(TimeSpan.FromSeconds(15));
                stop.Cancel();
                await run;
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
