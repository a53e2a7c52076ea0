using Watchdog.Board.Persistence;
using static Watchdog.Board.Tests.Integration.BoardRig;

namespace Watchdog.Board.Tests.Integration;

/// <summary>
/// Safety rules 3 and 4 across a crash of the board itself: SIGKILL mid-run, start again on the
/// same state directory. Healthy servers are never reset, powered or fenced because the board
/// restarted, and the epoch continues from disk (never reused, never reset to 0).
/// </summary>
public sealed class BoardRestartTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Board_killed_with_SIGKILL_and_started_again_resets_nobody_and_continues_the_epoch()
    {
        using var rig = new BoardRig();
        var (dir, rack, topics) = (rig.Dir, rig.Rack, rig.Topics);
        await using MqttProbe probe = await rig.WatchAsync();
        string config = rig.WriteConfig(Config(Group, heartbeatTimeoutMs: 1500));
        rig.FeedBothHeartbeats();
        await rig.AnnounceHealthyAsync(probe, "n1");
        await rig.AnnounceHealthyAsync(probe, "n2");
        string[] args = rig.BoardArgs(config, "--status-interval-ms", "200");

        long epochBefore;
        using (BoardProcess first = BoardProcess.Start(args))
        {
            try
            {
                await first.WaitForLineAsync("running", Wait);
                string grant = await probe.WaitForAsync(topics.NodeGrant("n1"), p => p.Contains("\"active\"", StringComparison.Ordinal), Wait);
                epochBefore = Decode<Grant>(grant).Epoch;
                Assert.True(epochBefore >= 1, "a grant carries an epoch of at least 1");
                // Play the agents: acknowledge and report the granted roles, as retained state.
                await probe.PublishAsync(topics.NodeGrantAck("n1"), Text(MessageCodec.Encode(new GrantAck { Node = "n1", Group = "g1", Role = NodeRole.Active, Epoch = epochBefore, Ok = true, Timestamp = Now() })));
                await probe.PublishAsync(topics.NodeGrantAck("n2"), Text(MessageCodec.Encode(new GrantAck { Node = "n2", Group = "g1", Role = NodeRole.Standby, Epoch = epochBefore, Ok = true, Timestamp = Now() })));
                await rig.AnnounceHealthyAsync(probe, "n1", NodeRole.Active, epochBefore);
                await rig.AnnounceHealthyAsync(probe, "n2", NodeRole.Standby, epochBefore);

                // The grant was published, so its epoch must already be on disk (persist before publish).
                Assert.True(new EpochFile(dir.Path).TryLoad(out long onDisk, out _, out _, out string why), why);
                Assert.True(onDisk >= epochBefore, $"epoch on disk {onDisk} is below the published {epochBefore}");
                await first.BarrierAsync(probe, topics, "rack-a", Wait); // the board has taken the acks and roles in
            }
            finally
            {
                output.WriteLine("--- first board\n" + first.Output);
            }

            first.Kill(); // SIGKILL mid-run: no clean disconnect, relays left as they were
        }

        uint relayEdgesAtCrash = rack.RelayEdges("s1") + rack.RelayEdges("s2");
        await probe.WaitForAsync(topics.BoardStatus("rack-a"), p => p == "lost", Wait); // the broker published the will
        long restartedAt = Now();

        using BoardProcess second = BoardProcess.Start(args);
        try
        {
            await second.WaitForLineAsync("running", Wait);
            await second.WaitForLineAsync($"epoch {epochBefore} read from", Wait);

            // Through the boot grace (3 s: its settled status) and the heartbeat timeout (1.5 s of
            // its ticks, counted on the wire file) after it: long enough to have reset somebody.
            await probe.WaitForBoardSettledAsync(topics, "rack-a", restartedAt, Wait);
            uint ticksAtSettled = rack.BoardTicks;
            await WaitFor(() => rack.BoardTicks - ticksAtSettled >= 1500 / 10, "1500 ms of board ticks after it settled");
            Assert.Equal(0u, relayEdgesAtCrash);
            Assert.Equal(0u, rack.RelayEdges("s1") + rack.RelayEdges("s2"));

            // Fresh retained state from the new process: its ts is after the restart, its epoch continues.
            string state = await probe.WaitForAsync(topics.BoardState("rack-a"), p => Decode<BoardStatus>(p).Timestamp > restartedAt, Wait);
            Assert.True(Decode<BoardStatus>(state).Epoch >= epochBefore, $"board state epoch {Decode<BoardStatus>(state).Epoch} went below {epochBefore}");
            Assert.Equal("ready", await probe.WaitForAsync(topics.BoardStatus("rack-a"), p => p == "ready", Wait));

            // Any grant the restarted board issues carries a higher epoch than any before the crash.
            foreach (var m in probe.Seen.Where(m => m.Topic == topics.NodeGrant("n1") || m.Topic == topics.NodeGrant("n2")))
            {
                Assert.True(MessageCodec.TryDecode(Utf8.GetBytes(m.Payload), out Grant? g, out _));
                output.WriteLine($"{m.Topic} {m.Payload}");
                if (g!.Timestamp > restartedAt)
                {
                    Assert.True(g.Epoch > epochBefore, $"grant after restart reused epoch {g.Epoch} (before: {epochBefore})");
                    if (g.Node == "n1")
                    {
                        // Rule 6: a board restart never takes the role away from a running, healthy active.
                        Assert.Equal(NodeRole.Active, g.Role);
                    }
                }
            }
        }
        finally
        {
            output.WriteLine("--- second board\n" + second.Output);
            foreach (string ch in new[] { "s1", "s2" })
            {
                var p = rack.Channel(ch);
                output.WriteLine($"{ch}: reset {rack.Wires.ReadEdgeCount(p.Reset)} power {rack.Wires.ReadEdgeCount(p.Power)} fence {rack.Wires.ReadEdgeCount(p.Fence)} edges");
            }

            foreach (var m in probe.Seen.Where(m => !m.Topic.EndsWith("/state", StringComparison.Ordinal) && !m.Topic.Contains("/channel/", StringComparison.Ordinal)))
            {
                output.WriteLine($"{m.AtMs} {m.Topic} {m.Payload}");
            }
        }
    }
}
