using System.Text;

namespace Watchdog.Platform.Processes;

/// <summary>
/// Drains one output pipe of a child to its end, keeping only the first <c>limit</c> bytes.
/// The pipe must always be read to the end: a chatty hook whose pipe fills up would block on
/// write and look like a hang, and then be killed for a timeout that is our fault.
/// </summary>
internal sealed class BoundedCapture
{
    /// <summary>
    /// The buffer grows with what arrives instead of being allocated at the limit up front, so a
    /// caller that wants all of a tool's output can pass a limit like int.MaxValue.
    /// </summary>
    private readonly MemoryStream _kept = new();
    private readonly int _limit;
    private long _dropped;

    public BoundedCapture(int limit)
    {
        _limit = Math.Max(0, limit);
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
            int room = (int)Math.Min(_limit - _kept.Length, int.MaxValue);
            int take = Math.Min(room, count);
            _kept.Write(buffer, 0, take);
            _dropped += count - take;
        }
    }

    /// <summary>
    /// The kept text (invalid UTF-8 replaced), with "[... N more bytes]" when cut; trailing line
    /// ends are removed unless <paramref name="verbatim"/>.
    /// </summary>
    public string Text(bool verbatim = false)
    {
        lock (_kept)
        {
            string text = Encoding.UTF8.GetString(_kept.GetBuffer(), 0, (int)_kept.Length);
            if (!verbatim)
            {
                text = text.TrimEnd('\n', '\r');
            }

            return _dropped > 0 ? text + $" [... {_dropped} more bytes]" : text;
        }
    }
}
