using System.Diagnostics;
using System.Text;
using MQTTnet;
using MQTTnet.Protocol;
using Watchdog.Protocol.Json;
using Watchdog.Protocol.Topics;
using Watchdog.Sim.Broker;

namespace Watchdog.Agent.Tests;

/// <summary>Grants and signed commands reach the real agent process over a real broker and are answered there.</summary>
[Collection("timing")]
public sealed class AgentMessagingTests
{
    private const string KeyHex = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

    [Fact]
    public async Task Grant_is_acknowledged_and_published_and_a_forged_command_is_refused_with_its_reason()
    {
        using var dir = new TempDirectory();
        using MosquittoProcess broker = MosquittoProcess.Start();
        string config = dir.Write("agent.json", AgentConfigs.Valid(dir.File("wires"), broker.Port, extra: "\"Commands\": { \"Keys\": { \"k1\": \"" + KeyHex + "\" } },"));
        var topics = new TopicTree("test");
        await using MqttProbe watcher = await MqttProbe.ConnectAsync(broker.Host, broker.Port, topics.Everything());
        using AgentProcess agent = AgentProcess.Start("--config", config);
        await agent.WaitUntilAsync(() => watcher.On(topics.NodeState("n1")).Any(), 15_000, "first state");

        IMqttClient board = new MqttClientFactory().CreateMqttClient();
        await board.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer(broker.Host, broker.Port).WithClientId("test-board").Build());
        try
        {
            var grant = new Grant { Group = "g1", Node = "n1", Role = NodeRole.Active, Epoch = 9, Reason = "test grant", Timestamp = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() };
            await Publish(board, topics.NodeGrant("n1"), MessageCodec.Encode(grant), retain: true);
            await agent.WaitUntilAsync(() => Decoded<GrantAck>(watcher, topics.NodeGrantAck("n1")).Any(a => a.Epoch == 9 && a.Ok), 10_000, "grant ack");
            await agent.WaitUntilAsync(() => Decoded<NodeState>(watcher, topics.NodeState("n1")).Any(s => s.Role == NodeRole.Active && s.Epoch == 9), 10_000, "state with role");

            // A stale grant (lower epoch) changes nothing.
            await Publish(board, topics.NodeGrant("n1"), MessageCodec.Encode(new Grant { Group = "g1", Node = "n1", Role = NodeRole.Standby, Epoch = 8, Timestamp = 1 }), retain: false);
            await agent.WaitUntilAsync(() => Decoded<EventMessage>(watcher, topics.Event("n1")).Any(e => e.Kind == "grant-stale"), 10_000, "grant-stale event");
            Assert.DoesNotContain(Decoded<GrantAck>(watcher, topics.NodeGrantAck("n1")), a => a.Epoch == 8);

            // A command signed with the right key but tampered with afterwards.
            long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            var command = new SignedCommand { Id = "cmd-1", Target = "n1", Action = CommandAction.MaintenanceOn, Epoch = 9, IssuedAt = now, ExpiresAt = now + 60_000 };
            new CommandSigner(new PortableHmacSha256()).Sign(command, "k1", Convert.FromHexString(KeyHex));
            command.Action = CommandAction.Fence;
            await Publish(board, topics.Command("n1"), MessageCodec.Encode(command), retain: false);
            await agent.WaitUntilAsync(() => Decoded<CommandAck>(watcher, topics.CommandAck("n1")).Any(a => a.Id == "cmd-1"), 10_000, "command ack");
            CommandAck ack = Decoded<CommandAck>(watcher, topics.CommandAck("n1")).Single(a => a.Id == "cmd-1");
            Assert.Equal(CommandVerdict.BadSignature, ack.Verdict);
            await agent.WaitUntilAsync(() => Decoded<EventMessage>(watcher, topics.Event("n1")).Any(e => e.Kind == "command-refused" && e.Detail.Contains("bad-signature", StringComparison.Ordinal)), 10_000, "command-refused event");

            // The same command signed properly is accepted.
            var good = new SignedCommand { Id = "cmd-2", Target = "n1", Action = CommandAction.MaintenanceOn, Epoch = 9, IssuedAt = now, ExpiresAt = now + 60_000 };
            new CommandSigner(new PortableHmacSha256()).Sign(good, "k1", Convert.FromHexString(KeyHex));
            await Publish(board, topics.Command("n1"), MessageCodec.Encode(good), retain: false);
            await agent.WaitUntilAsync(() => Decoded<CommandAck>(watcher, topics.CommandAck("n1")).Any(a => a.Id == "cmd-2" && a.Verdict == CommandVerdict.Accepted), 10_000, "accepted ack");
        }
        finally
        {
            await board.DisconnectAsync();
            board.Dispose();
        }
    }

    [Fact]
    public async Task Board_silence_raises_board_lost_and_a_live_reading_about_this_node_clears_it()
    {
        using var dir = new TempDirectory();
        using MosquittoProcess broker = MosquittoProcess.Start();
        string config = dir.Write("agent.json", AgentConfigs.Valid(dir.File("wires"), broker.Port, extra: "\"Board\": { \"LostAfterMs\": 1500 },"));
        var topics = new TopicTree("test");
        await using MqttProbe watcher = await MqttProbe.ConnectAsync(broker.Host, broker.Port, topics.Everything());
        using AgentProcess agent = AgentProcess.Start("--config", config);
        await agent.WaitUntilAsync(() => Decoded<EventMessage>(watcher, topics.Event("n1")).Any(e => e.Kind == "board-lost" && e.Severity == Severity.Critical), 15_000, "board-lost");
        await agent.WaitUntilAsync(() => Decoded<NodeState>(watcher, topics.NodeState("n1")).Any(s => s.BoardLost), 10_000, "state board_lost");

        IMqttClient board = new MqttClientFactory().CreateMqttClient();
        await board.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer(broker.Host, broker.Port).WithClientId("test-board-2").Build());
        try
        {
            // A reading about another node proves nothing about this node's board.
            var other = new ChannelReading { Board = "b1", Channel = "ch2", Node = "n2", State = ChannelState.Healthy, Timestamp = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() };
            await Publish(board, topics.BoardChannel("b1", "ch2"), MessageCodec.Encode(other), retain: true);
            await Task.Delay(700);
            Assert.DoesNotContain(Decoded<EventMessage>(watcher, topics.Event("n1")), e => e.Kind == "board-contact-restored");

            var mine = new ChannelReading { Board = "b1", Channel = "ch1", Node = "n1", State = ChannelState.Healthy, Timestamp = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() };
            await Publish(board, topics.BoardChannel("b1", "ch1"), MessageCodec.Encode(mine), retain: true);
            await agent.WaitUntilAsync(() => Decoded<EventMessage>(watcher, topics.Event("n1")).Any(e => e.Kind == "board-contact-restored"), 10_000, "board-contact-restored");
            await agent.WaitUntilAsync(() => Decoded<NodeState>(watcher, topics.NodeState("n1")).LastOrDefault() is { BoardLost: false }, 10_000, "state without board_lost");
        }
        finally
        {
            await board.DisconnectAsync();
            board.Dispose();
        }
    }

    private static Task Publish(IMqttClient client, string topic, byte[] payload, bool retain) =>
        client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(payload).WithRetainFlag(retain).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());

    private static List<T> Decoded<T>(MqttProbe w, string topic)
        where T : class
    {
        var list = new List<T>();
        foreach (byte[] payload in w.On(topic).Select(m => m.Bytes))
        {
            object? m = typeof(T) == typeof(GrantAck) ? (MessageCodec.TryDecode(payload, out GrantAck? a, out _) ? a : null)
                : typeof(T) == typeof(NodeState) ? (MessageCodec.TryDecode(payload, out NodeState? s, out _) ? s : null)
                : typeof(T) == typeof(CommandAck) ? (MessageCodec.TryDecode(payload, out CommandAck? c, out _) ? c : null)
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
