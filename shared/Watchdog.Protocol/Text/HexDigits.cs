namespace Watchdog.Protocol.Text
{
    /// <summary>
    /// Hex digits one at a time: Signing.Hex (keys and MACs), the JSON reader's \u escapes, and the
    /// bytes error messages name.
    /// </summary>
    internal static class HexDigits
    {
        internal const string Lower = "0123456789abcdef";

        /// <summary>The value of one hex digit in either case; -1 for anything else.</summary>
        internal static int Value(int c)
        {
            if (c >= '0' && c <= '9')
            {
                return c - '0';
            }

            if (c >= 'a' && c <= 'f')
            {
                return c - 'a' + 10;
            }

            if (c >= 'A' && c <= 'F')
            {
                return c - 'A' + 10;
            }

            return -1;
        }

        /// <summary>The low byte of b as two lower-case digits.</summary>
        internal static string OfByte(int b)
        {
            return new string(new char[] { Lower[(b >> 4) & 15], Lower[b & 15] });
        }
    }
}
