using System.IO;
using Watchdog.Protocol.Text;

namespace Watchdog.Firmware.Glue
{
    /// <summary>
    /// The one-line ladder record (CoreOutput.Ladder: power cycles under way and the wall-clock
    /// times of recent wire actions): "watchdog-ladder 1 &lt;check&gt; &lt;entry&gt;...\n", the check
    /// being the FNV-1a hash of the entries as in EpochRecord. Unlike the epoch, a record that does
    /// not check out is not a reason to stop: it costs the resumption of a power cycle the board
    /// was in when it died and the memory of recent resets (the cap starts afresh), so the board
    /// starts without it and says so.
    /// </summary>
    public static class LadderRecord
    {
        public const string Magic = "watchdog-ladder";

        /// <summary>
        /// <paramref name="entries"/>: CoreOutput.Ladder, entries separated by single spaces (a
        /// channel name holds no space: BoardConfigValidator.CheckName).
        /// </summary>
        public static string Format(string entries)
        {
            string names = entries == null ? "" : entries;
            if (names.IndexOf('\n') >= 0 || names.StartsWith(" ") || names.EndsWith(" ") || names.IndexOf("  ") >= 0)
            {
                throw new System.ArgumentException("ladder entries are separated by single spaces: '" + names + "'", nameof(entries));
            }

            return Magic + " 1 " + EpochRecord.Hex8(EpochRecord.Check(names)) + (names.Length == 0 ? "" : " " + names) + "\n";
        }

        public static bool TryParse(string text, out string entries, out string why)
        {
            entries = "";
            string line = text.TrimEnd('\n');
            string[] parts = line.Split(' ');
            if (parts.Length < 3 || parts[0] != Magic)
            {
                why = "expected '" + Magic + " 1 <check> <entry>...', found " + EpochRecord.Describe(text);
                return false;
            }

            if (parts[1] != "1")
            {
                why = "format version '" + parts[1] + "' is not 1";
                return false;
            }

            int namesAt = Magic.Length + 1 + parts[1].Length + 1 + parts[2].Length + 1;
            string names = namesAt >= line.Length ? "" : line.Substring(namesAt);
            string expected = EpochRecord.Hex8(EpochRecord.Check(names));
            if (parts[2] != expected)
            {
                why = "check '" + parts[2] + "' does not match the entries (expected " + expected + ")";
                return false;
            }

            entries = names;
            why = "";
            return true;
        }
    }

    /// <summary>
    /// The ladder record on the ESP32's internal flash: one file, overwritten and flushed.
    /// A power cut mid-write tears it; the torn record fails its check and is ignored at the next
    /// start (LadderRecord says why that is acceptable). Uses only the System.IO calls
    /// nanoFramework.System.IO.FileSystem shares with .NET, like EpochSlots.
    /// </summary>
    public sealed class LadderSlot
    {
        public LadderSlot(string directory)
        {
            FilePath = Path.Combine(directory, "ladder");
        }

        public string FilePath { get; }

        /// <summary>The persisted entries ("" when none or no file); <paramref name="warning"/> says why a bad file was ignored.</summary>
        public string Load(out string warning)
        {
            warning = "";
            if (!File.Exists(FilePath))
            {
                return "";
            }

            byte[] bytes = File.ReadAllBytes(FilePath);
            string text;
            string entries;
            string why;
            if (!Utf8.TryGetString(bytes, 0, bytes.Length, out text))
            {
                why = "not text";
            }
            else if (LadderRecord.TryParse(text, out entries, out why))
            {
                return entries;
            }

            warning = FilePath + " ignored (" + why + "): a power cycle under way when the board stopped is not finished (check that every server is on) and recent resets are not counted against the cap";
            return "";
        }

        public void Save(string entries)
        {
            EpochSlots.WriteFlushed(FilePath, Utf8.GetBytes(LadderRecord.Format(entries)));
        }
    }
}
