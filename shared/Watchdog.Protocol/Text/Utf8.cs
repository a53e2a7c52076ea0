namespace Watchdog.Protocol.Text
{
    /// <summary>
    /// UTF-8 by hand: the device mscorlib has no System.Text.Encoding. Strict in both directions:
    /// decoding rejects overlong forms, encoded surrogates, code points above U+10FFFF and
    /// truncated sequences; encoding turns a lone surrogate into U+FFFD so that what we send is
    /// always valid UTF-8.
    /// </summary>
    public static class Utf8
    {
        private const char Replacement = '\uFFFD';

        /// <summary>The UTF-8 bytes of a string (null gives an empty array).</summary>
        public static byte[] GetBytes(string s)
        {
            if (s == null || s.Length == 0)
            {
                return new byte[0];
            }

            byte[] result = new byte[ByteCount(s)];
            Encode(s, result, 0);
            return result;
        }

        /// <summary>How many bytes GetBytes(s) returns.</summary>
        public static int ByteCount(string s)
        {
            if (s == null)
            {
                return 0;
            }

            int n = 0;
            for (int i = 0; i < s.Length; i++)
            {
                char c = s[i];
                if (c < 0x80)
                {
                    n += 1;
                }
                else if (c < 0x800)
                {
                    n += 2;
                }
                else if (IsHighSurrogate(c) && i + 1 < s.Length && IsLowSurrogate(s[i + 1]))
                {
                    n += 4;
                    i++;
                }
                else
                {
                    // Ordinary BMP character, or a lone surrogate written as U+FFFD (3 bytes).
                    n += 3;
                }
            }

            return n;
        }

        /// <summary>Writes the UTF-8 of s into target at offset; returns the number of bytes written. The caller sizes target with ByteCount.</summary>
        public static int Encode(string s, byte[] target, int offset)
        {
            int p = offset;
            for (int i = 0; i < s.Length; i++)
            {
                int cp = s[i];
                if (IsHighSurrogate((char)cp) && i + 1 < s.Length && IsLowSurrogate(s[i + 1]))
                {
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (s[i + 1] - 0xDC00);
                    i++;
                }
                else if (cp >= 0xD800 && cp <= 0xDFFF)
                {
                    cp = Replacement;
                }

                p += EncodeCodePoint(cp, target, p);
            }

            return p - offset;
        }

        /// <summary>Writes one code point (not a surrogate, at most U+10FFFF); returns 1 to 4.</summary>
        public static int EncodeCodePoint(int cp, byte[] target, int p)
        {
            if (cp < 0x80)
            {
                target[p] = (byte)cp;
                return 1;
            }

            if (cp < 0x800)
            {
                target[p] = (byte)(0xC0 | (cp >> 6));
                target[p + 1] = (byte)(0x80 | (cp & 0x3F));
                return 2;
            }

            if (cp < 0x10000)
            {
                target[p] = (byte)(0xE0 | (cp >> 12));
                target[p + 1] = (byte)(0x80 | ((cp >> 6) & 0x3F));
                target[p + 2] = (byte)(0x80 | (cp & 0x3F));
                return 3;
            }

            target[p] = (byte)(0xF0 | (cp >> 18));
            target[p + 1] = (byte)(0x80 | ((cp >> 12) & 0x3F));
            target[p + 2] = (byte)(0x80 | ((cp >> 6) & 0x3F));
            target[p + 3] = (byte)(0x80 | (cp & 0x3F));
            return 4;
        }

        /// <summary>
        /// Decodes bytes[offset..offset+count) when they are valid UTF-8. Returns false (and an
        /// empty string) for invalid UTF-8 or a range outside the array; never throws.
        /// </summary>
        public static bool TryGetString(byte[] bytes, int offset, int count, out string s)
        {
            s = "";
            if (bytes == null || offset < 0 || count < 0 || offset > bytes.Length - count)
            {
                return false;
            }

            if (FindInvalid(bytes, offset, count) >= 0)
            {
                return false;
            }

            // Valid UTF-8 never needs more UTF-16 units than it has bytes.
            char[] chars = new char[count];
            int n = 0;
            int end = offset + count;
            int p = offset;
            while (p < end)
            {
                int cp;
                p += DecodeAt(bytes, p, end, out cp);
                n += PutCodePoint(cp, chars, n);
            }

            s = new string(chars, 0, n);
            return true;
        }

        /// <summary>The index of the first byte that starts an invalid sequence, or -1 when the range is valid UTF-8.</summary>
        public static int FindInvalid(byte[] bytes, int offset, int count)
        {
            int end = offset + count;
            int p = offset;
            while (p < end)
            {
                if (bytes[p] < 0x80)
                {
                    p++;
                    continue;
                }

                int cp;
                int len = DecodeAt(bytes, p, end, out cp);
                if (len == 0)
                {
                    return p;
                }

                p += len;
            }

            return -1;
        }

        /// <summary>
        /// Decodes the sequence starting at bytes[p] (not past end). Returns its length (1-4) and
        /// the code point, or 0 when the sequence is invalid: a stray continuation byte, a
        /// truncated sequence, an overlong form, an encoded surrogate, or above U+10FFFF.
        /// </summary>
        public static int DecodeAt(byte[] bytes, int p, int end, out int codePoint)
        {
            codePoint = 0;
            int b0 = bytes[p];
            if (b0 < 0x80)
            {
                codePoint = b0;
                return 1;
            }

            int len;
            int cp;
            int min;
            if (b0 >= 0xC2 && b0 <= 0xDF)
            {
                len = 2;
                cp = b0 & 0x1F;
                min = 0x80;
            }
            else if (b0 >= 0xE0 && b0 <= 0xEF)
            {
                len = 3;
                cp = b0 & 0x0F;
                min = 0x800;
            }
            else if (b0 >= 0xF0 && b0 <= 0xF4)
            {
                len = 4;
                cp = b0 & 0x07;
                min = 0x10000;
            }
            else
            {
                // 0x80-0xBF: continuation without a lead; 0xC0/0xC1: always overlong; 0xF5+: beyond U+10FFFF.
                return 0;
            }

            if (end - p < len)
            {
                return 0;
            }

            for (int i = 1; i < len; i++)
            {
                int b = bytes[p + i];
                if ((b & 0xC0) != 0x80)
                {
                    return 0;
                }

                cp = (cp << 6) | (b & 0x3F);
            }

            if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            {
                return 0;
            }

            codePoint = cp;
            return len;
        }

        /// <summary>Writes a code point as one or two UTF-16 units; returns how many.</summary>
        public static int PutCodePoint(int cp, char[] target, int n)
        {
            if (cp < 0x10000)
            {
                target[n] = (char)cp;
                return 1;
            }

            cp -= 0x10000;
            target[n] = (char)(0xD800 + (cp >> 10));
            target[n + 1] = (char)(0xDC00 + (cp & 0x3FF));
            return 2;
        }

        public static bool IsHighSurrogate(char c)
        {
            return c >= '\uD800' && c <= '\uDBFF';
        }

        public static bool IsLowSurrogate(char c)
        {
            return c >= '\uDC00' && c <= '\uDFFF';
        }
    }
}
