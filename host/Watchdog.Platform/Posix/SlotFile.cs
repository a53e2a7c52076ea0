using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace Watchdog.Platform.Posix;

/// <summary>
/// A small record made durable with one fdatasync. A grant may not leave the board before its
/// epoch is on disk, so this write sits on the failover path. Replacing a file (temp file, fsync,
/// rename, fsync of the directory) costs three journal commits, 1-35 ms each on an ext4 disk under
/// load, and more on an SD card; overwriting blocks the file already owns needs none, only the
/// data and a cache flush.
///
/// The file holds two slots of <see cref="SlotBytes"/> that take turns, as the ESP32's epoch slots
/// do: a write goes to the slot that does not hold the newest record, so a power cut mid-write
/// can tear only that one and the other still holds the previous record, which nothing published
/// has outrun (the caller publishes only after Write returns). Each slot starts with a header,
/// "watchdog-slot 1", a sequence number, the payload's length and a CRC-32 over the three, and the
/// newest slot whose CRC checks out is the record. The file is created once at its full size with
/// a durable replace, so no later write changes its size or allocates a block.
/// </summary>
public sealed class SlotFile : IDisposable
{
    /// <summary>Room for a record and its header; a board's records are a few hundred bytes.</summary>
    public const int SlotBytes = 16384;

    private const int HeaderBytes = 32;
    private static readonly byte[] Magic = Encoding.ASCII.GetBytes("watchdog-slot 1\n");

    private SafeFileHandle? _handle;
    private long _sequence;
    private int _newestSlot = -1;

    public SlotFile(string path) => FilePath = Path.GetFullPath(path);

    public string FilePath { get; }

    public bool Exists => File.Exists(FilePath);

    /// <summary>
    /// The newest record that checks out, or null when the file does not exist. Throws
    /// InvalidDataException naming the file and what is wrong with each slot when neither does.
    /// </summary>
    public byte[]? Read()
    {
        if (!File.Exists(FilePath))
        {
            return null;
        }

        byte[] bytes = File.ReadAllBytes(FilePath);
        if (bytes.Length != 2 * SlotBytes)
        {
            throw new InvalidDataException($"'{FilePath}' is {bytes.Length} bytes, not the {2 * SlotBytes} of two slots");
        }

        byte[]? newest = null;
        string whyA = "";
        string whyB = "";
        for (int slot = 0; slot < 2; slot++)
        {
            var span = new ReadOnlySpan<byte>(bytes, slot * SlotBytes, SlotBytes);
            if (TryDecode(span, out long sequence, out byte[] payload, out string why))
            {
                if (newest is null || sequence > _sequence)
                {
                    newest = payload;
                    _sequence = sequence;
                    _newestSlot = slot;
                }
            }
            else if (slot == 0)
            {
                whyA = why;
            }
            else
            {
                whyB = why;
            }
        }

        return newest ?? throw new InvalidDataException($"'{FilePath}': neither slot checks out (first: {whyA}; second: {whyB})");
    }

    /// <summary>Makes <paramref name="payload"/> the record; returns once it is on disk.</summary>
    public void Write(byte[] payload)
    {
        if (payload.Length > SlotBytes - HeaderBytes)
        {
            throw new IOException($"a record of {payload.Length} bytes does not fit a slot of '{FilePath}' ({SlotBytes - HeaderBytes} bytes)");
        }

        if (_handle is null)
        {
            Open();
        }

        int slot = _newestSlot == 0 ? 1 : 0;
        byte[] encoded = Encode(_sequence + 1, payload);
        RandomAccess.Write(_handle!, encoded, (long)slot * SlotBytes);
        DurableFiles.DataSync(_handle!, FilePath);
        _sequence++;
        _newestSlot = slot;
    }

    public void Dispose() => _handle?.Dispose();

    // The first write of this instance: an existing file is read, so that the write goes to the
    // slot after the newest and continues its sequence. A file that is missing, or that no slot
    // of checks out (the caller read it, was told, and writes anyway), is created anew at its full
    // size with a durable replace, so that no save ever changes its size.
    private void Open()
    {
        bool usable = _newestSlot >= 0;
        if (!usable && File.Exists(FilePath))
        {
            try
            {
                usable = Read() is not null;
            }
            catch (InvalidDataException)
            {
                usable = false;
            }
        }

        if (!usable)
        {
            string temp = FilePath + ".tmp";
            DurableFiles.WriteSynced(temp, new byte[2 * SlotBytes]);
            DurableFiles.CommitRename(temp, FilePath);
            _sequence = 0;
            _newestSlot = -1;
        }

        _handle = File.OpenHandle(FilePath, FileMode.Open, FileAccess.ReadWrite, FileShare.Read);
    }

    internal static byte[] Encode(long sequence, byte[] payload)
    {
        var encoded = new byte[HeaderBytes + payload.Length];
        Magic.CopyTo(encoded, 0);
        BinaryPrimitives.WriteInt64LittleEndian(encoded.AsSpan(16), sequence);
        BinaryPrimitives.WriteInt32LittleEndian(encoded.AsSpan(24), payload.Length);
        payload.CopyTo(encoded, HeaderBytes);
        BinaryPrimitives.WriteUInt32LittleEndian(encoded.AsSpan(28), Checksum(encoded));
        return encoded;
    }

    private static bool TryDecode(ReadOnlySpan<byte> slot, out long sequence, out byte[] payload, out string why)
    {
        sequence = 0;
        payload = [];
        if (slot[..16].IndexOfAnyExcept((byte)0) < 0)
        {
            why = "never written";
            return false;
        }

        if (!slot[..16].SequenceEqual(Magic))
        {
            why = "no slot header";
            return false;
        }

        sequence = BinaryPrimitives.ReadInt64LittleEndian(slot[16..]);
        int length = BinaryPrimitives.ReadInt32LittleEndian(slot[24..]);
        if (length < 0 || length > SlotBytes - HeaderBytes)
        {
            why = $"length {length} out of range";
            return false;
        }

        uint stored = BinaryPrimitives.ReadUInt32LittleEndian(slot[28..]);
        if (stored != Checksum(slot[..(HeaderBytes + length)]))
        {
            why = "CRC-32 does not match (a torn or altered write)";
            return false;
        }

        payload = slot.Slice(HeaderBytes, length).ToArray();
        why = "";
        return true;
    }

    // CRC-32 over the header without its own field, then the payload: the sequence number is
    // covered, so an old payload under a new header never reads as the newest record.
    private static uint Checksum(ReadOnlySpan<byte> encoded)
    {
        var crc = new Crc32();
        crc.Append(encoded[..28]);
        crc.Append(encoded[HeaderBytes..]);
        return crc.GetCurrentHashAsUInt32();
    }
}
