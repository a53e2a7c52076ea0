using Watchdog.Protocol.Messages;
using Watchdog.Protocol.Text;
using Watchdog.Protocol.Wire;

namespace Watchdog.Protocol.Signing
{
    /// <summary>
    /// The exact bytes a command's HMAC covers: every field except Signature, in a fixed order,
    /// each length-prefixed so that no value can run into the next whatever it contains:
    /// <code>
    /// wdcmd1\n
    /// id=&lt;n&gt;:&lt;n bytes&gt;\n
    /// key=&lt;n&gt;:&lt;n bytes&gt;\n
    /// target=&lt;n&gt;:&lt;n bytes&gt;\n
    /// action=&lt;n&gt;:&lt;wire word&gt;\n
    /// argument=&lt;n&gt;:&lt;n bytes&gt;\n
    /// epoch=&lt;n&gt;:&lt;decimal&gt;\n
    /// issued=&lt;n&gt;:&lt;decimal&gt;\n
    /// expires=&lt;n&gt;:&lt;decimal&gt;\n
    /// </code>
    /// n is the value's length in UTF-8 bytes, in decimal ASCII without leading zeros; values
    /// are UTF-8; numbers are decimal ASCII with '-' for negatives. docs/protocol.md shows an
    /// example byte by byte. Changing this format means a new version word ("wdcmd2").
    /// </summary>
    public static class CommandCanonicalForm
    {
        public const string Version = "wdcmd1";

        private static readonly int ActionCount = WireWords.AllActions().Length;

        public static byte[] Build(SignedCommand c)
        {
            if (c == null)
            {
                throw new System.ArgumentNullException(nameof(c));
            }

            int action = (int)c.Action;
            string actionWord = action >= 0 && action < ActionCount ? WireWords.Of(c.Action) : "#" + action.ToString();
            string[] names = { "id", "key", "target", "action", "argument", "epoch", "issued", "expires" };
            string[] values =
            {
                c.Id ?? "", c.KeyId ?? "", c.Target ?? "", actionWord, c.Argument ?? "",
                Decimal(c.Epoch), Decimal(c.IssuedAt), Decimal(c.ExpiresAt),
            };

            int size = Version.Length + 1;
            int[] lengths = new int[values.Length];
            for (int i = 0; i < values.Length; i++)
            {
                lengths[i] = Utf8.ByteCount(values[i]);
                size += names[i].Length + 1 + Decimal(lengths[i]).Length + 1 + lengths[i] + 1;
            }

            byte[] result = new byte[size];
            int p = PutAscii(Version, result, 0);
            result[p++] = (byte)'\n';
            for (int i = 0; i < values.Length; i++)
            {
                p = PutAscii(names[i], result, p);
                result[p++] = (byte)'=';
                p = PutAscii(Decimal(lengths[i]), result, p);
                result[p++] = (byte)':';
                p += Utf8.Encode(values[i], result, p);
                result[p++] = (byte)'\n';
            }

            return result;
        }

        // An action outside the table cannot come from the decoder (it refuses unknown words), but a
        // caller could cast one; it is still signed unambiguously, as '#' and its number, and the
        // verifier refuses it as malformed.
        private static int PutAscii(string s, byte[] target, int p)
        {
            for (int i = 0; i < s.Length; i++)
            {
                target[p++] = (byte)s[i];
            }

            return p;
        }

        /// <summary>Decimal digits of v without culture (long.ToString may use a culture's minus sign on .NET).</summary>
        private static string Decimal(long v)
        {
            if (v == 0)
            {
                return "0";
            }

            char[] buf = new char[20];
            int p = buf.Length;
            long n = v < 0 ? v : -v;
            while (n != 0)
            {
                buf[--p] = (char)('0' - (int)(n % 10));
                n /= 10;
            }

            if (v < 0)
            {
                buf[--p] = '-';
            }

            return new string(buf, p, buf.Length - p);
        }
    }
}
