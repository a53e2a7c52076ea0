using Watchdog.Firmware.Core;
using Watchdog.Protocol.Json;
using Watchdog.Protocol.Messages;
using Watchdog.Protocol.Topics;
using Watchdog.Protocol.Wire;

namespace Watchdog.Firmware.Glue
{
    /// <summary>
    /// Decodes one received MQTT message and steps the core with it. Runs on the tick thread
    /// only (the core is single-threaded). A payload that does not decode is refused with the
    /// codec's sentence in LastError; the core never sees it.
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

        /// <summary>Why the last Dispatch returned null ("" when it was ignored on purpose: not our topic).</summary>
        public string LastError { get; private set; } = "";

        /// <summary>Steps the core; returns its output (apply it before the next call) or null when nothing was stepped.</summary>
        public CoreOutput? Dispatch(string topic, byte[] payload, long wallClockMs)
        {
            LastError = "";
            ParsedTopic? parsed;
            if (!_topics.TryParse(topic, out parsed) || parsed == null)
            {
                return null;
            }

            CodecError? error = null;
            switch (parsed.Kind)
            {
                case TopicKind.NodeStatus:
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
                    GrantAck? ack;
                    if (MessageCodec.TryDecode(payload, out ack, out error) && ack != null)
                    {
                        return _core.Step(ack, wallClockMs);
                    }

                    break;
                case TopicKind.Command:
                    SignedCommand? command;
                    if (MessageCodec.TryDecode(payload, out command, out error) && command != null)
                    {
                        return _core.Step(command, wallClockMs);
                    }

                    break;
                default:
                    return null;
            }

            LastError = topic + ": " + (error == null ? "could not be decoded" : error.Text);
            return null;
        }
    }
}
