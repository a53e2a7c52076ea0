using System.Text;
using Watchdog.Firmware.Core;
using Watchdog.Firmware.Glue;
using Watchdog.Protocol.Signing;

namespace Watchdog.Board.Tests.Glue;

/// <summary>
/// The shared glue's refusal path without a broker: InboundDispatcher refuses garbage, and
/// RefusalReporter publishes what was expected, the topic and the decoder's reason as a
/// message-unreadable event on the board's event topic, within its rate limit.
/// </summary>
public sealed class RefusalReporterTests : GlueTestBoard
{
    [Fact]
    public void Garbage_on_each_inbound_topic_becomes_an_event_naming_what_was_expected_the_topic_and_where_it_went_wrong()
    {
        var (dispatcher, reporter, sink) = Build(new RefusalRateLimiter(100, 10_000));
        byte[] random = new byte[64];
        new Random(7).NextBytes(random);
        random[0] = 0xC0; // an overlong UTF-8 lead byte: invalid whatever follows
        byte[] huge = Encoding.ASCII.GetBytes("{\"node\":\"" + new string('x', 1024 * 1024) + "\"}");
        byte[] deep = Encoding.ASCII.GetBytes(new string('[', 200) + new string(']', 200));

        Feed(dispatcher, reporter, Topics.NodeState("n1"), random);
        Feed(dispatcher, reporter, Topics.NodeGrantAck("n1"), huge);
        Feed(dispatcher, reporter, Topics.Command("n1"), deep);
        Feed(dispatcher, reporter, Topics.NodeState("n1"), Encoding.ASCII.GetBytes("{\"node\":\"n1\",\"role\":\"active\",\"epoch\":\"seven\",\"health\":\"healthy\",\"ts\":1}"));
        Feed(dispatcher, reporter, Topics.NodeStatus("n1"), Encoding.ASCII.GetBytes("online"));

        EventMessage[] events = sink.Events(Topics.Event(Board));
        Assert.Equal(5, events.Length);
        Assert.All(events, e =>
        {
            Assert.Equal(Board, e.Source);
            Assert.Equal(RefusalReporter.EventKind, e.Kind);
            Assert.Equal(Severity.Warning, e.Severity);
        });
        Assert.Equal("node state on watchdog/v1/itest/node/n1/state: at byte 0: invalid UTF-8 sequence starting with 0xc0", events[0].Detail);
        Assert.Equal("n1", events[0].Node);
        Assert.Equal("grant ack on watchdog/v1/itest/node/n1/grant/ack: payload of " + huge.Length + " bytes is larger than the limit of 8192 bytes", events[1].Detail);
        Assert.Equal("signed command on watchdog/v1/itest/command/n1: at byte 16: arrays and objects nest deeper than the limit of 16", events[2].Detail);
        Assert.Equal("", events[2].Node);
        Assert.Equal("node state on watchdog/v1/itest/node/n1/state: field 'epoch': expected an integer, got a string", events[3].Detail);
        Assert.StartsWith("node status word on watchdog/v1/itest/node/n1/status: unknown status word 'online'", events[4].Detail, StringComparison.Ordinal);
        Assert.Equal(5, reporter.Total);
        Assert.Equal(5, sink.Lines.Count(l => l.StartsWith("refused: ", StringComparison.Ordinal)));
    }

    [Fact]
    public void A_quoted_word_from_the_payload_is_escaped_and_cut()
    {
        var (dispatcher, reporter, sink) = Build(new RefusalRateLimiter(100, 10_000));
        string word = "\u001b[2J\n" + new string('z', 1500);
        string state = "{\"node\":\"n1\",\"role\":\"" + word.Replace("\u001b", "\\u001b", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal)
            + "\",\"epoch\":1,\"health\":\"healthy\",\"ts\":1}";

        Feed(dispatcher, reporter, Topics.NodeState("n1"), Encoding.ASCII.GetBytes(state));

        string detail = Assert.Single(sink.Events(Topics.Event(Board))).Detail;
        Assert.StartsWith("node state on watchdog/v1/itest/node/n1/state: field 'role': unknown word '\\u001b[2J\\u000azzz", detail, StringComparison.Ordinal);
        Assert.EndsWith("...", detail, StringComparison.Ordinal);
        Assert.DoesNotContain('\u001b', detail);
        Assert.DoesNotContain('\n', detail);
        Assert.True(detail.Length < 300, $"detail of {detail.Length} characters");
    }

