using System.Text;
using Watchdog.Firmware.Glue;
using Watchdog.Platform.Posix;

namespace Watchdog.Board.Persistence;

/// <summary>
/// The board's epoch on disk. Safety rule 3: every grant carries an epoch that strictly increases
/// and survives restarts, so the new value must be durable BEFORE anything carrying it is
/// published. The record (one EpochRecord line, shared with the ESP32's flash slots, whose check
/// makes an edited record recognisable instead of being read as a smaller epoch) lives in a
/// SlotFile, "epoch.slots": one fdatasync per save, and a crash mid-write leaves the previous
/// record. A board from before the slots kept the epoch in a plain file, "epoch", replaced with
/// temp file, fsync, rename and fsync of the directory; it is still read, the higher of the two
/// epochs wins, and it is never written again, so going back to such a board reads the epoch it
/// last wrote, never more than the truth.
/// </summary>
public sealed class EpochFile : IDisposable
{
    public const string FileName = "epoch.slots";
    public const string LegacyFileName = "epoch";

    private readonly SlotFile _slots;

    public EpochFile(string stateDirectory)
    {
        StateDirectory = Path.GetFullPath(stateDirectory);
        FilePath = Path.Combine(StateDirectory, FileName);
        LegacyPath = Path.Combine(StateDirectory, LegacyFileName);
        _slots = new SlotFile(FilePath);
    }

    public string StateDirectory { get; }
    public string FilePath { get; }
    public string LegacyPath { get; }

    /// <summary>The file that holds the current epoch: the slot file once it has one, until then the legacy file.</summary>
    public string HeldIn { get; private set; } = "";

    /// <summary>
    /// Reads the persisted epoch and commissioning record (null when the record predates it). No
    /// file at all is a fresh board (epoch 0, nobody commissioned, <paramref name="fresh"/> true).
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

        if (File.Exists(LegacyPath + ".tmp"))
        {
            // A crash between writing the legacy temp file and renaming it: the rename never
            // happened, so the epoch it held was never published. The committed file is the truth.
            File.Delete(LegacyPath + ".tmp");
        }

        if (!_slots.Exists && !File.Exists(LegacyPath))
        {
            fresh = true;
            return true;
        }

        if (!TryLoadLegacy(out long legacyEpoch, out string? legacyCommissioned, out error)
            || !TryLoadSlots(out long slotEpoch, out string? slotCommissioned, out error))
        {
            return false;
        }

        (epoch, commissioned, HeldIn) = !_slots.Exists || legacyEpoch > slotEpoch
            ? (legacyEpoch, legacyCommissioned, LegacyPath)
            : (slotEpoch, slotCommissioned, FilePath);
        return true;
    }

    /// <summary>
    /// Makes <paramref name="epoch"/> and the commissioning record durable (null: unknown, as a
    /// version 1 record). Returns only once it is on disk.
    /// </summary>
    public void Save(long epoch, string? commissioned)
    {
        if (epoch < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(epoch), epoch, "an epoch is never negative");
        }

        _slots.Write(Encoding.UTF8.GetBytes(Format(epoch, commissioned)));
        HeldIn = FilePath;
    }

    public void Dispose() => _slots.Dispose();

    internal static string Format(long epoch, string? commissioned) => EpochRecord.Format(epoch, commissioned);

    internal static bool TryParse(string text, out long epoch, out string? commissioned, out string why) =>
        EpochRecord.TryParse(text, out epoch, out commissioned, out why);

    private bool TryLoadSlots(out long epoch, out string? commissioned, out string error)
    {
        epoch = 0;
        commissioned = "";
        error = "";
        byte[]? record;
        try
        {
            record = _slots.Read();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            error = Corrupt(FilePath, e.Message);
            return false;
        }

        if (record is null)
        {
            return true;
        }

        if (!TryParse(Encoding.UTF8.GetString(record), out epoch, out commissioned, out string why))
        {
            error = Corrupt(FilePath, why);
            epoch = 0;
            commissioned = "";
            return false;
        }

        return true;
    }

    private bool TryLoadLegacy(out long epoch, out string? commissioned, out string error)
    {
        epoch = 0;
        commissioned = "";
        error = "";
        if (!File.Exists(LegacyPath))
        {
            return true;
        }

        string text;
        try
        {
            text = File.ReadAllText(LegacyPath, Encoding.UTF8);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error = $"epoch file '{LegacyPath}' cannot be read: {e.Message}";
            return false;
        }

        if (!TryParse(text, out epoch, out commissioned, out string why))
        {
            error = Corrupt(LegacyPath, why);
            epoch = 0;
            commissioned = "";
            return false;
        }

        return true;
    }

    private static string Corrupt(string path, string why) =>
        $"epoch file '{path}' is corrupt ({why}); the board will not start on a guessed epoch. "
        + "Restore it, or start with --epoch-floor <n> where n is at least the highest epoch any node has seen "
        + "(the retained grants and group roles on the broker show it), then remove the bad file.";
}
