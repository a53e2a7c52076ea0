using System.Text;

namespace Watchdog.Platform.Processes;

/// <summary>
/// Drains one output pipe of a child to its end, keeping only the first <c>limit</c> bytes.
/// The pipe must always be read to the end: a chatty hook whose pipe fills up would block on
/// write and look like a hang, and then be killed for a timeout that is our fault.
/// </summary>
internal sealed class BoundedCapture
{
    private readonly byte[] _kept;
    private int _length;
    private long _dropped;

    public BoundedCapture(int limit)
    {
        _kept = new byte[Math.Max(0, limit)];
    }

    public async Task DrainAsync(Stream stream)
    {
        byte[] buffer = new byte[4096];
        while (true)
        {
            int n;
            try
            {
                n = await stream.ReadAsync(buffer).ConfigureAwait(false);
            }
            catch (IOException)
            {
                return;
            }
            catch (ObjectDisposedException)
            {
                return;
            }

            if (n == 0)
            {
                return;
            }

            Append(buffer, n);
        }
    }

    private void Append(byte[] buffer, int count)
    {
        lock (_kept)
        {
            int room = _kept.Length - _length;
            int take = Math.Min(room, count);
            Array.Copy(buffer, 0, _kept, _length, take);
            _length += take;
            _dropped += count - take;
        }
    }

    /// <summary>The kept text (invalid UTF-8 replaced), with "[... N more bytes]" when cut.</summary>
    public string Text()
    {
        lock (_kept)
        {
            string text = Encoding.UTF8.GetString(_kept, 0, _length).TrimEnd('\n', '\r');
            return _dropped > 0 ? text + $" [... {_dropped} more bytes]" : text;
        }
    }
}
