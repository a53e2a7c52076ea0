using System.Text;
using Watchdog.Board.Posix;
using Watchdog.Firmware.Glue;

namespace Watchdog.Board.Persistence;

/// <summary>
/// What the ladders remember across a restart (CoreOutput.Ladder: power cycles under way, times
/// of recent wire actions), next to the epoch file. Written like the epoch (temp file, fsync,
/// rename, fsync the directory), so a crash leaves the old or the new record. Read at start and
/// handed to WatchdogCore.RestoreLadder: a board that restarts between the forced off and the
/// press that powers the server on again finishes the cycle instead of leaving the server off,
/// and a board that keeps restarting still counts its resets against the cap. A file that does
/// not check out is ignored with a warning (LadderRecord says why that is not a reason to refuse
/// to start).
/// </summary>
public sealed class LadderFile
{
    public const string FileName = "ladder";

    public LadderFile(string stateDirectory)
    {
        StateDirectory = Path.GetFullPath(stateDirectory);
        FilePath = Path.Combine(StateDirectory, FileName);
    }

    public string StateDirectory { get; }
    public string FilePath { get; }

    /// <summary>The persisted entries, "" when none; <paramref name="warning"/> names a file that was ignored and why.</summary>
    public string Load(out string warning)
    {
        warning = "";
        string temp = FilePath + ".tmp";
        if (File.Exists(temp))
        {
            File.Delete(temp); // never renamed: the committed file is the truth
        }

        if (!File.Exists(FilePath))
        {
            return "";
        }

        string why;
        try
        {
            if (LadderRecord.TryParse(File.ReadAllText(FilePath, Encoding.UTF8), out string entries, out why))
            {
                return entries;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            why = e.Message;
        }

        warning = $"ladder file '{FilePath}' ignored ({why}): a power cycle under way when the board stopped is not finished (check that every server is on) and recent resets are not counted against the cap";
        return "";
    }

    /// <summary>Makes <paramref name="entries"/> durable; returns after the rename is on disk.</summary>
    public void Save(string entries)
    {
        string temp = FilePath + ".tmp";
        DurableFiles.WriteSynced(temp, Encoding.UTF8.GetBytes(LadderRecord.Format(entries)));
        DurableFiles.CommitRename(temp, FilePath);
    }
}
