using System.Text;

namespace Watchdog.Agent.Checks;

/// <summary>
/// Follows a log file like tail -F: hands over complete new lines, survives rotation by rename
/// (drains the old file, then reads the new one from its start), by truncation (copytruncate:
/// starts again at 0), and a file that does not exist yet. Lines already in the file when the
/// follower first opens it are skipped: only what is written while the agent watches counts.
/// </summary>
public sealed class LogFileFollower : IDisposable
{
    private const int MaxLineBytes = 64 * 1024;

    private readonly string _path;
    private readonly byte[] _buffer = new byte[16 * 1024];
    private readonly MemoryStream _partial = new();
    private FileStream? _stream;
    private ulong _inode;
    private bool _firstOpen = true;

    public LogFileFollower(string path)
    {
        _path = path;
    }

    /// <summary>What the follower noticed on the last poll (for tests and logs).</summary>
    public string LastEvent { get; private set; } = "";

    /// <summary>Reads whatever is new and calls onLine for every complete line.</summary>
    public void Poll(Action<string> onLine)
    {
        LastEvent = "";
        if (_stream == null && !TryOpen(fromStart: !_firstOpen))
        {
            return;
        }

        Drain(onLine);
        ulong now = FileIdentity.InodeOf(_path);
        if (now != _inode && (now != 0 || !File.Exists(_path)))
        {
            // Renamed away (or deleted): the old file is drained, continue with the new one.
            LastEvent = "rotated";
            Close();
            if (TryOpen(fromStart: true))
            {
                Drain(onLine);
            }

            return;
        }

        long length;
        try
        {
            length = new FileInfo(_path).Length;
        }
        catch (IOException)
        {
            return;
        }

        if (_stream != null && length < _stream.Position)
        {
            // copytruncate: same inode, shorter file. Start again from the beginning.
            LastEvent = "truncated";
            _stream.Position = 0;
            _partial.SetLength(0);
            Drain(onLine);
        }
    }

    public void Dispose() => Close();

    private bool TryOpen(bool fromStart)
    {
        try
        {
            _stream = new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1, FileOptions.None);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException or IOException)
        {
            // Not there yet (between rename and re-create): anything written to the new file
            // will be read from its start once it appears.
            _firstOpen = false;
            return false;
        }

        _inode = FileIdentity.InodeOf(_path);
        if (!fromStart)
        {
            _stream.Seek(0, SeekOrigin.End);
        }

        _firstOpen = false;
        _partial.SetLength(0);
        return true;
    }

    private void Drain(Action<string> onLine)
    {
        if (_stream == null)
        {
            return;
        }

        int n;
        while ((n = _stream.Read(_buffer, 0, _buffer.Length)) > 0)
        {
            int start = 0;
            for (int i = 0; i < n; i++)
            {
                if (_buffer[i] != (byte)'\n')
                {
                    continue;
                }

                _partial.Write(_buffer, start, i - start);
                onLine(TakeLine());
                start = i + 1;
            }

            _partial.Write(_buffer, start, n - start);
            if (_partial.Length > MaxLineBytes)
            {
                // A runaway line without newline: hand it over in pieces rather than grow.
                onLine(TakeLine());
            }
        }
    }

    private string TakeLine()
    {
        string line = Encoding.UTF8.GetString(_partial.GetBuffer(), 0, (int)_partial.Length).TrimEnd('\r');
        _partial.SetLength(0);
        return line;
    }

    private void Close()
    {
        _stream?.Dispose();
        _stream = null;
        _partial.SetLength(0);
    }
}
