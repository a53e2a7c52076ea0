using Watchdog.Protocol.Topics;

namespace Watchdog.Protocol.Signing
{
    /// <summary>
    /// One party's end of the sealed traffic: it seals what this party publishes with the first
    /// key of its own role and owner, and checks what it receives. A received message passes
    /// when its seal opens under the ring, its key's role may say this on this topic (SignerMayPublish),
    /// and its sequence number is above every earlier one from the same sender on the same topic
    /// (a replay within this run is refused). Replays from before this party started are the
    /// caller's to refuse by the message's own timestamp or epoch (docs/protocol.md says which).
    /// </summary>
    public sealed class SealedChannel
    {
        private readonly object _gate = new object();
        private readonly KeyRing _ring;
        private readonly IHmacSha256 _hmac;
        private readonly KeyRole _role;
        private readonly string _owner;
        private long _lastSeq;
        private string[] _seenKeys = new string[8];
        private long[] _seenSeq = new long[8];
        private int _seen;

        public SealedChannel(KeyRing ring, IHmacSha256 hmac, KeyRole role, string owner)
        {
            _ring = ring;
            _hmac = hmac;
            _role = role;
            _owner = owner ?? "";
        }

        /// <summary>The key id this party seals with; "" when the ring holds no key of its role and owner.</summary>
        public string SigningKeyId { get { return _ring.FirstOf(_role, _owner); } }

        /// <summary>
        /// The sealed payload. The sequence number is the wall clock in microseconds, or one above
        /// the last one when that is not higher: it grows across restarts without being stored, as
        /// long as the clock does not step back further than the restart took.
        /// </summary>
        public byte[] Seal(string topic, byte[] body, long wallClockMs)
        {
            string keyId = SigningKeyId;
            if (keyId.Length == 0)
            {
                throw new System.InvalidOperationException("no " + RoleWord(_role) + " key for '" + _owner + "' in the key ring");
            }

            KeyRole role;
            string owner;
            byte[]? key = _ring.Find(keyId, out role, out owner);
            long seq;
            lock (_gate)
            {
                seq = wallClockMs * 1000;
                if (seq <= _lastSeq)
                {
                    seq = _lastSeq + 1;
                }

                _lastSeq = seq;
            }

            return MessageSeal.Seal(topic, body, keyId, key!, _owner, seq, _hmac);
        }

        /// <summary>
        /// Checks a received payload on a topic of this kind about subject (the node or board the
        /// topic names). Sealed means: decode it and act on it; anything else is refused with detail.
        /// </summary>
        public SealVerdict Check(string topic, TopicKind kind, string subject, byte[] payload, out SealInfo info, out string detail)
        {
            SealVerdict v = Verify(topic, kind, subject, payload, out info, out detail);
            if (v != SealVerdict.Sealed)
            {
                return v;
            }

            string stream = info.From + "\n" + topic;
            lock (_gate)
            {
                for (int i = 0; i < _seen; i++)
                {
                    if (_seenKeys[i] == stream)
                    {
                        if (info.Seq <= _seenSeq[i])
                        {
                            detail = "sequence " + info.Seq.ToString() + " from '" + info.From + "' is not above " + _seenSeq[i].ToString() + ", already seen on this topic";
                            return SealVerdict.Replayed;
                        }

                        _seenSeq[i] = info.Seq;
                        return SealVerdict.Sealed;
                    }
                }

                if (_seen == _seenKeys.Length)
                {
                    string[] keys = new string[_seen * 2];
                    long[] seqs = new long[_seen * 2];
                    System.Array.Copy(_seenKeys, keys, _seen);
                    System.Array.Copy(_seenSeq, seqs, _seen);
                    _seenKeys = keys;
                    _seenSeq = seqs;
                }

                _seenKeys[_seen] = stream;
                _seenSeq[_seen] = info.Seq;
                _seen++;
            }

            return SealVerdict.Sealed;
        }

        /// <summary>
        /// As Check without the replay memory: for evidence presented again and again (the grant
        /// an agent hands back in its state), where being seen before is the point.
        /// </summary>
        public SealVerdict Verify(string topic, TopicKind kind, string subject, byte[] payload, out SealInfo info, out string detail)
        {
            SealVerdict v = MessageSeal.TryOpen(topic, payload, _ring, _hmac, out info, out detail);
            if (v != SealVerdict.Sealed)
            {
                return v;
            }

            if (!SignerMayPublish(kind, subject, info))
            {
                detail = "a " + RoleWord(info.Role) + " key" + (info.Owner.Length > 0 ? " of '" + info.Owner + "'" : "") + " ('" + info.KeyId + "', from '" + info.From + "') may not sign this topic";
                return SealVerdict.WrongSigner;
            }

            return SealVerdict.Sealed;
        }

        /// <summary>
        /// The key roles: a board key (its owner the sender) for what boards publish; the key of
        /// node X, and only X's, for X's state, metrics and acknowledgements. Commands carry
        /// their own signature (CommandVerifier, operator keys) and are never sealed.
        /// </summary>
        public static bool SignerMayPublish(TopicKind kind, string subject, SealInfo info)
        {
            switch (kind)
            {
                case TopicKind.NodeState:
                case TopicKind.NodeGrantAck:
                case TopicKind.NodeMetrics:
                    return info.Role == KeyRole.Node && info.Owner == subject && info.From == subject;
                case TopicKind.NodeGrant:
                case TopicKind.NodeRequest:
                case TopicKind.GroupRoles:
                case TopicKind.CommandAck:
                    return info.Role == KeyRole.Board && info.Owner == info.From;
                case TopicKind.BoardState:
                case TopicKind.BoardChannel:
                case TopicKind.BoardMetrics:
                    return info.Role == KeyRole.Board && info.Owner == subject && info.From == subject;
                default:
                    return false;
            }
        }

        public static string RoleWord(KeyRole role)
        {
            switch (role)
            {
                case KeyRole.Board: return "board";
                case KeyRole.Node: return "node";
                default: return "operator";
            }
        }

        /// <summary>The word for a verdict, as events and docs/protocol.md name it.</summary>
        public static string VerdictWord(SealVerdict v)
        {
            switch (v)
            {
                case SealVerdict.Sealed: return "sealed";
                case SealVerdict.Unsealed: return "unsealed";
                case SealVerdict.Malformed: return "malformed-seal";
                case SealVerdict.UnknownKey: return "unknown-key";
                case SealVerdict.BadMac: return "bad-seal";
                case SealVerdict.WrongSigner: return "wrong-signer";
                case SealVerdict.Replayed: return "replayed";
                default: return "stale";
            }
        }
    }
}
