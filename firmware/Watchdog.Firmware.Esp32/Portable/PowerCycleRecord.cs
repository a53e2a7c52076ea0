using System.IO;
using Watchdog.Protocol.Text;

namespace Watchdog.Firmware.Glue
{
    /// <summary>
    /// The one-line record of the channels with a power cycle under way (CoreOutput.PowerCycles):
    /// "watchdog-power-cycles 1 &lt;names or -&gt; &lt;check&gt;\n", the check being the FNV-1a hash
    /// of the names as in EpochRecord. Unlike the epoch, a record that does not check out is not a
    /// reason to stop: it only costs the resumption of a cycle the board was in when it died
    /// (the server may stay off until an operator powers it on), so the board starts without it
    /// and says so.
    /// </summary>
    public static class PowerCycleRecord
    {
        public const string Magic = "watchdog-power-cycles";

        public static string Format(string channels)
        {
            string names = channels == null || channels.Length == 0 ? "-" : channels;
            if (names.IndexOf(' ') >= 0 || names.IndexOf('\n') >= 0)
            {
                throw new System.ArgumentException("channel names hold no spaces or line breaks: '" + names + "'", nameof(channels));
            }

            return Magic + " 1 " + names + " " + EpochRecord.Hex8(EpochRecord.Check(names)) + "\n";
        }

        public static bool TryParse(string text, out string channels, out string why)
        {
            channels = "";
            string[] parts = text.TrimEnd('\n').Split(' ');
            if (parts.Length != 4 || parts[0] != Magic)
            {
                why = "expected '" + Magic + " 1 <channels> <check>', found " + EpochRecord.Describe(text);
                return false;
            }

            if (parts[1] != "1")
            {
                why = "format version '" + parts[1] + "' is not 1";
                return false;
            }

            string expected = EpochRecord.Hex8(EpochRecord.Check(parts[2]));
            if (parts[3] != expected)
            {
                why = "check '" + parts[3] + "' does not match the channels (expected " + expected + ")";
                return false;
            }

            channels = parts[2] == "-" ? "" : parts[2];
            why = "";
            return true;
        }
    }

    /// <summary>
    /// The power-cycle record on the ESP32's internal flash: one file, overwritten and flushed.
    /// A power cut mid-write tears it; the torn record fails its check and is ignored at the next
    /// start (PowerCycleRecord says why that is acceptable). Uses only the System.IO calls
    /// nanoFramework.System.IO.FileSystem shares with .NET, like EpochSlots.
    /// </summary>
    public sealed class PowerCycleSlot
    {
        public PowerCycleSlot(string directory)
        {
            FilePath = Path.Combine(directory, "power-cycles");
        }

        public string FilePath { get; }

        /// <summary>The persisted channels ("" when none or no file); <paramref name="warning"/> says why a bad file was ignored.</summary>
        public string Load(out string warning)
        {
            warning = "";
            if (!File.Exists(FilePath))
            {
                return "";
            }

            byte[] bytes = File.ReadAllBytes(FilePath);
            string text;
            string channels;
            string why;
            if (!Utf8.TryGetString(bytes, 0, bytes.Length, out text))
            {
                why = "not text";
            }
            else if (PowerCycleRecord.TryParse(text, out channels, out why))
            {
                return channels;
            }

            warning = FilePath + " ignored (" + why + "): a power cycle under way when the board stopped is not finished; check that every server is on";
            return "";
        }

        public void Save(string channels)
        {
            byte[] bytes = Utf8.GetBytes(PowerCycleRecord.Format(channels));
            FileStream stream = new FileStream(FilePath, FileMode.Create, FileAccess.Write);
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
    }
}
