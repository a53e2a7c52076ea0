using Watchdog.Protocol.Text;
using Watchdog.Protocol.Wire;

namespace Watchdog.Protocol.Json
{
    /// <summary>
    /// Every message of docs/protocol.md to and from compact JSON (UTF-8). Field names are short
    /// snake_case words, timestamps are "ts" in ms since the Unix epoch, enum values are the words
    /// of WireWords. Readers are tolerant (any order and whitespace, unknown fields ignored,
    /// optional fields default) but strict about types, words and required fields, and they
    /// never throw: TryDecode returns false with a CodecError naming the byte or the field.
    /// Encoding shares one writer under a lock, so it allocates only the result.
    /// Each message is described once, as a field list (MessageFields) walked both ways; the
    /// lists live in MessageCodec.Node.cs, .Board.cs, .Command.cs and .Pair.cs (the frames of the
    /// board-to-board link, which never travel on MQTT).
    /// </summary>
    public static partial class MessageCodec
    {
        /// <summary>Longest status payload accepted: the words are short, anything longer is junk.</summary>
        public const int MaxPresenceBytes = 64;

        // Readability of the field lists: f.Text("board", m.Board, Required).
        private const bool Required = true;
        private const bool Optional = false;

        private static readonly object Gate = new object();
        private static readonly JsonWriter SharedWriter = new JsonWriter(512);
        private static readonly MessageFields SharedWriting = MessageFields.Writing(SharedWriter);

        /// <summary>
        /// A message's field list: the one description of its members (name, type, required or
        /// not, in wire order), walked by EncodeWith to write them and by DecodeWith to read them.
        /// </summary>
        private delegate void FieldList(MessageFields f, object message);

        /// <summary>A status topic carries the bare word, e.g. ready or lost (Homie's convention), not JSON.</summary>
        public static byte[] EncodePresence(Presence p)
        {
            return Utf8.GetBytes(WireWords.Of(p));
        }

        /// <summary>Reads a status word; surrounding whitespace is ignored.</summary>
        public static bool TryDecodePresence(byte[] payload, out Presence p, out CodecError? error)
        {
            p = Presence.Init;
            error = null;
            if (payload == null)
            {
                error = new CodecError(CodecErrorCode.Syntax, 0, "", "no payload");
                return false;
            }

            if (payload.Length > MaxPresenceBytes)
            {
                error = new CodecError(CodecErrorCode.TooLarge, 0, "", "status payload of " + payload.Length.ToString() + " bytes is longer than the limit of " + MaxPresenceBytes.ToString() + " bytes");
                return false;
            }

            string text;
            if (!Utf8.TryGetString(payload, 0, payload.Length, out text))
            {
                int bad = Utf8.FindInvalid(payload, 0, payload.Length);
                error = CodecError.AtByte(CodecErrorCode.InvalidUtf8, bad, "invalid UTF-8 in a status word");
                return false;
            }

            string word = text.Trim();
            if (!WireWords.TryParse(word, out p))
            {
                error = new CodecError(CodecErrorCode.UnknownWord, 0, "", "unknown status word '" + word + "', expected one of " + WireWords.Join(WireWords.AllPresences()));
                return false;
            }

            return true;
        }

        /// <summary>
        /// Encodes m, walking its field list with the shared writer. Under Gate, so the writer and
        /// its pass are reused and only the result is allocated.
        /// </summary>
        private static byte[] EncodeWith(FieldList fields, object m)
        {
            if (m == null)
            {
                throw new System.ArgumentNullException(nameof(m), "cannot encode a null message");
            }

            lock (Gate)
            {
                SharedWriter.Reset();
                SharedWriter.BeginObject();
                fields(SharedWriting, m);
                SharedWriter.EndObject();
                return SharedWriter.ToUtf8();
            }
        }

        /// <summary>
        /// Reads the payload into the empty message m by its field list: m when the payload opened
        /// and no field went wrong, otherwise null with the first problem in error.
        /// </summary>
        private static object? DecodeWith(FieldList fields, byte[] payload, object m, out CodecError? error)
        {
            FieldReader? r = Open(payload, out error);
            if (r == null)
            {
                return null;
            }

            fields(MessageFields.Reading(r), m);
            error = r.Error;
            return error == null ? m : null;
        }

        /// <summary>Parses the payload and opens its root object, or returns null with the error.</summary>
        private static FieldReader? Open(byte[] payload, out CodecError? error)
        {
            JsonNode? root;
            if (payload == null)
            {
                error = new CodecError(CodecErrorCode.Syntax, 0, "", "no payload");
                return null;
            }

            if (!JsonParser.TryParse(payload, 0, payload.Length, JsonLimits.Default, out root, out error))
            {
                return null;
            }

            FieldReader r = FieldReader.ForRoot(root!);
            if (r.Error != null)
            {
                error = r.Error;
                return null;
            }

            return r;
        }
    }
}
