using MQTTnet;
using Watchdog.Sim.Broker;

namespace Watchdog.Cli.Tests.Broker;

/// <summary>
/// A real mosquitto running the generated mosquitto.conf, password_file and acl_file (cluster
/// prod: board rack1 with db1 and db2 in group db, board rack2 with web1, operator alice).
/// </summary>
public sealed class GeneratedBroker : IDisposable
{
    public GeneratedBroker()
    {
        Plan = BrokerTestSupport.Plan("prod", [("rack1", "db", ["db1", "db2"]), ("rack2", "web", ["web1"])], "alice");
        for (int attempt = 1; ; attempt++)
        {
            Directory = BrokerTestSupport.NewDirectory();
            int port = BrokerTestSupport.FreePort();
            BrokerConfigWriter.Write(new BrokerConfigRequest { Plan = Plan, OutDirectory = Directory, Plain = [new ListenAddress("127.0.0.1", port)] });
            try
            {
                Broker = MosquittoProcess.Start(new MosquittoOptions { Port = port, ConfigFile = Path.Combine(Directory, BrokerConfigWriter.ConfFile) });
                return;
            }
            catch (InvalidOperationException e) when (attempt < 3 && e.Message.Contains("in use", StringComparison.OrdinalIgnoreCase))
            {
                // Another test took the port between our probe and mosquitto's bind.
                System.IO.Directory.Delete(Directory, recursive: true);
            }
        }
    }

    public BrokerPlan Plan { get; }

    public TopicTree Topics => Plan.Topics;

    public string Directory { get; private set; } = "";

    public MosquittoProcess Broker { get; private set; } = null!;

    /// <summary>Logs in with the user's own credential file; asserts the broker accepted it.</summary>
    public async Task<BrokerClient> LoginAsync(string user)
    {
        BrokerClient client = await BrokerClient.ConnectAsync(Broker.Port, user, BrokerTestSupport.Password(Directory, user));
        Assert.True(client.Result == MqttClientConnectResultCode.Success, $"{user}: {client.Result}\n{Broker.LogTail()}");
        return client;
    }

    /// <summary>Logs in and subscribes to everything (the ACL lets it read the cluster's topics).</summary>
    public async Task<BrokerClient> WatchAsync(string user)
    {
        BrokerClient client = await LoginAsync(user);
        await client.SubscribeAsync("#");
        return client;
    }

    public void Dispose()
    {
        Broker.Dispose();
        System.IO.Directory.Delete(Directory, recursive: true);
    }
}

