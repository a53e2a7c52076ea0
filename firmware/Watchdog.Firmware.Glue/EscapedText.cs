namespace Watchdog.Firmware.Glue
{
    /// <summary>
    /// Makes text that may carry bytes of a stranger's payload safe to put in an event or a log
    /// line: a decoder's reason can quote a word it did not know (up to 2048 characters of
    /// anything, control characters and terminal escapes included).
    /// </summary>
    public static class EscapedText
    {
        private const string HexDigits = "0123456789abcdef";

        /// <summary>
        /// Printable ASCII stays as it is; a backslash becomes \\ and every other character \uXXXX,
        /// so the result is one line of plain ASCII that says exactly what was there. At most
        /// <paramref name="maxChars"/> characters of the result are kept; a cut one ends in "...".
        /// </summary>
        public static string Bounded(string text, int maxChars)
        {
            if (text == null)
            {
                return "";
            }

            int escapedLength = 0;
            for (int i = 0; i < text.Length; i++)
            {
                escapedLength += Width(text[i]);
            }

            // Cut only between whole escapes, leaving room for the "..." that says so.
            int room = escapedLength <= maxChars ? escapedLength : (maxChars < 3 ? 0 : maxChars - 3);
            // A char buffer, not a StringBuilder: the device's mscorlib has none.
            char[] buffer = new char[room + 3];
            int n = 0;
            for (int i = 0; i < text.Length && n + Width(text[i]) <= room; i++)
            {
                char c = text[i];
                if (c == '\\')
                {
                    buffer[n++] = '\\';
                    buffer[n++] = '\\';
                }
                else if (Width(c) == 1)
                {
                    buffer[n++] = c;
                }
                else
                {
                    buffer[n++] = '\\';
                    buffer[n++] = 'u';
                    buffer[n++] = HexDigits[(c >> 12) & 0xF];
                    buffer[n++] = HexDigits[(c >> 8) & 0xF];
                    buffer[n++] = HexDigits[(c >> 4) & 0xF];
                    buffer[n++] = HexDigits[c & 0xF];
                }
            }

            if (escapedLength > maxChars)
            {
                buffer[n++] = '.';
                buffer[n++] = '.';
                buffer[n++] = '.';
            }

            return new string(buffer, 0, n);
        }

        private static int Width(char c)
        {
            if (c == '\\')
            {
                return 2;
            }

            return c >= ' ' && c <= '~' ? 1 : 6;
        }
    }
}
