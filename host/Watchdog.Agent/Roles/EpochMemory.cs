using System.Globalization;

namespace Watchdog.Agent.Roles;

/// <summary>
/// The highest grant epoch this node has acted on, kept across agent restarts (Board:EpochFile):
/// a grant captured on the bus and replayed after a restart carries an older epoch and is
/// refused as stale. Written (temp file, fsync, rename) before the grant is acted on, so a crash
/// can lose an acted-on epoch never. Without a file it lives in memory only.
/// </summary>
public sealed class EpochMemory
{
    private readonly string _path;

    public EpochMemory(string path)
    {
        _path = path;
    }

    public bool Durable => _path.Length > 0;

    /// <summary>The stored epoch, 0 when there is none; throws InvalidDataException naming the file when it holds anything else.</summary>
    public long Load()
    {
        if (!Durable || !File.Exists(_path))
        {
            return 0;
        }

        string text = File.ReadAllText(_path).Trim();
        if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long epoch))
        {
            throw new InvalidDataException($"Board:EpochFile '{_path}' holds '{(text.Length > 40 ? text[..40] + "..." : text)}', not an epoch; remove it only if no replayed grant can reach this node, or write the cluster's current epoch into it");
        }

        return epoch;
    }

    public void Save(long epoch)
    {
        if (!Durable)
        {
            return;
        }

        string temp = _path + ".tmp";
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write))
        {
            byte[] bytes = System.Text.Encoding.ASCII.GetBytes(epoch.ToString(CultureInfo.InvariantCulture) + "\n");
            stream.Write(bytes);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temp, _path, overwrite: true);
    }
}
