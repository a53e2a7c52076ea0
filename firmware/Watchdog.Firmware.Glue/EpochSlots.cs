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
        /// Reads the newest good slot: the epoch and the commissioning record (null when the slot
        /// predates it). No slot at all: a fresh board (epoch 0, nobody commissioned, true). Slots
        /// that exist but none checks out: false, with a sentence naming them; the board must not guess.
        /// </summary>
        public bool TryLoad(out long epoch, out string? commissioned, out string error)
        {
            epoch = 0;
            commissioned = "";
            error = "";
            long a;
            long b;
            string? channelsA;
            string? channelsB;
            string whyA;
            string whyB;
            bool hasA = TryReadSlot(_slotA, out a, out channelsA, out whyA);
            bool hasB = TryReadSlot(_slotB, out b, out channelsB, out whyB);
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

            // Epochs only grow, so the higher one is the newer record. The commissioning record can
            // change at an unchanged epoch (a member heard for the first time), and within a run it
            // only grows: of two slots at the same epoch the one naming more channels is the newer.
            if (hasA && (!hasB || a > b || (a == b && Covers(channelsA, channelsB))))
            {
                epoch = a;
                commissioned = channelsA;
                _nextIsA = false; // overwrite the older slot next time
            }
            else
            {
                epoch = b;
                commissioned = channelsB;
                _nextIsA = true;
            }

            return true;
        }

        /// <summary>Writes the epoch and the commissioning record into the older slot and flushes it; returns once the file system has it.</summary>
        public void Save(long epoch, string? commissioned)
        {
            string path = _nextIsA ? _slotA : _slotB;
            WriteFlushed(path, Utf8.GetBytes(EpochRecord.Format(epoch, commissioned)));
            _nextIsA = !_nextIsA;
        }

        // Whether commissioning record x holds at least as much as y. Null (a record from before
        // commissioning, which counts every member as heard) holds the most.
        private static bool Covers(string? x, string? y)
        {
            if (x == null)
            {
                return true;
            }

            return y != null && Words(x) >= Words(y);
        }

        private static int Words(string text)
        {
            int words = 0;
            bool inWord = false;
            for (int i = 0; i < text.Length; i++)
            {
                bool letter = text[i] != ' ';
                if (letter && !inWord)
                {
                    words++;
                }

                inWord = letter;
            }

            return words;
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

        private static bool TryReadSlot(string path, out long epoch, out string? commissioned, out string why)
        {
            epoch = 0;
            commissioned = null;
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

            return EpochRecord.TryParse(text, out epoch, out commissioned, out why);
        }
    }
}
