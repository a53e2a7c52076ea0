using System.Text;
using MQTTnet;
using Watchdog.Cli.Tests.Broker;

namespace Watchdog.Lab.Tests.Failover;

/// <summary>
/// The rack behind the broker configuration `watchdogctl broker config` writes
/// (RackClusterOptions.SecureBroker): the board, both agents and the observer log in as their
/// users, the rack settles and fails over as it does with an anonymous broker, the broker refuses
/// anonymous clients, and it drops a grant forged by the operator's user (allowed to send
/// commands, not to grant roles).
/// </summary>
[Collection("rack")]
public sealed class SecureBrokerRackTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [RackFact]
    public async Task The_rack_fails_over_behind_users_and_ACL_and_the_broker_drops_a_forged_grant()
    {
        await using var cluster = await RackClusterFixture.StartSettledAsync(output, secureBroker: true);
        var users = cluster.BrokerUsers!;
        var t = cluster.Observer.Topics;
        string mark = Guid.NewGuid().ToString("N")[..8];

        await using (var anonymous = await BrokerClient.ConnectAsync(cluster.BrokerHost, cluster.BrokerPort, null, null))
        {
            Assert.Contains(anonymous.Result, new[] { MqttClientConnectResultCode.NotAuthorized, MqttClientConnectResultCode.BadUserNameOrPassword });
        }

        // A watcher of everything, and an attacker who holds the operator's password: the user
        // that may send commands (the observer sends the rack's as it), not grant roles.
        await using var watcher = await LoginAsync(cluster, users.Operator);
        await watcher.SubscribeAsync("#");
        await using var attacker = await LoginAsync(cluster, users.Operator);

        var epoch = cluster.Observer.LatestRoles(cluster.Options.Group)!.Epoch;
        string forged = Encoding.UTF8.GetString(MessageCodec.Encode(new Grant
        {
            Group = cluster.Options.Group,
            Node = "web2",
            Role = NodeRole.Active,
            Epoch = epoch + 1000,
            Reason = "forged-" + mark,
            Timestamp = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
        }));
        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, await attacker.PublishAsync(t.NodeGrant("web2"), forged, retain: true));

        // Then an allowed publish on the same connection (a command topic no board serves): the
        // broker delivers one publisher's messages in order, so once it has arrived the forged
        // grant would have arrived before it.
        string control = "control-" + mark;
        Assert.Equal(MqttClientPublishReasonCode.Success, await attacker.PublishAsync(t.Command("nobody-" + mark), control));
        await watcher.WaitForAsync(t.Command("nobody-" + mark), control, Timeout);
        Assert.DoesNotContain(watcher.Seen, m => m.Payload.Contains("forged-" + mark, StringComparison.Ordinal));
        Assert.Equal(["web1"], cluster.Observer.LatestRoles(cluster.Options.Group)!.Active);

        // The logins cost the failover nothing it must have.
        var result = await FailoverRun.RunAsync(cluster, FaultCatalogue.AgentCrash, output.WriteLine, CancellationToken.None);
        output.WriteLine(result.ToJson().ToJsonString());
        RackClusterFixture.AssertCleanTakeoverByWeb2(result);
    }

    private static async Task<BrokerClient> LoginAsync(RackCluster cluster, BrokerLogin login)
    {
        var client = await BrokerClient.ConnectAsync(cluster.BrokerHost, cluster.BrokerPort, login.User, login.Password());
        Assert.True(client.Result == MqttClientConnectResultCode.Success, $"{login.User}: {client.Result}");
        return client;
    }
}
