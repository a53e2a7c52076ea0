using Watchdog.Firmware.Core;
using Watchdog.Protocol.Json;
using Watchdog.Protocol.Messages;
using Watchdog.Protocol.Signing;
using Watchdog.Protocol.Topics;
using Watchdog.Protocol.Wire;

namespace Watchdog.Firmware.Glue
{
    /// <summary>
    /// Decodes one received MQTT message and steps the core with it. Runs on the tick thread
    /// only (the core is single-threaded). A payload that does not decode, or (with a board key)
    /// a node state or acknowledgement not sealed by that node's key, replayed, or an
    /// acknowledgement outside the clock skew, is refused: the core never sees it, and Refused,
    /// RefusedKind, RefusedExpected, RefusedNode and RefusedReason say what it was and why, for
    /// RefusalReporter. A node state's grant proof is checked here and the core told whether it
    /// holds.
    /// </summary>
    public sealed class InboundDispatcher
    {
        /// <summary>The event kind of a message refused for its seal (not its shape).</summary>
        public const string UnauthenticatedKind = "message-unauthenticated";

        private readonly TopicTree _topics;
        private readonly WatchdogCore _core;
        private readonly SealedChannel? _seals;
        private readonly long _maxSkewMs;

        public InboundDispatcher(TopicTree topics, WatchdogCore core)
            : this(topics, core, null, 0)
        {
        }

        /// <param name="seals">The board's sealed channel; null accepts unsealed messages (no board key).</param>
        /// <param name="maxSkewMs">How far an acknowledgement's timestamp may be from the board's clock.</param>
        public InboundDispatcher(TopicTree topics, WatchdogCore core, SealedChannel? seals, long maxSkewMs)
        {
            _topics = topics;
            _core = core;
            _seals = seals;
            _maxSkewMs = maxSkewMs;
        }

        /// <summary>The event kind for the last refusal: RefusalReporter.EventKind (unreadable) or UnauthenticatedKind.</summary>
        public string RefusedKind { get; private set; } = RefusalReporter.EventKind;

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

            string sealProblem = "";
            if (_seals != null && payload.Length > 0 && (parsed.Kind == TopicKind.NodeState || parsed.Kind == TopicKind.NodeGrantAck))
            {
                SealInfo info;
                string detail;
                SealVerdict v = _seals.Check(topic, parsed.Kind, parsed.Name, payload, out info, out detail);
                if (v == SealVerdict.Replayed && parsed.Kind == TopicKind.NodeState)
                {
                    // A retained state handed out again after a reconnect: already taken. Not a refusal worth an event.
                    return null;
                }

                if (v != SealVerdict.Sealed)
                {
                    sealProblem = SealedChannel.VerdictWord(v) + ": " + detail;
                }
            }

            if (sealProblem.Length > 0)
            {
                return RefuseUnauthenticated(parsed, parsed.Kind == TopicKind.NodeState ? "node state" : "grant ack", sealProblem);
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
                        return _core.Step(state, ProofHolds(state), wallClockMs);
                    }

                    break;
                case TopicKind.NodeGrantAck:
                    expected = "grant ack";
                    GrantAck? ack;
                    if (MessageCodec.TryDecode(payload, out ack, out error) && ack != null)
                    {
                        long off = ack.Timestamp - wallClockMs;
                        if (_seals != null && (off > _maxSkewMs || -off > _maxSkewMs))
                        {
                            // Not retained: a genuine acknowledgement is seconds old at most. An old one is a replay.
                            return RefuseUnauthenticated(parsed, expected, "stale: issued " + off.ToString() + " ms from the board's clock, beyond the allowed skew of " + _maxSkewMs.ToString() + " ms");
                        }

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
            RefusedKind = RefusalReporter.EventKind;
            RefusedExpected = expected;
            RefusedNode = parsed.Kind == TopicKind.Command ? "" : parsed.Name;
            RefusedReason = error == null ? "could not be decoded" : error.Text;
            return null;
        }
            private CoreOutput? RefuseUnauthenticated(ParsedTopic parsed, string expected, string reason)
        {
            Refused = true;
            RefusedKind = UnauthenticatedKind;
            RefusedExpected = expected;
            RefusedNode = parsed.Name;
            RefusedReason = reason;
            return null;
        }

        // The grant a node state hands back: sealed by a board key for this node's grant topic,
        // and saying this node, this role, this epoch. Without a board key every state is taken
        // at its word, as before sealing.
        private bool ProofHolds(NodeState state)
        {
            if (_seals == null)
            {
                return true;
            }

            if (state.GrantProof.Length == 0)
            {
                return false;
            }

            byte[] proof = Watchdog.Protocol.Text.Utf8.GetBytes(state.GrantProof);
            SealInfo info;
            string detail;
            Grant? grant;
            CodecError? error;
            return _seals.Verify(_topics.NodeGrant(state.Node), TopicKind.NodeGrant, state.Node, proof, out info, out detail) == SealVerdict.Sealed
                && MessageCodec.TryDecode(proof, out grant, out error) && grant != null
                && grant.Node == state.Node && grant.Epoch == state.Epoch && (state.Role != NodeRole.Active || grant.Role == NodeRole.Active);
        }
    }
}
