using System.Text;
using Watchdog.Firmware.Glue;

namespace Watchdog.Board.Tests.Integration;

/// <summary>
/// A board PROCESS and a real mosquitto: garbage on the topics the board reads (random bytes, a
/// 1 MiB payload, 200-deep nesting, a wrong type, a status word that is none) comes back as
/// message-unreadable events naming the topic and the reason; refusals past the rate limit are
/// counted in a summary that arrives without further traffic; and the board still answers a
/// command and moves no wire afterwards.
/// </summary>
public sealed class BoardRefusalEventsTests(ITestOutputHelper output)
{
    private const string BoardName = BoardRig.BoardName;

    /// <summary>Generous: two cores, CI loaded, and the summary comes only when the 10 s window reopens.</summary>
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Garbage_on_state_grant_ack_status_and_command_topics_is_published_as_events_and_the_board_keeps_working()
    {
        using var rig = new BoardRig();
        var (rack, topics) = (rig.Rack, rig.Topics);
        await using MqttProbe probe = await rig.WatchAsync();
        string config = rig.WriteConfig(BoardRig.Config("", heartbeatTimeoutMs: 1500));
        rig.FeedBothHeartbeats();

        using BoardProcess board = BoardProcess.Start(rig.BoardArgs(config));
        try
        {
            await board.WaitForLineAsync("running", Wait);
            // The board publishes only after it has subscribed, so from here on it hears us.
            await probe.WaitForAsync(topics.BoardStatus(BoardName), p => p == "ready", Wait);

            byte[] random = new byte[4096];
            new Random(11).NextBytes(random);
            random[0] = 0xFF; // never valid in UTF-8, so the reason is the same for every seed
            byte[] mebibyte = new byte[1024 * 1024];
            Array.Fill(mebibyte, (byte)'{');
            string deep = new string('[', 200) + new string(']', 200);
            string wrongType = "{\"node\":\"n1\",\"role\":\"active\",\"epoch\":\"seven\",\"health\":\"healthy\",\"ts\":1}";

            // Exactly the limit (5 per 10 s): each of these comes back as its own event.
            var expected = new (string Topic, string Detail)[]
            {
                (topics.NodeState("n1"), "node state on " + topics.NodeState("n1") + ": at byte 0: invalid UTF-8 sequence starting with 0xff"),
                (topics.NodeGrantAck("n2"), "grant ack on " + topics.NodeGrantAck("n2") + ": payload of 1048576 bytes is larger than the limit of 8192 bytes"),
                (topics.Command("n1"), "signed command on " + topics.Command("n1") + ": at byte 16: arrays and objects nest deeper than the limit of 16"),
                (topics.NodeState("n2"), "node state on " + topics.NodeState("n2") + ": field 'epoch': expected an integer, got a string"),
                (topics.NodeStatus("n1"), "node status word on " + topics.NodeStatus("n1") + ": unknown status word 'online', expected one of init, ready, disconnected, lost, alert"),
            };
            await probe.PublishAsync(topics.NodeState("n1"), random);
            await probe.PublishAsync(topics.NodeGrantAck("n2"), mebibyte);
            await probe.PublishAsync(topics.Command("n1"), deep);
            await probe.PublishAsync(topics.NodeState("n2"), wrongType);
            await probe.PublishAsync(topics.NodeStatus("n1"), "online");

            foreach ((string topic, string detail) in expected)
            {
                EventMessage e = await WaitForRefusalAsync(probe, topics, d => d == detail);
                Assert.Equal(BoardName, e.Source);
                Assert.Equal(Severity.Warning, e.Severity);
                output.WriteLine("event for " + topic + ": " + e.Detail);
            }

            // Past the limit: left out now, counted, and reported when the window reopens with no further traffic.
            await probe.PublishAsync(topics.Command(BoardName), random);
            await probe.PublishAsync(topics.NodeGrantAck("n1"), deep);
            EventMessage summary = await WaitForRefusalAsync(probe, topics, d => d.Contains("left out", StringComparison.Ordinal));
            Assert.Equal("2 unreadable message(s) were left out since the last such event (at most 5 such events per 10 s); the last: grant ack on "
                + topics.NodeGrantAck("n1") + ": at byte 16: arrays and objects nest deeper than the limit of 16", summary.Detail);

            // Still working: a well-formed (unsigned) command is decoded, verified and answered.
            long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            var command = new SignedCommand { Id = "after-garbage", KeyId = "k1", Target = "n1", Action = CommandAction.Reset, Epoch = 0, IssuedAt = now, ExpiresAt = now + 60_000, Signature = new string('0', 64) };
            await probe.PublishAsync(topics.Command("n1"), Encoding.UTF8.GetString(MessageCodec.Encode(command)));
            string answer = await probe.WaitForAsync(topics.CommandAck("n1"), p => p.Contains("after-garbage", StringComparison.Ordinal), Wait);
            Assert.True(MessageCodec.TryDecode(Utf8.GetBytes(answer), out CommandAck? ack, out CodecError? error), error?.Text);
            Assert.Equal(CommandVerdict.UnknownKey, ack!.Verdict);

            Assert.False(board.HasExited, "the board exited");
            Assert.DoesNotContain(probe.Seen, m => m.Topic == topics.BoardStatus(BoardName) && m.Payload != "ready");
            Assert.Equal(0u, rack.RelayEdges("s1") + rack.RelayEdges("s2")); // garbage moves no wire
            Assert.Equal(6, probe.Seen.Count(m => m.Topic == topics.Event(BoardName) && m.Payload.Contains(RefusalReporter.EventKind, StringComparison.Ordinal)));
        }
        finally
        {
            output.WriteLine(board.Output);
            foreach (var m in probe.Seen.Where(m => m.Topic.Contains("/events/", StringComparison.Ordinal) || m.Topic.EndsWith("/ack", StringComparison.Ordinal)))
            {
                output.WriteLine(m.Topic + " " + (m.Payload.Length > 300 ? m.Payload[..300] : m.Payload));
            }
        }
    }

    private static async Task<EventMessage> WaitForRefusalAsync(MqttProbe probe, TopicTree topics, Func<string, bool> detail)
    {
        string payload = await probe.WaitForAsync(topics.Event(BoardName), p => Refusal(p) is { } e && detail(e.Detail), Wait);
        return Refusal(payload)!;
    }

    private static EventMessage? Refusal(string payload) =>
        MessageCodec.TryDecode(Utf8.GetBytes(payload), out EventMessage? e, out _) && e!.Kind == RefusalReporter.EventKind ? e : null;
}
