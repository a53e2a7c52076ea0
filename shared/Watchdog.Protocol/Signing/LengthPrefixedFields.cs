using Watchdog.Protocol.Text;

namespace Watchdog.Protocol.Signing
{
    /// <summary>
    /// The layout both MAC inputs share (CommandCanonicalForm for commands, MessageSeal for sealed
    /// messages): a version word, then one field a line, each length-prefixed so that no value can
    /// run into the next whatever it contains:
    /// <code>
    /// &lt;version&gt;\n
    /// &lt;name&gt;=&lt;n&gt;:&lt;n bytes&gt;\n
    /// ...
    /// </code>
    /// n is the value's length in UTF-8 bytes, in decimal ASCII without leading zeros; values are
    /// UTF-8. Names and the version word are ASCII. A last field may carry raw bytes instead of
    /// text (a sealed message's body, as received).
    /// </summary>
    internal static class LengthPrefixedFields
    {
        /// <summary>The version line, then one line for each name and its text value.</summary>
        internal static byte[] Build(string version, string[] names, string[] values)
        {
            return Build(version, names, values, null, null, 0);
        }

        /// <summary>
        /// As Build, then, when rawName is not null, one more field holding the first rawCount
        /// bytes of raw as they are.
        /// </summary>
        internal static byte[] Build(string version, string[] names, string[] values, string? rawName, byte[]? raw, int rawCount)
        {
            int size = version.Length + 1;
            int[] lengths = new int[values.Length];
            for (int i = 0; i < values.Length; i++)
            {
                lengths[i] = Utf8.ByteCount(values[i]);
                size += FieldSize(names[i], lengths[i]);
            }

            if (rawName != null)
            {
                size += FieldSize(rawName, rawCount);
            }

            byte[] result = new byte[size];
            int p = PutAscii(version, result, 0);
            result[p++] = (byte)'\n';
            for (int i = 0; i < values.Length; i++)
            {
                p = PutHead(names[i], lengths[i], result, p);
                p += Utf8.Encode(values[i], result, p);
                result[p++] = (byte)'\n';
            }

            if (rawName != null && raw != null)
            {
                p = PutHead(rawName, rawCount, result, p);
                System.Array.Copy(raw, 0, result, p, rawCount);
                p += rawCount;
                result[p] = (byte)'\n';
            }

            return result;
        }

        /// <summary>Decimal digits of v without culture (long.ToString may use a culture's minus sign on .NET).</summary>
        internal static string Decimal(long v)
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

        // name=<n>:<n bytes>\n
        private static int FieldSize(string name, int length)
        {
            return name.Length + 1 + Decimal(length).Length + 1 + length + 1;
        }

        private static int PutHead(string name, int length, byte[] target, int p)
        {
            p = PutAscii(name, target, p);
            target[p++] = (byte)'=';
            p = PutAscii(Decimal(length), target, p);
            target[p++] = (byte)':';
            return p;
        }

        private static int PutAscii(string s, byte[] target, int p)
        {
            for (int i = 0; i < s.Length; i++)
            {
                target[p++] = (byte)s[i];
            }

            return p;
        }
    }
}
