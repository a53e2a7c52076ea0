using System.IO;
using Watchdog.Protocol.Text;

namespace Watchdog.Firmware.Glue
{
    /// <summary>
    /// The epoch on the device's internal flash. nanoFramework's File.Move refuses to replace an
    /// existing file, so "write temp, rename over" is not atomic there. Instead two slot files
    /// (A and B) take turns: a save overwrites the slot that does NOT hold the newest epoch, then
    /// flushes. A power cut mid-write can only tear the slot being written; the other slot still
    /// holds the previous epoch, which was never exceeded by anything published (the glue publishes
    /// only after Save returns). Load takes the highest epoch among the slots that check out.
    /// Each slot holds the same one-line record as the Linux board's epoch file.
    /// Uses only the System.IO.File/FileStream calls nanoFramework.System.IO.FileSystem shares with .NET.
    /// </summary>
    public sealed class EpochSlots
    {
        private readonly string _slotA;
        private readonly string _slotB;
        private bool _nextIsA = true;

        /// <summary><paramref name="directory"/> is "I:\\" on the ESP32's internal flash.</summary>
        public EpochSlots(string directory)
        {
            _slotA = Path.Combine(directory, "epoch.a");
            _slotB = Path.Combine(directory, "epoch.b");
        }

        public string SlotA { get { return _slotA; } }
        public string SlotB { get { return _slotB; } }

        /// <summary>
        /// Reads the newest good slot. No slot at all: a fresh board (epoch 0, true). Slots that
        /// exist but none checks out: false, with a sentence naming them; the board must not guess.
        /// </summary>
        public bool TryLoad(out long epoch, out string error)
        {
            epoch = 0;
            error = "";
            long a;
            long b;
            string whyA;
            string whyB;
            bool hasA = TryReadSlot(_slotA, out a, out whyA);
            bool hasB = TryReadSlot(_slotB, out b, out whyB);
            bool existsA = File.Exists(_slotA);
            bool existsB = File.Exists(_slotB);
            if (!existsA && !existsB)
            {
                return true;
            }

            if (!hasA && !hasB)
            {
                error = "epoch slots are corrupt (" + _slotA + ": " + whyA + "; " + _slotB + ": " + whyB + "); the board will not start on a guessed epoch";
                return false;
            }

            if (hasA && (!hasB || a >= b))
            {
                epoch = a;
                _nextIsA = false; // overwrite the older slot next time
            }
            else
            {
                epoch = b;
                _nextIsA = true;
            }

            return true;
        }

        /// <summary>Writes the epoch into the older slot and flushes it; returns once the file system has it.</summary>
        public void Save(long epoch)
        {
            string path = _nextIsA ? _slotA : _slotB;
            WriteFlushed(path, Utf8.GetBytes(EpochRecord.Format(epoch)));
            _nextIsA = !_nextIsA;
        }

        /// <summary>Overwrites <paramref name="path"/> and flushes it (shared with LadderSlot).</summary>
        internal static void WriteFlushed(string path, byte[] bytes)
        {
            FileStream stream = new FileStream(path, FileMode.Create, FileAccess.Write);
            try
            {
                stream.Write(bytes, 0, bytes.Length);
                stream.Flush();
            }
            finally
            {
                stream.Dispose();
            }
        }

        private static bool TryReadSlot(string path, out long epoch, out string why)
        {
            epoch = 0;
            if (!File.Exists(path))
            {
                why = "missing";
                return false;
            }

            byte[] bytes = File.ReadAllBytes(path);
            string text;
            if (!Utf8.TryGetString(bytes, 0, bytes.Length, out text))
            {
                why = "not text";
                return false;
            }

            return EpochRecord.TryParse(text, out epoch, out why);
        }
    }

    /// <summary>
    /// The one-line epoch record, "watchdog-epoch 1 &lt;epoch&gt; &lt;check&gt;\n", where check is the
    /// FNV-1a hash of the digits in 8 hex digits: a torn or edited record is recognised instead of
    /// being read as a smaller epoch. Used by the ESP32 slots and the Linux board's epoch file.
    /// </summary>
    public static class EpochRecord
    {
        public const string Magic = "watchdog-epoch";

        public static string Format(long epoch)
        {
            if (epoch < 0)
            {
                throw new System.ArgumentOutOfRangeException(nameof(epoch), "an epoch is never negative");
            }

            string digits = epoch.ToString();
            return Magic + " 1 " + digits + " " + Hex8(Check(digits)) + "\n";
        }

        public static bool TryParse(string text, out long epoch, out string why)
        {
            epoch = 0;
            string line = text.TrimEnd('\n');
            string[] parts = line.Split(' ');
            if (parts.Length != 4 || parts[0] != Magic)
            {
                why = "expected '" + Magic + " 1 <epoch> <check>', found " + Describe(text);
                return false;
            }

            if (parts[1] != "1")
            {
                why = "format version '" + parts[1] + "' is not 1";
                return false;
            }

            string digits = parts[2];
            long value = 0;
            bool ok = digits.Length > 0 && digits.Length <= 19;
            for (int i = 0; ok && i < digits.Length; i++)
            {
                char c = digits[i];
                if (c < '0' || c > '9')
                {
                    ok = false;
                    break;
                }

                long next = (value * 10) + (c - '0');
                if (next < value)
                {
                    ok = false; // overflow
                    break;
                }

                value = next;
            }

            if (!ok)
            {
                why = "epoch '" + digits + "' is not a non-negative integer";
                return false;
            }

            string expected = Hex8(Check(digits));
            if (parts[3] != expected)
            {
                why = "check '" + parts[3] + "' does not match the epoch (expected " + expected + ")";
                return false;
            }

            epoch = value;
            why = "";
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
