using Watchdog.Protocol.Json;
using Watchdog.Protocol.Text;

namespace Watchdog.Protocol.Signing
{
    /// <summary>
    /// The authenticated envelope of a JSON message that a decision rests on (grants, requests,
    /// roles, node states, grant acknowledgements). The seal is the message's last member:
    /// <code>
    /// {...the message's own fields...,"seal":{"key":"kb1","from":"rack1","seq":1764097200000000,"mac":"&lt;64 hex&gt;"}}
    /// </code>
    /// Readers that do not check seals read the message as before (an unknown member is ignored).
    /// The MAC is HMAC-SHA256, under the key named by "key", of:
    /// <code>
    /// wdmsg1\n
    /// topic=&lt;n&gt;:&lt;topic&gt;\n
    /// key=&lt;n&gt;:&lt;key id&gt;\n
    /// from=&lt;n&gt;:&lt;sender&gt;\n
    /// seq=&lt;n&gt;:&lt;decimal&gt;\n
    /// body=&lt;n&gt;:&lt;the payload's bytes before ,"seal":&gt;\n
    /// </code>
    /// (n: length in UTF-8 bytes; LengthPrefixedFields, the layout the command canonical form
    /// shares). The topic is covered, so a sealed message cannot be moved to another node's topic;
    /// the body is covered byte for byte, and a payload whose last member is not exactly the seal
    /// is refused, so nothing unsigned can be read out of it.
    /// </summary>
    public static class MessageSeal
    {
        public const string Version = "wdmsg1";

        private static readonly byte[] Marker = Utf8.GetBytes(",\"seal\":{");

        /// <summary>
        /// The sealed payload: body (a JSON object as MessageCodec writes it) with the seal appended.
        /// </summary>
        public static byte[] Seal(string topic, byte[] body, string keyId, byte[] key, string from, long seq, IHmacSha256 hmac)
        {
            if (body == null || body.Length < 2 || body[0] != (byte)'{' || body[body.Length - 1] != (byte)'}')
            {
                throw new System.ArgumentException("only a JSON object can be sealed", nameof(body));
            }

            int prefix = body.Length - 1;
            byte[] mac = hmac.Compute(key, MacInput(topic, keyId, from, seq, body, prefix));
            JsonWriter w = new JsonWriter(160);
            w.BeginObject();
            w.Member("key", keyId);
            w.Member("from", from);
            w.Member("seq", seq);
            w.Member("mac", Hex.Encode(mac));
            w.EndObject();
            byte[] seal = w.ToUtf8();
            // body without its closing brace, then ,"seal":<object>}
            byte[] result = new byte[prefix + 8 + seal.Length + 1];
            System.Array.Copy(body, result, prefix);
            System.Array.Copy(Marker, 0, result, prefix, 8);
            System.Array.Copy(seal, 0, result, prefix + 8, seal.Length);
            result[result.Length - 1] = (byte)'}';
            return result;
        }

        /// <summary>
        /// Checks the seal of a payload received on topic against the ring. On success the
        /// payload decodes as the message (MessageCodec ignores the seal member) and info says
        /// who sealed it with which key role; whether that role may say this on this topic, and
        /// whether it is a replay, the caller decides (SealPolicy, SealReplayGuard).
        /// </summary>
        public static SealVerdict TryOpen(string topic, byte[] payload, KeyRing ring, IHmacSha256 hmac, out SealInfo info, out string detail)
        {
            info = new SealInfo();
            detail = "";
            int at = LastIndexOfMarker(payload);
            if (at < 0)
            {
                detail = "the message carries no seal";
                return SealVerdict.Unsealed;
            }

            // The seal object runs from the marker's '{' to the byte before the payload's last '}'.
            int start = at + Marker.Length - 1;
            int count = payload.Length - 1 - start;
            JsonNode? seal;
            CodecError? error;
            if (payload[payload.Length - 1] != (byte)'}' || count < 2 || !JsonParser.TryParse(payload, start, count, JsonLimits.Default, out seal, out error) || seal == null || seal.Kind != JsonKind.Object)
            {
                detail = "the seal is not a JSON object closing the message";
                return SealVerdict.Malformed;
            }

            JsonNode? keyNode = seal.Get("key");
            JsonNode? fromNode = seal.Get("from");
            JsonNode? seqNode = seal.Get("seq");
            JsonNode? macNode = seal.Get("mac");
            if (seal.Count != 4 || keyNode == null || keyNode.Kind != JsonKind.String || fromNode == null || fromNode.Kind != JsonKind.String ||
                seqNode == null || !seqNode.IsInteger || macNode == null || macNode.Kind != JsonKind.String)
            {
                detail = "the seal needs exactly key, from (strings), seq (an integer) and mac (64 hex digits)";
                return SealVerdict.Malformed;
            }

            info.KeyId = keyNode.AsString();
            info.From = fromNode.AsString();
            info.Seq = seqNode.AsInt64();
            byte[]? given;
            string macText = macNode.AsString();
            if (macText.Length != 64 || !Hex.TryDecode(macText, out given) || given == null)
            {
                detail = "the seal's mac is not 64 hex digits";
                return SealVerdict.Malformed;
            }

            KeyRole role;
            string owner;
            byte[]? key = ring.Find(info.KeyId, out role, out owner);
            if (key == null)
            {
                detail = "no key with id '" + info.KeyId + "'";
                return SealVerdict.UnknownKey;
            }

            info.Role = role;
            info.Owner = owner;
            byte[] expected = hmac.Compute(key, MacInput(topic, info.KeyId, info.From, info.Seq, payload, at));
            if (!CommandVerifier.FixedTimeEquals(expected, given))
            {
                detail = "the mac does not match the message under key '" + info.KeyId + "'";
                return SealVerdict.BadMac;
            }

            return SealVerdict.Sealed;
        }

        private static byte[] MacInput(string topic, string keyId, string from, long seq, byte[] body, int bodyCount)
        {
            string[] names = { "topic", "key", "from", "seq" };
            string[] values = { topic, keyId, from, LengthPrefixedFields.Decimal(seq) };
            return LengthPrefixedFields.Build(Version, names, values, "body", body, bodyCount);
        }

        private static int LastIndexOfMarker(byte[] payload)
        {
            for (int i = payload.Length - Marker.Length; i >= 0; i--)
            {
                int k = 0;
                while (k < Marker.Length && payload[i + k] == Marker[k])
                {
                    k++;
                }

                if (k == Marker.Length)
                {
                    return i;
                }
            }

            return -1;
        }
    }

    /// <summary>Who sealed a message: the seal's fields and the role and owner of its key.</summary>
    public sealed class SealInfo
    {
        public string KeyId { get; set; } = "";
        public string From { get; set; } = "";
        public long Seq { get; set; }
        public KeyRole Role { get; set; }
        public string Owner { get; set; } = "";
    }

    /// <summary>Why a sealed message is accepted or refused; the words are in WireWords-style docs/protocol.md.</summary>
    public enum SealVerdict
    {
        Sealed = 0,
        Unsealed = 1,
        Malformed = 2,
        UnknownKey = 3,
        BadMac = 4,
        WrongSigner = 5,
        Replayed = 6,
        Stale = 7,
    }
}
