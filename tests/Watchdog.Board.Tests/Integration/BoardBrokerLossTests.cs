using Watchdog.Board.Tests.Support;
using Watchdog.Protocol.Json;
using Watchdog.Protocol.Messages;
using Watchdog.Protocol.Text;
using Watchdog.Protocol.Topics;
using Watchdog.Protocol.Wire;
using Watchdog.Sim.Broker;
using Xunit.Abstractions;

namespace Watchdog.Board.Tests.Integration;

/// <summary>
/// Rule 6 at the board: the broker crashes (SIGKILL, retained state lost with it) and comes back.
/// Meanwhile the board keeps ticking and touches no relay; afterwards it reconnects, re-subscribes
/// and republishes its retained status, state and grants, so readers see the same roles again.
/// </summary>
public sealed class BoardBrokerLossTests(ITestOutputHelper output)
{
    private const string Group = """{"name": "g1", "mode": "active-standby", "members": ["n1", "n2"], "failback": "manual"}""";
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Broker_killed_and_restarted_board_keeps_the_active_and_republishes_its_retained_state()
    {
        using var dir = new TempDirectory();
        using var broker = MosquittoProcess.Start();
        using var rack = new VirtualRack(dir);
        var topics = new TopicTree("itest");
        string config = VirtualRack.WriteConfig(dir, BoardOnVirtualRackTests.Config(Group, heartbeatTimeoutMs: 1500));
        rack.StartHeartbeat("s1");
        rack.StartHeartbeat("s2");

        using BoardProcess board = BoardProcess.Start("--config", config, "--pins", rack.PinMapPath, "--wires", rack.WiresPath,
            "--state-dir", dir.Path, "--broker", $"{broker.Host}:{broker.Port}", "--status-interval-ms", "200");
        try
        {
            long epoch;
            await using (MqttProbe probe = await MqttProbe.ConnectAsync(broker.Host, broker.Port, topics.Everything()))
            {
                await AnnounceAsync(probe, topics, "n1", NodeRole.None, 0);
                await AnnounceAsync(probe, topics, "n2", NodeRole.None, 0);
                string grant = await probe.WaitForAsync(topics.NodeGrant("n1"), p => p.Contains("\"active\"", StringComparison.Ordinal), Wait);
                Assert.True(MessageCodec.TryDecode(Utf8.GetBytes(grant), out Grant? g, out CodecError? e), e?.Text);
                epoch = g!.Epoch;
                await AnnounceAsync(probe, topics, "n1", NodeRole.Active, epoch);
                await AnnounceAsync(probe, topics, "n2", NodeRole.Standby, epoch);
                await board.BarrierAsync(probe, topics, "rack-a", Wait); // the board has taken the roles in
            }

            uint edgesBefore = rack.RelayEdges("s1") + rack.RelayEdges("s2");
            broker.Kill();
            await board.WaitForLineAsync("mqtt: lost", Wait);
            // The outage lasts twice the heartbeat timeout of the board's own time (its ticks, counted
            // on the wire file: no MQTT now), so a starved test host cannot make it shorter: the wires
            // alone keep everyone healthy.
            uint ticksAtLoss = rack.BoardTicks;
            await BoardOnVirtualRackTests.WaitFor(() => rack.BoardTicks - ticksAtLoss >= 2 * 1500 / 10, "3000 ms of board ticks without the broker");
            Assert.False(board.HasExited, board.Output);
            Assert.Equal(edgesBefore, rack.RelayEdges("s1") + rack.RelayEdges("s2"));

            long restartedAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            broker.Start(); // empty: no persistence, every retained value is gone
            await using MqttProbe after = await MqttProbe.ConnectAsync(broker.Host, broker.Port, topics.Everything());
            Assert.Equal("ready", await after.WaitForAsync(topics.BoardStatus("rack-a"), _ => true, Wait));
            string state = await after.WaitForAsync(topics.BoardState("rack-a"), p => Decode<BoardStatus>(p).Timestamp > restartedAt, Wait);
            Assert.Equal(epoch, Decode<BoardStatus>(state).Epoch);
            Grant active = Decode<Grant>(await after.WaitForAsync(topics.NodeGrant("n1"), _ => true, Wait));
            Assert.Equal(NodeRole.Active, active.Role);
            Assert.Equal(epoch, active.Epoch);
            GroupRoles roles = Decode<GroupRoles>(await after.WaitForAsync(topics.GroupRoles("g1"), _ => true, Wait));
            Assert.Equal(["n1"], roles.Active);

            // Re-subscribed: a message published after the restart reaches the board (a malformed command, refused by the decoder).
            await after.PublishAsync(topics.Command("n2"), "{\"id\":\"x\"}");
            await board.WaitForLineAsync("command/n2: field 'target': is required but missing", Wait);
            Assert.Equal(edgesBefore, rack.RelayEdges("s1") + rack.RelayEdges("s2"));
        }
        finally
        {
            output.WriteLine(board.Output);
        }
    }

    private static async Task AnnounceAsync(MqttProbe probe, TopicTree topics, string node, NodeRole role, long epoch)
    {
        await probe.PublishAsync(topics.NodeStatus(node), "ready", retain: true);
        await probe.PublishAsync(topics.NodeState(node), System.Text.Encoding.UTF8.GetString(MessageCodec.Encode(new NodeState
        {
            Node = node, Group = "g1", Role = role, Epoch = epoch, Health = Health.Healthy, Reason = "test", Feeding = true, Seq = 1,
            Timestamp = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
        })), retain: true);
    }

    private static T Decode<T>(string payload) where T : class
    {
        byte[] bytes = Utf8.GetBytes(payload);
        object? message = typeof(T) == typeof(Grant) ? (MessageCodec.TryDecode(bytes, out Grant? g, out _) ? g : null)
            : typeof(T) == typeof(BoardStatus) ? (MessageCodec.TryDecode(bytes, out BoardStatus? s, out _) ? s : null)
            : typeof(T) == typeof(GroupRoles) ? (MessageCodec.TryDecode(bytes, out GroupRoles? r, out _) ? r : null)
            : null;
        return Assert.IsType<T>(message);
    }
}
