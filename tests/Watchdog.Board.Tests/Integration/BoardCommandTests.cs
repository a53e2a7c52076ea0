using System.Security.Cryptography;
using Watchdog.Board.Hosting;
using Watchdog.Board.Tests.Support;
using Watchdog.Platform.Signing;
using Watchdog.Protocol.Json;
using Watchdog.Protocol.Messages;
using Watchdog.Protocol.Signing;
using Watchdog.Protocol.Text;
using Watchdog.Protocol.Topics;
using Watchdog.Protocol.Wire;
using Watchdog.Sim.Broker;
using Xunit.Abstractions;

namespace Watchdog.Board.Tests.Integration;

/// <summary>
/// Commands reach the core through the board's subscription and are verified there (rule 7):
/// a forged one is refused and acknowledged with its reason and moves no wire; a signed one is
/// carried out on the wires.
/// </summary>
public sealed class BoardCommandTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Forged_reset_is_refused_and_a_signed_one_pulses_the_reset_wire()
    {
        using var dir = new TempDirectory();
        using var broker = MosquittoProcess.Start();
        using var rack = new VirtualRack(dir);
        var topics = new TopicTree("itest");
        byte[] key = RandomNumberGenerator.GetBytes(32);
        Watchdog.Platform.Posix.PrivateFiles.WriteNew(dir.File("cluster.key"), "# test key\nk1:" + Hex.Encode(key) + "\n");
        await using MqttProbe probe = await MqttProbe.ConnectAsync(broker.Host, broker.Port, topics.Everything());
        string config = VirtualRack.WriteConfig(dir, BoardOnVirtualRackTests.Config("", heartbeatTimeoutMs: 1500));
        rack.StartHeartbeat("s1");
        rack.StartHeartbeat("s2");

        using BoardProcess board = BoardProcess.Start("--config", config, "--pins", rack.PinMapPath, "--wires", rack.WiresPath,
            "--state-dir", dir.Path, "--broker", $"{broker.Host}:{broker.Port}", "--cluster-key-file", dir.File("cluster.key"));
        try
        {
            await board.WaitForLineAsync("running", Wait);
            await probe.WaitForAsync(topics.BoardStatus("rack-a"), p => p == "ready", Wait);
            // Settled (boot grace 3 s: commands before it are refused) and both servers healthy on the wires.
            await probe.WaitForBoardSettledAsync(topics, "rack-a", 0, Wait);
            await probe.WaitForReadingAsync(topics, "rack-a", "s1", 0, r => r.State == ChannelState.Healthy, Wait);
            await probe.WaitForReadingAsync(topics, "rack-a", "s2", 0, r => r.State == ChannelState.Healthy, Wait);

            SignedCommand forged = Command("c-1", key);
            forged.Signature = new string('0', 64);
            await probe.PublishAsync(topics.Command("n1"), System.Text.Encoding.UTF8.GetString(MessageCodec.Encode(forged)));
            string refusal = await probe.WaitForAsync(topics.CommandAck("n1"), p => p.Contains("c-1", StringComparison.Ordinal), Wait);
            Assert.True(MessageCodec.TryDecode(Utf8.GetBytes(refusal), out CommandAck? ack, out CodecError? e), e?.Text);
            Assert.Equal(CommandVerdict.BadSignature, ack!.Verdict);
            // The board drives its relays before it publishes what the same step produced, and a
            // reading of s1 from a later tick shows no output asserted: the refusal moved nothing.
            ChannelReading after = await probe.WaitForReadingAsync(topics, "rack-a", "s1", ack.Timestamp + 1, _ => true, Wait);
            Assert.Empty(after.Outputs);
            Assert.Equal(0u, rack.RelayEdges("s1"));

            await probe.PublishAsync(topics.Command("n1"), System.Text.Encoding.UTF8.GetString(MessageCodec.Encode(Command("c-2", key))));
            string accepted = await probe.WaitForAsync(topics.CommandAck("n1"), p => p.Contains("c-2", StringComparison.Ordinal), Wait);
            Assert.True(MessageCodec.TryDecode(Utf8.GetBytes(accepted), out ack, out e), e?.Text);
            Assert.Equal(CommandVerdict.Accepted, ack!.Verdict);
            int reset = rack.Channel("s1").Reset;
            // The wire file raises no event: polled until the bound.
            await BoardOnVirtualRackTests.WaitFor(() => rack.Wires.ReadEdgeCount(reset) >= 2, "the reset pulse on s1 (asserted and released)");
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

    private static SignedCommand Command(string id, byte[] key)
    {
        long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var c = new SignedCommand { Id = id, Target = "n1", Action = CommandAction.Reset, Epoch = 0, IssuedAt = now, ExpiresAt = now + 60_000 };
        new CommandSigner(new PlatformHmacSha256()).Sign(c, "k1", key);
        return c;
    }
}
