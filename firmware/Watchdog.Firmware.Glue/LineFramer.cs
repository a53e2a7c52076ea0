namespace Watchdog.Firmware.Glue
{
    /// <summary>
    /// Cuts a byte stream (a UART) into the pair link's frames: one encoded PairFrame per line, ended
    /// by '\n' (the JSON encoding never holds a raw newline). A line longer than the buffer is
    /// noise or a foreign sender: it is dropped up to its end and counted, and the stream resyncs
    /// at the next newline. A '\r' before the newline is left to the JSON reader (whitespace).
    /// </summary>
    public sealed class LineFramer
    {
        private readonly byte[] _line;
        private int _length;
        private bool _discarding;

        public LineFramer(int maxLineBytes)
        {
            _line = new byte[maxLineBytes];
        }

        /// <summary>Lines dropped for being longer than the buffer.</summary>
        public long Overlong { get; private set; }

        /// <summary>
        /// Takes bytes <paramref name="offset"/>..+<paramref name="count"/> of <paramref name="data"/>
        /// until a line is complete: returns it (a new array) and how many bytes were used, so the
        /// caller passes the rest again; null when the bytes ended inside a line.
        /// </summary>
        public byte[]? Push(byte[] data, int offset, int count, out int used)
        {
            for (int i = 0; i < count; i++)
            {
                byte b = data[offset + i];
                if (b == (byte)'\n')
                {
                    used = i + 1;
                    bool dropped = _discarding;
                    _discarding = false;
                    int length = _length;
                    _length = 0;
                    if (dropped || length == 0)
                    {
                        continue;
                    }

                    byte[] line = new byte[length];
                    System.Array.Copy(_line, line, length);
                    return line;
                }

                if (_discarding)
                {
                    continue;
                }

                if (_length == _line.Length)
                {
                    _discarding = true;
                    _length = 0;
                    Overlong++;
                    continue;
                }

                _line[_length++] = b;
            }

            used = count;
            return null;
        }
    }
}