    [Fact]
    public void Refusals_over_the_limit_are_counted_and_reported_by_the_next_event_or_a_summary()
    {
        var (dispatcher, reporter, sink) = Build(new RefusalRateLimiter(2, 1000));
        byte[] junk = Encoding.ASCII.GetBytes("not json");
        string topic = Topics.NodeGrantAck("n1");

        Feed(dispatcher, reporter, topic, junk, nowMs: 0);
        Feed(dispatcher, reporter, topic, junk, nowMs: 500);
        for (int i = 0; i < 3; i++)
        {
            Feed(dispatcher, reporter, topic, junk, nowMs: 600 + i);
        }

        reporter.Flush(nowMs: 999, wallClockMs: 1);
        Assert.Equal(2, sink.Events(Topics.Event(Board)).Length); // window full: 3 left out, nothing said yet

        Feed(dispatcher, reporter, topic, junk, nowMs: 1000); // t=0 left the window: this refusal carries the count
        EventMessage carrying = sink.Events(Topics.Event(Board))[^1];
        Assert.StartsWith("grant ack on " + topic + ": at byte 0: ", carrying.Detail, StringComparison.Ordinal);
        Assert.EndsWith("; 3 more unreadable message(s) were left out before this one (at most 2 such events per 1 s)", carrying.Detail, StringComparison.Ordinal);

        Feed(dispatcher, reporter, topic, junk, nowMs: 1001); // left out again (t=500 and t=1000 in the window)
        Feed(dispatcher, reporter, Topics.NodeState("n1"), Encoding.ASCII.GetBytes("{}"), nowMs: 1002);
        reporter.Flush(nowMs: 1499, wallClockMs: 1);
        Assert.Equal(3, sink.Events(Topics.Event(Board)).Length);

        reporter.Flush(nowMs: 1500, wallClockMs: 1); // no refusal since, but the tick's flush says how many
        EventMessage summary = sink.Events(Topics.Event(Board))[^1];
        Assert.Equal(RefusalReporter.EventKind, summary.Kind);
        Assert.Equal("2 unreadable message(s) were left out since the last such event (at most 2 such events per 1 s); "
            + "the last: node state on " + Topics.NodeState("n1") + ": field 'node': is required but missing", summary.Detail);

        reporter.Flush(nowMs: 10_000, wallClockMs: 1);
        Assert.Equal(4, sink.Events(Topics.Event(Board)).Length); // said once, not again
        Assert.Equal(8, reporter.Total);
    }

    [Fact]
    public void Messages_that_decode_or_are_ignored_on_purpose_are_not_refusals()
    {
        var (dispatcher, reporter, sink) = Build(new RefusalRateLimiter(100, 10_000));
        Feed(dispatcher, reporter, Topics.NodeStatus("n1"), Encoding.ASCII.GetBytes("ready"));
        Feed(dispatcher, reporter, Topics.NodeState("n1"), []); // a retained state being cleared
        Feed(dispatcher, reporter, "watchdog/v1/other/node/n1/state", Encoding.ASCII.GetBytes("junk")); // not our cluster

        Assert.Empty(sink.Events(Topics.Event(Board)));
        Assert.Equal(0, reporter.Total);
    }

    [Theory]
    [InlineData("plain text", 40, "plain text")]
    [InlineData("back\\slash", 40, "back\\\\slash")]
    [InlineData("tab\there\u00e9\u202e", 40, "tab\\u0009here\\u00e9\\u202e")]
    [InlineData("abcdefghij", 10, "abcdefghij")]
    [InlineData("abcdefghijk", 10, "abcdefg...")]
    [InlineData("abcd\u0001efgh", 10, "abcd...")] // never half an escape
    public void Escaped_text_is_printable_ascii_and_bounded(string text, int max, string expected)
    {
        Assert.Equal(expected, EscapedText.Bounded(text, max));
    }

    private static void Feed(InboundDispatcher dispatcher, RefusalReporter reporter, string topic, byte[] payload, long nowMs = 0)
    {
        CoreOutput? output = dispatcher.Dispatch(topic, payload, 1_764_097_200_000);
        if (output is null && dispatcher.Refused)
        {
            reporter.Refused(dispatcher.RefusedExpected, topic, dispatcher.RefusedNode, dispatcher.RefusedReason, nowMs, 1_764_097_200_000);
        }
    }

    private static (InboundDispatcher, RefusalReporter, RecordingSink) Build(RefusalRateLimiter limiter)
    {
        var core = Core("[{\"name\":\"s1\",\"node\":\"n1\"}]", "[]", new KeyRing());
        var sink = new RecordingSink();
        return (new InboundDispatcher(Topics, core), new RefusalReporter(Topics, Board, core, sink, limiter), sink);
    }

    private sealed class RecordingSink : IBoardSink
    {
        private readonly List<(string Topic, byte[] Payload, bool Retain)> _published = [];

        public List<string> Lines { get; } = [];

        public EventMessage[] Events(string topic) => _published
            .Where(p => p.Topic == topic)
            .Select(p =>
            {
                Assert.False(p.Retain, "events are never retained");
                Assert.True(MessageCodec.TryDecode(p.Payload, out EventMessage? e, out CodecError? err), err?.Text);
                return e!;
            })
            .ToArray();

        public bool PersistEpoch(long epoch, string commissioned) => true;

        public bool PersistLadder(string entries) => true;

        public void Publish(string topic, byte[] payload, bool retain) => _published.Add((topic, payload, retain));

        public void Log(string line) => Lines.Add(line);
    }
}
