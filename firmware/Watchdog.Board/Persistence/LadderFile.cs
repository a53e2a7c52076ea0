using System.Text;
using Watchdog.Firmware.Glue;
using Watchdog.Platform.Posix;

namespace Watchdog.Board.Persistence;

/// <summary>
/// What the ladders remember across a restart (CoreOutput.Ladder: power cycles under way, times
/// of recent wire actions), next to the epoch. Kept like the epoch, in a SlotFile
/// ("ladder.slots": one fdatasync per save, and a crash mid-write leaves the previous record), and
/// read from the plain "ladder" file of a board from before the slots while no slot file exists.
/// Read at start and handed to WatchdogCore.RestoreLadder: a board that restarts between the
/// forced off and the press that powers the server on again finishes the cycle instead of leaving
/// the server off, and a board that keeps restarting still counts its resets against the cap. A
/// record that does not check out is ignored with a warning (LadderRecord says why that is not a
/// reason to refuse to start).
/// </summary>
public sealed class LadderFile : IDisposable
{
    public const string FileName = "ladder.slots";
    public const string LegacyFileName = "ladder";

    private readonly SlotFile _slots;

    public LadderFile(string stateDirectory)
    {
        StateDirectory = Path.GetFullPath(stateDirectory);
        FilePath = Path.Combine(StateDirectory, FileName);
        LegacyPath = Path.Combine(StateDirectory, LegacyFileName);
        _slots = new SlotFile(FilePath);
    }

    public string StateDirectory { get; }
    public string FilePath { get; }
    public string LegacyPath { get; }

    /// <summary>The persisted entries, "" when none; <paramref name="warning"/> names a file that was ignored and why.</summary>
    public string Load(out string warning)
    {
        warning = "";
        string path = _slots.Exists ? FilePath : LegacyPath;
        if (File.Exists(LegacyPath + ".tmp"))
        {
            File.Delete(LegacyPath + ".tmp"); // never renamed: the committed file is the truth
        }

        if (!File.Exists(path))
        {
            return "";
        }

        string why;
        try
        {
            string text = _slots.Exists
                ? Encoding.UTF8.GetString(_slots.Read()!)
                : File.ReadAllText(LegacyPath, Encoding.UTF8);
            if (LadderRecord.TryParse(text, out string entries, out why))
            {
                return entries;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            why = e.Message;
        }

        warning = $"ladder file '{path}' ignored ({why}): a power cycle under way when the board stopped is not finished (check that every server is on) and recent resets are not counted against the cap";
        return "";
    }

    /// <summary>Makes <paramref name="entries"/> durable; returns once they are on disk.</summary>
    public void Save(string entries) => _slots.Write(Encoding.UTF8.GetBytes(LadderRecord.Format(entries)));

    public void Dispose() => _slots.Dispose();
}
