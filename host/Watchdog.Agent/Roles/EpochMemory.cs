using System.Globalization;
using System.Text;
using Watchdog.Platform.Posix;

namespace Watchdog.Agent.Roles;

/// <summary>
/// The highest grant epoch this node has acted on, kept across agent restarts (Board:EpochFile):
/// a grant captured on the bus and replayed after a restart carries an older epoch and is
/// refused as stale. Made durable before the grant is acknowledged or its role published
/// (RoleState writes it beside the role change), so nothing the board or a peer has heard of
/// can be forgotten by a crash; the write ends a takeover, so it is one fdatasync of a slot written in
/// place (a SlotFile, "&lt;Board:EpochFile&gt;.slots"), not a temp file, fsync and rename (two
/// journal commits, and without an fsync of the directory the rename itself could be lost). The
/// plain file at Board:EpochFile, which agents wrote before the slots, is still read and the
/// higher epoch wins; it is never written again. Without a file it lives in memory only.
/// </summary>
public sealed class EpochMemory : IDisposable
{
    private readonly string _path;
    private readonly SlotFile? _slots;

    public EpochMemory(string path)
    {
        _path = path;
        _slots = path.Length > 0 ? new SlotFile(path + ".slots") : null;
    }

    public bool Durable => _slots is not null;

    /// <summary>
    /// The stored epoch, 0 when there is none; throws InvalidDataException naming the file when
    /// it holds anything else.
    /// </summary>
    public long Load()
    {
        if (_slots is null)
        {
            return 0;
        }

        long plain = 0;
        if (File.Exists(_path))
        {
            plain = Parse(File.ReadAllText(_path), _path);
        }

        byte[]? record;
        try
        {
            record = _slots.Read();
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"Board:EpochFile: {e.Message}; remove it only if no replayed grant can reach this node, or remove it and write the cluster's current epoch into '{_path}'", e);
        }

        return record is null ? plain : Math.Max(plain, Parse(Encoding.ASCII.GetString(record), _slots.FilePath));
    }

    public void Save(long epoch) => _slots?.Write(Encoding.ASCII.GetBytes(epoch.ToString(CultureInfo.InvariantCulture) + "\n"));

    public void Dispose() => _slots?.Dispose();

    private static long Parse(string text, string path)
    {
        text = text.Trim();
        if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long epoch))
        {
            throw new InvalidDataException($"Board:EpochFile '{path}' holds '{(text.Length > 40 ? text[..40] + "..." : text)}', not an epoch; remove it only if no replayed grant can reach this node, or write the cluster's current epoch into it");
        }

        return epoch;
    }
}
