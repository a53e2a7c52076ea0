using static Watchdog.Board.Tests.Integration.BoardRig;

namespace Watchdog.Board.Tests.Integration;

/// <summary>
/// Rule 6 at the board: the broker crashes (SIGKILL, retained state lost with it) and comes back.
/// Meanwhile the board keeps ticking and touches no relay; afterwards it reconnects, re-subscribes
/// and republishes its retained status, state and grants, so readers see the same roles again.
/// </summary>
public sealed class BoardBrokerLossTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Broker_killed_and_restarted_board_keeps_the_active_and_republishes_its_retained_state()
    {
        using var rig = new BoardRig();
        var (rack, broker, topics) = (rig.Rack, rig.Broker, rig.Topics);
        string config = rig.WriteConfig(Config(Group, heartbeatTimeoutMs: 1500));
        rig.FeedBothHeartbeats();

        using BoardProcess board = BoardProcess.Start(rig.BoardArgs(config, "--status-interval-ms", "200"));
        try
        {
            long epoch;
            await using (MqttProbe probe = await rig.WatchAsync())
            {
                await rig.AnnounceHealthyAsync(probe, "n1", NodeRole.None, 0);
                await rig.AnnounceHealthyAsync(probe, "n2", NodeRole.None, 0);
                string grant = await probe.WaitForAsync(topics.NodeGrant("n1"), p => p.Contains("\"active\"", StringComparison.Ordinal), Wait);
                epoch = Decode<Grant>(grant).Epoch;
                await rig.AnnounceHealthyAsync(probe, "n1", NodeRole.Active, epoch);
                await rig.AnnounceHealthyAsync(probe, "n2", NodeRole.Standby, epoch);
                await board.BarrierAsync(probe, topics, "rack-a", Wait); // the board has taken the roles in
            }

            uint edgesBefore = rack.RelayEdges("s1") + rack.RelayEdges("s2");
            broker.Kill();
            await board.WaitForLineAsync("mqtt: lost", Wait);
            // The outage lasts twice the heartbeat timeout of the board's own time (its ticks, counted
            // on the wire file: no MQTT now), so a starved test host cannot make it shorter: the wires
            // alone keep everyone healthy.
            uint ticksAtLoss = rack.BoardTicks;
            await WaitFor(() => rack.BoardTicks - ticksAtLoss >= 2 * 1500 / 10, "3000 ms of board ticks without the broker");
            Assert.False(board.HasExited, board.Output);
            Assert.Equal(edgesBefore, rack.RelayEdges("s1") + rack.RelayEdges("s2"));

            long restartedAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            broker.Start(); // empty: no persistence, every retained value is gone
            await using MqttProbe after = await rig.WatchAsync();
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
}
