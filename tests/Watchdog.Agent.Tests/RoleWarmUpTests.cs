using MQTTnet;
using MQTTnet.Protocol;
using Watchdog.Protocol.Json;
using Watchdog.Protocol.Topics;
using Watchdog.Sim.Broker;

namespace Watchdog.Agent.Tests;

/// <summary>
/// The agent warms its role-change code up at start (docs/agent.md, "At start"): the real agent
/// process, a real broker, promote and demote hooks that leave a mark when they run. The warm-up
/// must run no hook and publish nothing about a role; a real grant afterwards works as ever.
/// </summary>
[Collection("timing")]
public sealed class RoleWarmUpTests
{
    [Fact]
    public async Task Warm_up_at_start_runs_no_hook_and_publishes_no_role_change()
    {
        using var dir = new TempDirectory();
        string ran = dir.File("hooks-ran");
        string promote = dir.Write("promote.sh", "#!/bin/sh\necho promote >> '" + ran + "'\n");
        string demote = dir.Write("demote.sh", "#!/bin/sh\necho demote >> '" + ran + "'\n");
        File.SetUnixFileMode(promote, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        File.SetUnixFileMode(demote, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        string failover = "\"Failover\": { \"Hooks\": { \"Promote\": [ { \"Path\": \"" + promote + "\" } ], \"Demote\": [ { \"Path\": \"" + demote + "\" } ] } },";
        using MosquittoProcess broker = MosquittoProcess.Start();
        string config = dir.Write("agent.json", AgentConfigs.Valid(dir.File("wires"), broker.Port, extra: failover));
        var topics = new TopicTree("test");
        await using MqttProbe watcher = await MqttProbe.ConnectAsync(broker.Host, broker.Port, topics.Everything());

        using AgentProcess agent = AgentProcess.Start("--config", config);
        await agent.WaitUntilAsync(() => agent.Output.Contains("Role change code warmed up", StringComparison.Ordinal), 30_000, "the warm-up's log line");
        await agent.WaitUntilAsync(() => watcher.On(topics.NodeState("n1")).Any(), 15_000, "first state");

        Assert.False(File.Exists(ran), "a hook ran during the warm-up");
        Assert.Empty(watcher.On(topics.NodeGrantAck("n1")));
        Assert.DoesNotContain(Decoded<EventMessage>(watcher, topics.Event("n1")), e => e.Kind.StartsWith("role-", StringComparison.Ordinal));
        Assert.All(Decoded<NodeState>(watcher, topics.NodeState("n1")), s => Assert.Equal(NodeRole.None, s.Role));
        Assert.Contains("setsid --version: exit 0", agent.Output, StringComparison.Ordinal);

        // The hooks were live all along: a real grant runs the promote hook once.
        IMqttClient board = new MqttClientFactory().CreateMqttClient();
        await board.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer(broker.Host, broker.Port).WithClientId("test-board").Build());
        try
        {
            var grant = new Grant { Group = "g1", Node = "n1", Role = NodeRole.Active, Epoch = 3, Reason = "test grant", Timestamp = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() };
            await board.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(topics.NodeGrant("n1")).WithPayload(MessageCodec.Encode(grant))
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
            await agent.WaitUntilAsync(() => Decoded<GrantAck>(watcher, topics.NodeGrantAck("n1")).Any(a => a.Epoch == 3 && a.Ok), 10_000, "grant ack");
            Assert.Equal(new[] { "promote" }, File.ReadAllLines(ran));
        }
        finally
        {
            await board.DisconnectAsync();
            board.Dispose();
        }
    }

    private static List<T> Decoded<T>(MqttProbe w, string topic)
        where T : class
    {
        var list = new List<T>();
        foreach (byte[] payload in w.On(topic).Select(m => m.Bytes))
        {
            object? m = typeof(T) == typeof(GrantAck) ? (MessageCodec.TryDecode(payload, out GrantAck? a, out _) ? a : null)
                : typeof(T) == typeof(NodeState) ? (MessageCodec.TryDecode(payload, out NodeState? s, out _) ? s : null)
                : typeof(T) == typeof(EventMessage) ? (MessageCodec.TryDecode(payload, out EventMessage? e, out _) ? e : null)
                : throw new ArgumentException(typeof(T).Name);
            if (m is T t)
            {
                list.Add(t);
            }
        }

        return list;
    }
}