/// <summary>
/// What each user may publish, against the real broker. A forged publish gets MQTT 5's
/// NotAuthorized in its PUBACK; beyond that, a watcher subscribed to # proves it was never
/// delivered: the same connection publishes an allowed control message right after it, and the
/// broker delivers one publisher's messages in order, so once the control has arrived the forged
/// one would have arrived before it. No test waits for something not to happen.
/// </summary>
public sealed class BrokerAclAgainstMosquittoTests(GeneratedBroker fixture) : IClassFixture<GeneratedBroker>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly TopicTree _t = fixture.Topics;
    private readonly string _mark = Guid.NewGuid().ToString("N")[..8];

    private string Forged => "forged-" + _mark;

    private string Control => "control-" + _mark;

    [Fact]
    public async Task Anonymous_clients_and_wrong_passwords_are_refused()
    {
        await using BrokerClient anonymous = await BrokerClient.ConnectAsync(fixture.Broker.Port, null, null);
        Assert.Contains(anonymous.Result, new[] { MqttClientConnectResultCode.NotAuthorized, MqttClientConnectResultCode.BadUserNameOrPassword });

        await using BrokerClient wrong = await BrokerClient.ConnectAsync(fixture.Broker.Port, "agent-db1", "not-the-password");
        Assert.Contains(wrong.Result, new[] { MqttClientConnectResultCode.NotAuthorized, MqttClientConnectResultCode.BadUserNameOrPassword });

        // Each user has its own password: db1's does not open db2's account.
        await using BrokerClient borrowed = await BrokerClient.ConnectAsync(fixture.Broker.Port, "agent-db2", BrokerTestSupport.Password(fixture.Directory, "agent-db1"));
        Assert.Contains(borrowed.Result, new[] { MqttClientConnectResultCode.NotAuthorized, MqttClientConnectResultCode.BadUserNameOrPassword });

        await using BrokerClient right = await fixture.LoginAsync("agent-db1");
    }

    [Fact]
    public async Task A_node_cannot_publish_a_grant_for_another_node_or_for_itself()
    {
        await using BrokerClient board = await fixture.WatchAsync("board-rack1");
        await using BrokerClient op = await fixture.WatchAsync("operator-alice");
        await using BrokerClient node = await fixture.LoginAsync("agent-db1");

        await AssertOnlyTheControlGetsThroughAsync(node, control: _t.NodeState("db1"), watchers: [board, op],
            new Forgery(_t.NodeGrant("db2"), Retained: true),
            new Forgery(_t.NodeGrant("db1"), Retained: true),
            new Forgery(_t.NodeState("db2")));
    }

    [Fact]
    public async Task A_board_cannot_publish_a_command_nor_grant_another_boards_node()
    {
        await using BrokerClient op = await fixture.WatchAsync("operator-alice");
        await using BrokerClient board = await fixture.LoginAsync("board-rack1");

        await AssertOnlyTheControlGetsThroughAsync(board, control: _t.BoardState("rack1"), watchers: [op],
            new Forgery(_t.Command("db1")),
            new Forgery(_t.Command("rack1")),
            new Forgery(_t.NodeGrant("web1"), Retained: true),
            new Forgery(_t.BoardState("rack2")),
            new Forgery(_t.NodeState("db1")),
            // Home Assistant's discovery is the operators' to write (`watchdogctl homeassistant`).
            new Forgery("homeassistant/binary_sensor/watchdog_prod_node_db1/problem/config", Retained: true));
    }

    [Fact]
    public async Task An_operator_cannot_publish_a_grant_a_node_state_or_a_command_ack()
    {
        await using BrokerClient board = await fixture.WatchAsync("board-rack1");
        await using BrokerClient op = await fixture.LoginAsync("operator-alice");

        await AssertOnlyTheControlGetsThroughAsync(op, control: _t.Command("db1"), watchers: [board],
            new Forgery(_t.NodeGrant("db1"), Retained: true),
            new Forgery(_t.NodeState("db1")),
            new Forgery(_t.CommandAck("db1")),
            new Forgery(_t.GroupRoles("db")));
    }

    [Fact]
    public async Task A_board_publishes_grants_and_roles_an_agent_its_state_and_an_operator_commands()
    {
        await using BrokerClient op = await fixture.WatchAsync("operator-alice");
        await using BrokerClient node = await fixture.WatchAsync("agent-db1");
        await using BrokerClient board = await fixture.WatchAsync("board-rack1");

        Assert.Equal(MqttClientPublishReasonCode.Success, await board.PublishAsync(_t.NodeGrant("db1"), "grant-" + _mark));
        Assert.Equal(MqttClientPublishReasonCode.Success, await board.PublishAsync(_t.GroupRoles("db"), "roles-" + _mark));
        Assert.Equal(MqttClientPublishReasonCode.Success, await board.PublishAsync(_t.CommandAck("db"), "ack-" + _mark));
        Assert.Equal(MqttClientPublishReasonCode.Success, await node.PublishAsync(_t.NodeGrantAck("db1"), "grant-ack-" + _mark));
        Assert.Equal(MqttClientPublishReasonCode.Success, await node.PublishAsync(_t.CommandAck("db1"), "ack-" + _mark));
        Assert.Equal(MqttClientPublishReasonCode.Success, await op.PublishAsync(_t.Command("db"), "command-" + _mark));

        await node.WaitForAsync(_t.NodeGrant("db1"), "grant-" + _mark, Timeout);
        await op.WaitForAsync(_t.GroupRoles("db"), "roles-" + _mark, Timeout);
        await op.WaitForAsync(_t.CommandAck("db"), "ack-" + _mark, Timeout);
        await board.WaitForAsync(_t.NodeGrantAck("db1"), "grant-ack-" + _mark, Timeout);
        await op.WaitForAsync(_t.CommandAck("db1"), "ack-" + _mark, Timeout);
        await board.WaitForAsync(_t.Command("db"), "command-" + _mark, Timeout);
    }

    [Fact]
    public async Task Nobody_reads_or_writes_outside_the_cluster()
    {
        await using BrokerClient op = await fixture.WatchAsync("operator-alice");
        await using BrokerClient board = await fixture.LoginAsync("board-rack1");
        var other = new TopicTree("lab");

        await AssertOnlyTheControlGetsThroughAsync(board, control: _t.Event("rack1"), watchers: [op],
            new Forgery(other.BoardState("rack1")),
            new Forgery("elsewhere/rack1"));
    }

    /// <summary>A publish the ACL must refuse; grants go retained, as the board sends them.</summary>
    private sealed record Forgery(string Topic, bool Retained = false);

    /// <summary>
    /// Publishes each forgery, every one refused, then the control from the same connection, accepted;
    /// once each watcher has the control, it must have seen none of the forgeries.
    /// </summary>
    private async Task AssertOnlyTheControlGetsThroughAsync(BrokerClient publisher, string control, BrokerClient[] watchers, params Forgery[] forgeries)
    {
        foreach (Forgery forgery in forgeries)
        {
            MqttClientPublishReasonCode answer = await publisher.PublishAsync(forgery.Topic, Forged, forgery.Retained);
            Assert.True(answer == MqttClientPublishReasonCode.NotAuthorized, $"{forgery.Topic}: {answer}");
        }

        Assert.Equal(MqttClientPublishReasonCode.Success, await publisher.PublishAsync(control, Control));

        foreach (BrokerClient watcher in watchers)
        {
            await watcher.WaitForAsync(control, Control, Timeout);
            Assert.DoesNotContain(watcher.Seen, m => m.Payload == Forged);
        }
    }
}
