using Watchdog.Protocol.Text;

namespace Watchdog.Protocol.Signing
{
    /// <summary>Bytes as lower-case hex and back (signatures travel as hex in JSON).</summary>
    public static class Hex
    {
        public static string Encode(byte[] b)
        {
            if (b == null)
            {
                return "";
            }

            char[] c = new char[b.Length * 2];
            for (int i = 0; i < b.Length; i++)
            {
                c[i * 2] = HexDigits.Lower[b[i] >> 4];
                c[(i * 2) + 1] = HexDigits.Lower[b[i] & 15];
            }

            return new string(c);
        }

        /// <summary>Accepts an even number of hex digits in either case; false for anything else.</summary>
        public static bool TryDecode(string s, out byte[]? b)
        {
            b = null;
            if (s == null || (s.Length & 1) != 0)
            {
                return false;
            }

            byte[] result = new byte[s.Length / 2];
            for (int i = 0; i < result.Length; i++)
            {
                int hi = HexDigits.Value(s[i * 2]);
                int lo = HexDigits.Value(s[(i * 2) + 1]);
                if (hi < 0 || lo < 0)
                {
                    return false;
                }

                result[i] = (byte)((hi << 4) | lo);
            }

            b = result;
            return true;
        }
    }
}
