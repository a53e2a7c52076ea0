using Watchdog.Firmware.Core;
using Watchdog.Protocol.Json;
using Watchdog.Protocol.Messages;
using Watchdog.Protocol.Topics;
using Watchdog.Protocol.Wire;

namespace Watchdog.Firmware.Glue
{
    /// <summary>
    /// Decodes one received MQTT message and steps the core with it. Runs on the tick thread
    /// only (the core is single-threaded). A payload that does not decode is refused: the core
    /// never sees it, and Refused, RefusedExpected, RefusedNode and RefusedReason say what it was
    /// and why, for RefusalReporter.
    /// </summary>
    public sealed class InboundDispatcher
    {
        private readonly TopicTree _topics;
        private readonly WatchdogCore _core;

        public InboundDispatcher(TopicTree topics, WatchdogCore core)
        {
            _topics = topics;
            _core = core;
        }

        /// <summary>True when the last Dispatch returned null because the payload did not decode (false when it was ignored on purpose: not our topic, a cleared retained value).</summary>
        public bool Refused { get; private set; }

        /// <summary>What the last refused message's topic carries: "node status word", "node state", "grant ack" or "signed command".</summary>
        public string RefusedExpected { get; private set; } = "";

        /// <summary>The node the last refused message's topic is about ("" for a command topic).</summary>
        public string RefusedNode { get; private set; } = "";

        /// <summary>The decoder's sentence for the last refused message: what is wrong and where.</summary>
        public string RefusedReason { get; private set; } = "";

        /// <summary>Steps the core; returns its output (apply it before the next call) or null when nothing was stepped.</summary>
        public CoreOutput? Dispatch(string topic, byte[] payload, long wallClockMs)
        {
            Refused = false;
            ParsedTopic? parsed;
            if (!_topics.TryParse(topic, out parsed) || parsed == null)
            {
                return null;
            }

            CodecError? error = null;
            string expected;
            switch (parsed.Kind)
            {
                case TopicKind.NodeStatus:
                    expected = "node status word";
                    Presence presence;
                    if (payload.Length == 0)
                    {
                        return null; // a retained status being cleared
                    }

                    if (MessageCodec.TryDecodePresence(payload, out presence, out error))
                    {
                        return _core.StepPresence(parsed.Name, presence, wallClockMs);
                    }

                    break;
                case TopicKind.NodeState:
                    expected = "node state";
                    NodeState? state;
                    if (payload.Length == 0)
                    {
                        return null;
                    }

                    if (MessageCodec.TryDecode(payload, out state, out error) && state != null)
                    {
                        return _core.Step(state, wallClockMs);
                    }

                    break;
                case TopicKind.NodeGrantAck:
                    expected = "grant ack";
                    GrantAck? ack;
                    if (MessageCodec.TryDecode(payload, out ack, out error) && ack != null)
                    {
                        return _core.Step(ack, wallClockMs);
                    }

                    break;
                case TopicKind.Command:
                    expected = "signed command";
                    SignedCommand? command;
                    if (MessageCodec.TryDecode(payload, out command, out error) && command != null)
                    {
                        return _core.Step(command, wallClockMs);
                    }

                    break;
                default:
                    return null;
            }

            Refused = true;
            RefusedExpected = expected;
            RefusedNode = parsed.Kind == TopicKind.Command ? "" : parsed.Name;
            RefusedReason = error == null ? "could not be decoded" : error.Text;
            return null;
        }
    }
}
