using Watchdog.Sim.Broker;

namespace Watchdog.Sim.Tests.Broker;

public sealed class MosquittoProcessTests
{
    [Fact]
    public async Task Started_broker_carries_a_message_round_trip()
    {
        using MosquittoProcess broker = MosquittoProcess.Start();

        Assert.True(broker.IsRunning);
        Assert.InRange(broker.Port, 1, 65535);
        Assert.Equal("hello", await MqttProbe.RoundTripAsync(broker.Host, broker.Port, "hello"));
    }

    [Fact]
    public async Task Killed_broker_refuses_connections_and_comes_back_on_the_same_port()
    {
        using MosquittoProcess broker = MosquittoProcess.Start();
        int port = broker.Port;

        broker.Kill();
        Assert.False(broker.IsRunning);
        await Assert.ThrowsAnyAsync<Exception>(() => MqttProbe.RoundTripAsync(broker.Host, port, "nobody home"));

        broker.Start();
        Assert.Equal(port, broker.Port);
        Assert.Equal("back", await MqttProbe.RoundTripAsync(broker.Host, port, "back"));
    }

    [Fact]
    public async Task Graceful_stop_disconnects_clients_and_restart_serves_again()
    {
        using MosquittoProcess broker = MosquittoProcess.Start();
        await using MqttProbe client = await MqttProbe.ConnectAsClientAsync(broker.Host, broker.Port, "stop-test");
        Assert.True(client.IsConnected);

        broker.Stop();
        Assert.False(broker.IsRunning);
        Assert.Contains("terminating", File.ReadAllText(broker.LogPath), StringComparison.Ordinal);
        // Polled until the bound: a client's IsConnected raises no event a test could wait on.
        Assert.True(await Poll.UntilAsync(() => !client.IsConnected, TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(20)), "condition not met within 5 s");

        broker.Restart();
        Assert.True(broker.IsRunning);
        Assert.Equal("again", await MqttProbe.RoundTripAsync(broker.Host, broker.Port, "again"));
    }

    [Fact]
    public async Task Password_file_refuses_anonymous_clients()
    {
        string dir = Directory.CreateTempSubdirectory("watchdog-pw-").FullName;
        try
        {
            string passwords = Path.Combine(dir, "passwd");
            // mosquitto_passwd -b creates the hashed entry; the broker then refuses anonymous CONNECTs.
            using (var tool = System.Diagnostics.Process.Start("mosquitto_passwd", ["-c", "-b", passwords, "board", "s3cret"]))
            {
                tool.WaitForExit();
                Assert.Equal(0, tool.ExitCode);
            }

            using MosquittoProcess broker = MosquittoProcess.Start(passwordFile: passwords);
            InvalidOperationException refused = await Assert.ThrowsAsync<InvalidOperationException>(
                () => MqttProbe.ConnectAsClientAsync(broker.Host, broker.Port, "anonymous"));
            Assert.Contains("NotAuthorized", refused.Message, StringComparison.Ordinal);

            await using MqttProbe board = await MqttProbe.ConnectAsClientAsync(
                broker.Host, broker.Port, "board", new MQTTnet.MqttClientOptionsBuilder().WithCredentials("board", "s3cret"));
            Assert.True(board.IsConnected);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void A_broker_that_cannot_start_reports_why_with_the_log_tail()
    {
        var options = new MosquittoOptions { ExtraConfigLines = ["no_such_option_for_mosquitto 1"] };

        InvalidOperationException error = Assert.Throws<InvalidOperationException>(() => MosquittoProcess.Start(options));

        Assert.Contains("exited at start", error.Message, StringComparison.Ordinal);
        Assert.Contains("no_such_option_for_mosquitto", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_password_file_is_named()
    {
        FileNotFoundException error = Assert.Throws<FileNotFoundException>(() => MosquittoProcess.Start(passwordFile: "/nonexistent/passwd"));
        Assert.Contains("/nonexistent/passwd", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_config_file_brings_its_own_listener_and_a_port_it_does_not_listen_on_is_refused()
    {
        string dir = Directory.CreateTempSubdirectory("watchdog-conf-").FullName;
        try
        {
            int port;
            using (var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0))
            {
                probe.Start();
                port = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
            }

            string conf = Path.Combine(dir, "mosquitto.conf");
            File.WriteAllText(conf, $"per_listener_settings false\nallow_anonymous true\nlistener {port} 127.0.0.1\n");

            Assert.Throws<ArgumentException>(() => MosquittoProcess.Start(new MosquittoOptions { Port = port + 1, ConfigFile = conf }));
            Assert.Throws<ArgumentException>(() => MosquittoProcess.Start(new MosquittoOptions { Port = port, ConfigFile = conf, AclFile = conf }));

            using MosquittoProcess broker = MosquittoProcess.Start(new MosquittoOptions { Port = port, ConfigFile = conf });
            Assert.Contains("include_dir ", File.ReadAllText(broker.ConfigPath), StringComparison.Ordinal);
            Assert.DoesNotContain("listener", File.ReadAllText(broker.ConfigPath), StringComparison.Ordinal);
            Assert.Equal("included", await MqttProbe.RoundTripAsync(broker.Host, port, "included"));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Dispose_kills_the_broker_and_deletes_its_directory()
    {
        MosquittoProcess broker = MosquittoProcess.Start();
        int pid = broker.ProcessId!.Value;
        string dir = broker.Directory;

        broker.Dispose();

        Assert.False(Directory.Exists(dir));
        Assert.False(Directory.Exists("/proc/" + pid), $"mosquitto pid {pid} still exists after Dispose");
    }
}
