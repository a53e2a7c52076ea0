namespace Watchdog.Firmware.Glue
{
    /// <summary>
    /// The one-line epoch record, used by the ESP32 slots and the Linux board's epoch file:
    /// "watchdog-epoch 2 &lt;epoch&gt; &lt;check&gt; [&lt;channel&gt; ...]\n", the epoch and the
    /// commissioning record (CoreOutput.Commissioned: the channels this board has ever heard),
    /// where check is the FNV-1a hash of "&lt;epoch&gt;[ &lt;channel&gt; ...]" in 8 hex digits: a torn or
    /// edited record is recognised instead of being read as a smaller epoch or a shorter list.
    /// Version 1 ("watchdog-epoch 1 &lt;epoch&gt; &lt;check&gt;\n", written before the commissioning
    /// record existed) is still read: its channels are unknown (null), and the core then counts
    /// every member as commissioned, the safe side.
    /// </summary>
    public static class EpochRecord
    {
        public const string Magic = "watchdog-epoch";

        /// <summary>The record for <paramref name="epoch"/>; <paramref name="commissioned"/> null writes version 1 (channels unknown).</summary>
        public static string Format(long epoch, string? commissioned)
        {
            if (epoch < 0)
            {
                throw new System.ArgumentOutOfRangeException(nameof(epoch), "an epoch is never negative");
            }

            string digits = epoch.ToString();
            if (commissioned == null)
            {
                return Magic + " 1 " + digits + " " + Hex8(Check(digits)) + "\n";
            }

            if (commissioned.IndexOf('\n') >= 0 || commissioned.IndexOf("  ") >= 0 || (commissioned.Length > 0 && (commissioned[0] == ' ' || commissioned[commissioned.Length - 1] == ' ')))
            {
                throw new System.ArgumentException("commissioned channels must be names separated by single spaces", nameof(commissioned));
            }

            string body = commissioned.Length == 0 ? digits : digits + " " + commissioned;
            return Magic + " 2 " + digits + " " + Hex8(Check(body)) + (commissioned.Length == 0 ? "" : " " + commissioned) + "\n";
        }

        /// <summary>
        /// Reads a record. <paramref name="commissioned"/> is the channel list ("" for none), or null
        /// for a version 1 record. False, with <paramref name="why"/>, when it does not check out.
        /// </summary>
        public static bool TryParse(string text, out long epoch, out string? commissioned, out string why)
        {
            epoch = 0;
            commissioned = null;
            string line = text.TrimEnd('\n');
            string[] parts = line.Split(' ');
            if (parts.Length < 4 || parts[0] != Magic || (parts[1] == "1" && parts.Length != 4))
            {
                why = "expected '" + Magic + " 2 <epoch> <check> [<channel> ...]', found " + Describe(text);
                return false;
            }

            if (parts[1] != "1" && parts[1] != "2")
            {
                why = "format version '" + parts[1] + "' is not 1 or 2";
                return false;
            }

            string digits = parts[2];
            long value;
            if (!TryParseDigits(digits, out value))
            {
                why = "epoch '" + digits + "' is not a non-negative integer";
                return false;
            }

            string channels = "";
            for (int i = 4; i < parts.Length; i++)
            {
                if (parts[i].Length == 0)
                {
                    why = "an empty channel name in " + Describe(text);
                    return false;
                }

                channels = channels.Length == 0 ? parts[i] : channels + " " + parts[i];
            }

            string body = channels.Length == 0 ? digits : digits + " " + channels;
            string expected = Hex8(Check(body));
            if (parts[3] != expected)
            {
                why = "check '" + parts[3] + "' does not match the epoch" + (parts[1] == "2" ? " and channels" : "") + " (expected " + expected + ")";
                return false;
            }

            epoch = value;
            commissioned = parts[1] == "2" ? channels : null;
            why = "";
            return true;
        }

        private static bool TryParseDigits(string digits, out long value)
        {
            value = 0;
            if (digits.Length == 0 || digits.Length > 19)
            {
                return false;
            }

            for (int i = 0; i < digits.Length; i++)
            {
                char c = digits[i];
                if (c < '0' || c > '9')
                {
                    return false;
                }

                long next = (value * 10) + (c - '0');
                if (next < value)
                {
                    return false; // overflow
                }

                value = next;
            }

            return true;
        }

        internal static string Describe(string text)
        {
            if (text.Length == 0)
            {
                return "an empty file";
            }

            string head = text.Length > 40 ? text.Substring(0, 40) + "..." : text;
            string shown = "";
            for (int i = 0; i < head.Length; i++)
            {
                shown = head[i] == '\n' ? shown + "\\n" : shown + head.Substring(i, 1);
            }

            return "'" + shown + "'";
        }

        internal static uint Check(string digits)
        {
            uint hash = 2166136261;
            for (int i = 0; i < digits.Length; i++)
            {
                hash = unchecked((hash ^ digits[i]) * 16777619);
            }

            return hash;
        }

        internal static string Hex8(uint value)
        {
            const string digits = "0123456789abcdef";
            char[] c = new char[8];
            for (int i = 7; i >= 0; i--)
            {
                c[i] = digits[(int)(value & 0xF)];
                value >>= 4;
            }

            return new string(c);
        }
    }
}
