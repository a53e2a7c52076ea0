using Watchdog.Firmware.Core;
using Watchdog.Protocol.Json;
using Watchdog.Protocol.Messages;
using Watchdog.Protocol.Topics;
using Watchdog.Protocol.Wire;

namespace Watchdog.Firmware.Glue
{
    /// <summary>
    /// Makes refused inbound messages visible on MQTT: each one the rate limit admits is published
    /// on the board's event topic as a warning of kind message-unreadable (the word the agents use
    /// for the same thing) naming what was expected, the topic and the decoder's reason, and is
    /// logged with the same text. Refusals the limit leaves out are counted, and the count goes out
    /// with the next event, or in a summary event from Flush (every tick) once the window has room,
    /// so nothing is lost silently. The payload itself is never quoted; the reason, which can quote
    /// a word from it, is escaped and cut to MaxReasonChars.
    /// Shared by the Linux board and the ESP32 app; runs on the tick thread only.
    /// </summary>
    public sealed class RefusalReporter
    {
        public const string EventKind = "message-unreadable";

        /// <summary>
        /// At most 5 events per 10 s. The ESP32's MQTT queue holds 64 messages and drops the oldest
        /// non-retained one when full, so a flood of garbage (a looping client, an attacker) must not
        /// fill it with refusals and push out a fenced-and-held or a command acknowledgement; 5 in
        /// 10 s is at most 5 of those 64 slots at a time. Five is still enough for an operator to see
        /// the first few distinct problems (one per topic, say), and the rest are counted.
        /// </summary>
        public const int MaxEventsPerWindow = 5;

        public const long WindowMs = 10000;

        /// <summary>The escaped reason is cut to this many characters (the codec's own sentences are far shorter).</summary>
        public const int MaxReasonChars = 240;

        private readonly IBoardSink _sink;
        private readonly WatchdogCore _core;
        private readonly string _board;
        private readonly string _eventTopic;
        private readonly RefusalRateLimiter _limiter;
        private readonly EventMessage _event = new EventMessage();
        private string _lastLeftOutExpected = "";
        private string _lastLeftOutTopic = "";
        private string _lastLeftOutReason = "";

        public RefusalReporter(TopicTree topics, string board, WatchdogCore core, IBoardSink sink)
            : this(topics, board, core, sink, new RefusalRateLimiter(MaxEventsPerWindow, WindowMs))
        {
        }

        /// <summary>With another limit (tests).</summary>
        public RefusalReporter(TopicTree topics, string board, WatchdogCore core, IBoardSink sink, RefusalRateLimiter limiter)
        {
            _sink = sink;
            _core = core;
            _board = board;
            _eventTopic = topics.Event(board);
            _limiter = limiter;
        }

        /// <summary>Refused messages since start, published or not.</summary>
        public long Total { get; private set; }

        /// <summary>
        /// One refused message. <paramref name="expected"/> says what the topic carries ("node state"),
        /// <paramref name="node"/> the node it is about or "", <paramref name="reason"/> the decoder's error.
        /// </summary>
        public void Refused(string expected, string topic, string node, string reason, long nowMs, long wallClockMs)
        {
            Refused(EventKind, expected, topic, node, reason, nowMs, wallClockMs);
        }

        /// <summary>As Refused, with the event's kind: EventKind, or InboundDispatcher.UnauthenticatedKind for a seal that does not check out.</summary>
        public void Refused(string kind, string expected, string topic, string node, string reason, long nowMs, long wallClockMs)
        {
            Total++;
            if (!_limiter.TryAdmit(nowMs))
            {
                // Kept by reference, formatted only if the summary needs it: a flood costs no strings here.
                _lastLeftOutExpected = expected;
                _lastLeftOutTopic = topic;
                _lastLeftOutReason = reason;
                return;
            }

            string what = Describe(expected, topic, reason);
            long leftOut = _limiter.TakeLeftOut();
            string detail = leftOut == 0
                ? what
                : what + "; " + leftOut.ToString() + " more unreadable message(s) were left out before this one" + LimitText();
            Publish(kind, node, detail, wallClockMs);
        }

        /// <summary>Called every tick: publishes the count of left-out refusals once the window has room.</summary>
        public void Flush(long nowMs, long wallClockMs)
        {
            if (!_limiter.TryAdmitSummary(nowMs))
            {
                return;
            }

            long leftOut = _limiter.TakeLeftOut();
            string last = Describe(_lastLeftOutExpected, _lastLeftOutTopic, _lastLeftOutReason);
            Publish(EventKind, "", leftOut.ToString() + " unreadable message(s) were left out since the last such event" + LimitText() + "; the last: " + last, wallClockMs);
        }

        private static string Describe(string expected, string topic, string reason)
        {
            // Topics that reach here parsed as ours (names without control characters), but escaping costs nothing.
            return expected + " on " + EscapedText.Bounded(topic, 160) + ": " + EscapedText.Bounded(reason, MaxReasonChars);
        }

        private string LimitText()
        {
            long ms = _limiter.WindowMs;
            string window = ms % 1000 == 0 ? (ms / 1000).ToString() + " s" : ms.ToString() + " ms";
            return " (at most " + _limiter.MaxPerWindow.ToString() + " such events per " + window + ")";
        }

        private void Publish(string kind, string node, string detail, long wallClockMs)
        {
            _event.Source = _board;
            _event.Kind = kind;
            // Unreadable is a fault somewhere; a seal that does not check out is someone publishing what they may not.
            _event.Severity = kind == EventKind ? Severity.Warning : Severity.Alert;
            _event.Node = node;
            _event.Group = "";
            _event.Epoch = _core.Epoch;
            _event.Detail = detail;
            _event.Timestamp = wallClockMs;
            _sink.Log("refused: " + detail + " [" + Total.ToString() + " refused since start]");
            _sink.Publish(_eventTopic, MessageCodec.Encode(_event), false);
        }
    }
}
