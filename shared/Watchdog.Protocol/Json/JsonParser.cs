using Watchdog.Protocol.Text;

namespace Watchdog.Protocol.Json
{
    /// <summary>
    /// A strict RFC 8259 reader for untrusted payloads. It never throws, checks the payload size
    /// before it allocates anything, then checks UTF-8, then parses by recursive descent with a
    /// depth limit, so everything it allocates is bounded by JsonLimits. Any whitespace, any
    /// member order; duplicate member names are refused (see JsonNode).
    /// </summary>
    public static class JsonParser
    {
        /// <summary>Parses utf8[offset..offset+count) into a tree, or returns false with an error that names the byte and what was expected there.</summary>
        public static bool TryParse(byte[] utf8, int offset, int count, JsonLimits limits, out JsonNode? root, out CodecError? error)
        {
            root = null;
            error = null;
            try
            {
                if (limits == null)
                {
                    limits = JsonLimits.Default;
                }

                if (utf8 == null || offset < 0 || count < 0 || offset > utf8.Length - count)
                {
                    error = new CodecError(CodecErrorCode.Syntax, 0, "", "no payload, or the range lies outside the buffer");
                    return false;
                }

                if (count > limits.MaxBytes)
                {
                    error = new CodecError(CodecErrorCode.TooLarge, 0, "", "payload of " + count.ToString() + " bytes is larger than the limit of " + limits.MaxBytes.ToString() + " bytes");
                    return false;
                }

                int bad = Utf8.FindInvalid(utf8, offset, count);
                if (bad >= 0)
                {
                    error = CodecError.AtByte(CodecErrorCode.InvalidUtf8, bad - offset, "invalid UTF-8 sequence starting with 0x" + HexDigits.OfByte(utf8[bad]));
                    return false;
                }

                JsonReader reader = new JsonReader(utf8, offset, count, limits);
                root = reader.ReadDocument();
                error = reader.Error;
                if (error != null)
                {
                    root = null;
                    return false;
                }

                return true;
            }
            catch (System.Exception ex)
            {
                // Not expected: the reader checks every index. Kept so that a bug here can never
                // take down the board's message loop; the property tests would show it.
                root = null;
                error = new CodecError(CodecErrorCode.Syntax, 0, "", "internal reader failure: " + ex.Message);
                return false;
            }
        }

        /// <summary>Parses a whole array with the default limits.</summary>
        public static bool TryParse(byte[] utf8, out JsonNode? root, out CodecError? error)
        {
            if (utf8 == null)
            {
                root = null;
                error = new CodecError(CodecErrorCode.Syntax, 0, "", "no payload");
                return false;
            }

            return TryParse(utf8, 0, utf8.Length, JsonLimits.Default, out root, out error);
        }
    }
}
