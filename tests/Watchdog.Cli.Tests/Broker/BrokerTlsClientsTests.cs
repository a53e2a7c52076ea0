using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Watchdog.Agent.Configuration;
using Watchdog.Cli.Mqtt;
using Watchdog.Mqtt;
using Watchdog.Sim.Broker;

namespace Watchdog.Cli.Tests.Broker;

/// <summary>
/// The project's own clients against a broker that has only the generated TLS listener: the board's
/// and the agent's MQTT links and watchdogctl's connection log in with their credential files and
/// the generated CA, each with the client id it uses in production, and their messages go through.
/// </summary>
public sealed class BrokerTlsClientsTests : ScratchDirectoryTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Board_agent_and_watchdogctl_log_in_over_tls_with_their_own_files()
    {
        BrokerPlan plan = BrokerTestSupport.Plan("prod", [("rack1", "db", ["db1", "db2"])], "alice");
        TopicTree t = plan.Topics;
        int port = BrokerTestSupport.FreePort();
        BrokerConfigWriter.Write(new BrokerConfigRequest
        {
            Plan = plan,
            OutDirectory = Dir,
            Tls = [new ListenAddress("127.0.0.1", port)],
            TlsFrom = new TlsSource.Generate(["127.0.0.1"]),
        });
        string ca = Path.Combine(Dir, BrokerConfigWriter.CaCertFile);
        string Credential(string user) => Path.Combine(Dir, BrokerConfigWriter.CredentialsDirectory, user + ".password");
        using MosquittoProcess broker = MosquittoProcess.Start(new MosquittoOptions { Port = port, ConfigFile = Path.Combine(Dir, BrokerConfigWriter.ConfFile) });
        using var stop = new CancellationTokenSource();

        // watchdogctl, as `watchdogctl status --ca-file ca.pem --username operator-alice`.
        await using ClusterConnection operatorConnection = await ClusterConnection.ConnectAsync(
            [new BrokerEndpoint("127.0.0.1", port)], "prod", "operator-alice", BrokerTestSupport.Password(Dir, "operator-alice"), ca, stop.Token);
        await operatorConnection.SubscribeAsync(t.Everything(), stop.Token);

        // The board, as watchdog-board --username board-rack1 --password-file ... --ca-file ca.pem.
        var boardUp = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var boardLog = new List<string>();
        await using var board = new MqttLink(
            new MqttLinkOptions
            {
                Brokers = [new MqttBroker("127.0.0.1", port, Tls: true, CaFile: ca)],
                ClientId = $"watchdog-board-rack1-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..6]}",
                Username = "board-rack1",
                Password = File.ReadAllText(Credential("board-rack1")).TrimEnd('\r', '\n'),
                WillTopic = t.BoardStatus("rack1"),
                WillPayload = Encoding.UTF8.GetBytes("lost"),
                Subscriptions = [t.Command("rack1"), t.NodeState("db1")],
            },
            new LineLogger("mqtt: ", line => { lock (boardLog) { boardLog.Add(line); } }));
        board.Connected += () => { boardUp.TrySetResult(); return Task.CompletedTask; };
        Task boardRun = board.RunAsync(stop.Token);

        // The agent, with "Mqtt": { "Username": "agent-db1", "PasswordFile": ..., Brokers with Tls and CaFile }.
        var agentUp = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var agentOptions = new MqttOptions
        {
            Brokers = { new BrokerOptions { Host = "127.0.0.1", Port = port, Tls = true, CaFile = ca } },
            Username = "agent-db1",
            PasswordFile = Credential("agent-db1"),
        };
        using var agent = new MqttLink(agentOptions.ToLinkOptions("watchdog-agent-db1", t.NodeStatus("db1"), "lost"u8.ToArray(), [t.NodeGrant("db1")], TimeProvider.System), NullLogger.Instance);
        agent.Connected += () => { agentUp.TrySetResult(); return Task.CompletedTask; };
        agent.ConnectionProblem += problem => agentUp.TrySetException(new InvalidOperationException("agent: " + problem + "\n" + broker.LogTail()));
        Task agentRun = agent.RunAsync(stop.Token);

        await boardUp.Task.WaitAsync(Timeout);
        await agentUp.Task.WaitAsync(Timeout);

        board.Publish(t.NodeGrant("db1"), Encoding.UTF8.GetBytes("grant-over-tls"), retain: false);
        Assert.True(await agent.PublishAsync(t.NodeState("db1"), Encoding.UTF8.GetBytes("state-over-tls"), retain: false, stop.Token));
        await operatorConnection.PublishAsync(t.Command("rack1"), Encoding.UTF8.GetBytes("command-over-tls"), retain: false, stop.Token);

        var expected = new HashSet<(string, string)>
        {
            (t.NodeGrant("db1"), "grant-over-tls"),
            (t.NodeState("db1"), "state-over-tls"),
            (t.Command("rack1"), "command-over-tls"),
        };
        var deadline = DateTime.UtcNow + Timeout;
        while (expected.Count > 0 && operatorConnection.Received.TryTake(out ReceivedMessage? message, deadline - DateTime.UtcNow))
        {
            expected.Remove((message.Topic, Encoding.UTF8.GetString(message.Payload)));
        }

        Assert.True(expected.Count == 0, "not received by watchdogctl: " + string.Join(", ", expected) + "\n" + broker.LogTail());

        // The watchdogctl program itself: --ca-file and --username, the password from the environment.
        var password = new Dictionary<string, string> { ["WATCHDOG_MQTT_PASSWORD"] = BrokerTestSupport.Password(Dir, "operator-alice") };
        var (exit, _, stderr) = await CliProcess.RunAsync(Timeout, password, "status", "--json", "-b", $"127.0.0.1:{port}", "-c", "prod", "--username", "operator-alice", "--ca-file", ca);
        Assert.True(exit == 0, stderr);
        (exit, _, stderr) = await CliProcess.RunAsync(Timeout, password, "status", "--json", "-b", $"127.0.0.1:{port}", "-c", "prod", "--username", "operator-alice");
        Assert.Equal(2, exit);
        Assert.Contains("no broker answered", stderr, StringComparison.Ordinal);

        await stop.CancelAsync();
        await Task.WhenAll(boardRun, agentRun);
    }
}
