using static Watchdog.Board.Tests.Integration.BoardRig;

namespace Watchdog.Board.Tests.Integration;

/// <summary>
/// Commands reach the core through the board's subscription and are verified there (rule 7):
/// a forged one is refused and acknowledged with its reason and moves no wire; a signed one is
/// carried out on the wires.
/// </summary>
public sealed class BoardCommandTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Forged_reset_is_refused_and_a_signed_one_pulses_the_reset_wire()
    {
        using var rig = new BoardRig();
        var (rack, topics) = (rig.Rack, rig.Topics);
        byte[] key = rig.WriteClusterKey("# test key\n");
        await using MqttProbe probe = await rig.WatchAsync();
        string config = rig.WriteConfig(Config("", heartbeatTimeoutMs: 1500));
        rig.FeedBothHeartbeats();

        using BoardProcess board = BoardProcess.Start(rig.BoardArgs(config, "--cluster-key-file", rig.ClusterKeyPath));
        try
        {
            // Settled (boot grace 3 s: commands before it are refused) and both servers healthy on the wires.
            await rig.WaitUntilSettledAndHealthyAsync(board, probe);

            SignedCommand forged = SignedCommand("c-1", CommandAction.Reset, key);
            forged.Signature = new string('0', 64);
            await probe.PublishAsync(topics.Command("n1"), Text(MessageCodec.Encode(forged)));
            string refusal = await probe.WaitForAsync(topics.CommandAck("n1"), p => p.Contains("c-1", StringComparison.Ordinal), Wait);
            CommandAck ack = Decode<CommandAck>(refusal);
            Assert.Equal(CommandVerdict.BadSignature, ack.Verdict);
            // The board drives its relays before it publishes what the same step produced, and a
            // reading of s1 from a later tick shows no output asserted: the refusal moved nothing.
            ChannelReading after = await probe.WaitForReadingAsync(topics, "rack-a", "s1", ack.Timestamp + 1, _ => true, Wait);
            Assert.Empty(after.Outputs);
            Assert.Equal(0u, rack.RelayEdges("s1"));

            await probe.PublishAsync(topics.Command("n1"), Text(MessageCodec.Encode(SignedCommand("c-2", CommandAction.Reset, key))));
            string accepted = await probe.WaitForAsync(topics.CommandAck("n1"), p => p.Contains("c-2", StringComparison.Ordinal), Wait);
            Assert.Equal(CommandVerdict.Accepted, Decode<CommandAck>(accepted).Verdict);
            int reset = rack.Channel("s1").Reset;
            // The wire file raises no event: polled until the bound.
            await WaitFor(() => rack.Wires.ReadEdgeCount(reset) >= 2, "the reset pulse on s1 (asserted and released)");
            Assert.Equal(2u, rack.Wires.ReadEdgeCount(reset)); // asserted and released: one pulse
            Assert.Equal(0u, rack.RelayEdges("s2"));
        }
        finally
        {
            output.WriteLine(board.Output);
            foreach (var m in probe.Seen.Where(m => m.Topic.Contains("/command/", StringComparison.Ordinal) || m.Topic.Contains("/events/", StringComparison.Ordinal)))
            {
                output.WriteLine(m.Topic + " " + m.Payload);
            }
        }
    }
}
