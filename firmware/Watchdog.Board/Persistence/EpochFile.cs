using System.Text;
using Watchdog.Board.Posix;
using Watchdog.Firmware.Glue;

namespace Watchdog.Board.Persistence;

/// <summary>
/// The board's epoch on disk. Safety rule 3: every grant carries an epoch that strictly increases
/// and survives restarts, so the new value must be durable BEFORE anything carrying it is
/// published. Write order: temp file, fsync it, rename over the old file, fsync the directory.
/// A crash at any point leaves either the old or the new file, never a torn one; a torn temp file
/// is ignored (and removed) on the next start. The file holds one EpochRecord line (shared with
/// the ESP32's flash slots), whose check makes a truncated or edited file recognisable instead of
/// being read as a smaller epoch.
/// </summary>
public sealed class EpochFile
{
    public const string FileName = "epoch";
    private const string TempSuffix = ".tmp";

    public EpochFile(string stateDirectory)
    {
        StateDirectory = Path.GetFullPath(stateDirectory);
        FilePath = Path.Combine(StateDirectory, FileName);
        TempPath = FilePath + TempSuffix;
    }

    public string StateDirectory { get; }
    public string FilePath { get; }
    internal string TempPath { get; }

    /// <summary>
    /// Reads the persisted epoch and commissioning record (null when the file predates it). A
    /// missing file is a fresh board (epoch 0, nobody commissioned, <paramref name="fresh"/> true).
    /// A file that cannot be read or does not check out returns false with a message that names
    /// the file and says what to do; the board must not start on a guessed epoch.
    /// </summary>
    public bool TryLoad(out long epoch, out string? commissioned, out bool fresh, out string error)
    {
        epoch = 0;
        commissioned = "";
        fresh = false;
        error = "";
        if (!Directory.Exists(StateDirectory))
        {
            error = $"state directory '{StateDirectory}' does not exist (create it, owned by the user the board runs as)";
            return false;
        }

        if (File.Exists(TempPath))
        {
            // A crash between writing the temp file and renaming it: the rename never happened,
            // so the epoch it held was never published. The committed file is the truth.
            File.Delete(TempPath);
        }

        if (!File.Exists(FilePath))
        {
            fresh = true;
            return true;
        }

        string text;
        try
        {
            text = File.ReadAllText(FilePath, Encoding.UTF8);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error = $"epoch file '{FilePath}' cannot be read: {e.Message}";
            return false;
        }

        if (!TryParse(text, out epoch, out commissioned, out string why))
        {
            error = $"epoch file '{FilePath}' is corrupt ({why}); the board will not start on a guessed epoch. "
                + "Restore it, or start with --epoch-floor <n> where n is at least the highest epoch any node has seen "
                + "(the retained grants and group roles on the broker show it), then remove the bad file.";
            epoch = 0;
            commissioned = "";
            return false;
        }

        return true;
    }

    /// <summary>
    /// Makes <paramref name="epoch"/> and the commissioning record durable (null: unknown, as a
    /// version 1 record). Returns only after the rename is on disk.
    /// </summary>
    public void Save(long epoch, string? commissioned)
    {
        WriteTemp(epoch, commissioned);
        Commit();
    }

    /// <summary>Step 1: the temp file, fsynced. Separate so tests can stop here, as a crash would.</summary>
    internal void WriteTemp(long epoch, string? commissioned)
    {
        if (epoch < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(epoch), epoch, "an epoch is never negative");
        }

        DurableFiles.WriteSynced(TempPath, Encoding.UTF8.GetBytes(Format(epoch, commissioned)));
    }

    /// <summary>Step 2: rename over the committed file and fsync the directory entry.</summary>
    internal void Commit() => DurableFiles.CommitRename(TempPath, FilePath);

    internal static string Format(long epoch, string? commissioned) => EpochRecord.Format(epoch, commissioned);

    internal static bool TryParse(string text, out long epoch, out string? commissioned, out string why) =>
        EpochRecord.TryParse(text, out epoch, out commissioned, out why);
}
