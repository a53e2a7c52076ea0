using System.Collections.Concurrent;
using Watchdog.Firmware.Glue;

namespace Watchdog.Board.Pair;

/// <summary>
/// The data link between the two boards of a pair over a UART (a serial device such as
/// /dev/ttyAMA0), one frame per '\n'-ended line (LineFramer, the same framing the ESP32 app uses).
/// The port is opened as a file: its speed and raw mode are the operator's to set before the board
/// starts (`stty -F /dev/ttyAMA0 230400 raw -echo`; the service unit's ExecStartPre), so the board
/// needs no serial library. A reader thread queues complete frames; the tick loop never blocks on
/// the port (a write the UART cannot take at once waits in the kernel's buffer).
/// </summary>
public sealed class SerialPairLink : IPairLink, IDisposable
{
    private const int MaxFrameBytes = 1024;
    private const int MaxQueued = 64;

    private readonly FileStream _port;
    private readonly ConcurrentQueue<byte[]> _received = new();
    private readonly Thread _reader;
    private volatile bool _stopped;

    public SerialPairLink(string device)
    {
        Device = device;
        _port = new FileStream(device, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite, 1, FileOptions.None);
        _reader = new Thread(ReadLoop) { IsBackground = true, Name = "pair-serial" };
        _reader.Start();
    }

    public string Device { get; }

    /// <summary>Frames that could not be written, or were dropped because the tick loop did not take them.</summary>
    public long Lost { get; private set; }

    public void Send(byte[] frame)
    {
        try
        {
            var line = new byte[frame.Length + 1];
            frame.CopyTo(line, 0);
            line[^1] = (byte)'\n';
            _port.Write(line);
            _port.Flush();
        }
        catch (IOException)
        {
            Lost++;
        }
    }

    public byte[]? Receive() => _received.TryDequeue(out byte[]? frame) ? frame : null;

    private void ReadLoop()
    {
        var framer = new LineFramer(MaxFrameBytes);
        var buffer = new byte[512];
        while (!_stopped)
        {
            int n;
            try
            {
                n = _port.Read(buffer, 0, buffer.Length);
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException)
            {
                return;
            }

            if (n == 0)
            {
                // A pty whose other side closed reads as end of file: a cut cable until it comes back.
                Thread.Sleep(10);
                continue;
            }

            for (int offset = 0; offset < n;)
            {
                byte[]? frame = framer.Push(buffer, offset, n - offset, out int used);
                offset += used;
                if (frame is null)
                {
                    continue;
                }

                if (_received.Count >= MaxQueued)
                {
                    Lost++;
                    continue;
                }

                _received.Enqueue(frame);
            }
        }
    }

    public void Dispose()
    {
        _stopped = true;
        _port.Dispose();
    }
}
