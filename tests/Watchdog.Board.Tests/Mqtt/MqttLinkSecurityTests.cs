using System.Diagnostics;
using Watchdog.Mqtt;
using Watchdog.Sim.Broker;

namespace Watchdog.Board.Tests.Mqtt;

/// <summary>Credentials and TLS against a real mosquitto: a refused CONNACK is noticed (MQTTnet does not throw), a foreign CA is refused.</summary>
public sealed class MqttLinkSecurityTests
{
    [Fact]
    public async Task Wrong_password_is_refused_by_the_connack_and_the_right_one_connects()
    {
        using var dir = new TempDirectory();
        string passwords = dir.File("passwords");
        RunMosquittoPasswd(passwords, "board", "s3cret");
        using var broker = MosquittoProcess.Start(passwordFile: passwords);
        var log = new List<string>();

        await using (MqttLink wrong = TestLink.Create([new MqttBroker(broker.Host, broker.Port)], log, "board", "nope"))
        {
            using var stop = new CancellationTokenSource();
            Task run = wrong.RunAsync(stop.Token);
            await WaitUntil(() => { lock (log) { return log.Any(l => l.Contains("refused: ", StringComparison.Ordinal)); } });
            Assert.Equal(0, wrong.Connections);
            Assert.False(wrong.IsConnected);
            stop.Cancel();
            await run;
        }

        lock (log)
        {
            Assert.Contains(log, l => l.Contains("refused: BadUserNameOrPassword", StringComparison.Ordinal) || l.Contains("refused: NotAuthorized", StringComparison.Ordinal));
        }

        await using MqttLink right = TestLink.Create([new MqttBroker(broker.Host, broker.Port)], log, "board", "s3cret");
        using var stop2 = new CancellationTokenSource();
        Task run2 = right.RunAsync(stop2.Token);
        await WaitUntil(() => right.Connections == 1);
        stop2.Cancel();
        await run2;
    }

    [Fact]
    public async Task Tls_connects_with_the_cluster_ca_and_refuses_a_broker_signed_by_another()
    {
        using var dir = new TempDirectory();
        var (ca, serverPem, serverKey) = TestCertificates.Create(dir, "cluster");
        var (otherCa, _, _) = TestCertificates.Create(dir, "other");
        using var broker = MosquittoProcess.Start(new MosquittoOptions
        {
            ExtraConfigLines = ["cafile " + ca, "certfile " + serverPem, "keyfile " + serverKey],
        });
        var log = new List<string>();

        await using (MqttLink good = TestLink.Create([new MqttBroker("127.0.0.1", broker.Port, Tls: true, CaFile: ca)], log))
        {
            using var stop = new CancellationTokenSource();
            Task run = good.RunAsync(stop.Token);
            await WaitUntil(() => good.Connections == 1);
            stop.Cancel();
            await run;
        }

        await using MqttLink foreign = TestLink.Create([new MqttBroker("127.0.0.1", broker.Port, Tls: true, CaFile: otherCa)], log);
        using var stop2 = new CancellationTokenSource();
        Task run2 = foreign.RunAsync(stop2.Token);
        await WaitUntil(() => { lock (log) { return log.Count(l => l.Contains("cannot connect", StringComparison.Ordinal)) >= 2; } });
        Assert.Equal(0, foreign.Connections);
        stop2.Cancel();
        await run2;
    }

    private static void RunMosquittoPasswd(string file, string user, string password)
    {
        using Process p = Process.Start(new ProcessStartInfo("mosquitto_passwd", ["-b", "-c", file, user, password]) { UseShellExecute = false })!;
        p.WaitForExit();
        Assert.Equal(0, p.ExitCode);
    }

    // Polled until a generous bound: the link's counters and log raise no event a test could wait on.
    private static async Task WaitUntil(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("condition not met in 15 s");
            }

            await Task.Delay(25);
        }
    }
}
