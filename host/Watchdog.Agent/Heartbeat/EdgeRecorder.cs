using System.Buffers.Binary;
using System.IO.MemoryMappedFiles;

namespace Watchdog.Agent.Heartbeat;

/// <summary>
/// The heartbeat's flight recorder: the last <see cref="Capacity"/> edges the pump wrote, each
/// with when (wall clock), how late it was, how late the thread woke for it and the garbage
/// collection pause in its wait, in a memory-mapped file. An agent that is frozen or killed
/// cannot publish why its last edge came late, but the pages it wrote stay in the file: what a
/// board judged a hang can then be read against what the agent did. Opening keeps the file a
/// previous run left as <c>&lt;path&gt;.previous</c>, so the agent that starts after a reset does
/// not overwrite the edges before it.
/// The file outlives the agent's process; a server reset keeps only the pages the kernel had
/// written back by then (dirty pages wait up to 30 s by default). The virtual rack's reset
/// freezes processes, so there it is whole.
/// Layout (little-endian): a 32-byte header (magic "WDER", version, capacity, then the count of
/// edges ever recorded as a long) and <see cref="Capacity"/> records of 32 bytes.
/// </summary>
public sealed class EdgeRecorder : IDisposable
{
    /// <summary>1024 edges: 10 s at a 20 ms period, 100 s at the default 200 ms.</summary>
    public const int Capacity = 1024;

    private const int Magic = 0x52454457; // "WDER"
    private const int Version = 1;
    private const int HeaderBytes = 32;
    private const int CountOffset = 16;
    private const int RecordBytes = 32;

    private readonly MemoryMappedFile _map;
    private readonly MemoryMappedViewAccessor _view;
    private long _count;

    private EdgeRecorder(MemoryMappedFile map, MemoryMappedViewAccessor view)
    {
        _map = map;
        _view = view;
    }

    /// <summary>The file's size: the header and every record.</summary>
    public static long FileBytes => HeaderBytes + (long)Capacity * RecordBytes;

    /// <summary>
    /// Creates the recorder at <paramref name="path"/>, moving a file already there to
    /// <c>&lt;path&gt;.previous</c> first. Throws IOException or UnauthorizedAccessException naming the path.
    /// </summary>
    public static EdgeRecorder Create(string path)
    {
        if (File.Exists(path))
        {
            File.Move(path, path + ".previous", overwrite: true);
        }

        var header = new byte[HeaderBytes];
        BinaryPrimitives.WriteInt32LittleEndian(header, Magic);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(4), Version);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(8), Capacity);
        using (var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write))
        {
            stream.Write(header);
            stream.SetLength(FileBytes);
        }

        var map = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, FileBytes, MemoryMappedFileAccess.ReadWrite);
        return new EdgeRecorder(map, map.CreateViewAccessor(0, FileBytes, MemoryMappedFileAccess.ReadWrite));
    }

    /// <summary>
    /// Records one edge: on the pump thread, after the write, allocating nothing. The count moves
    /// after the record: a stopped agent's file is whole; a reader of a running agent's file may
    /// find the newest record half written.
    /// </summary>
    public void Add(long wallMs, long lateMs, long wokeLateMs, long gcPauseMs)
    {
        long at = HeaderBytes + (_count % Capacity) * RecordBytes;
        _view.Write(at, wallMs);
        _view.Write(at + 8, (int)Math.Clamp(lateMs, 0, int.MaxValue));
        _view.Write(at + 12, (int)Math.Clamp(wokeLateMs, 0, int.MaxValue));
        _view.Write(at + 16, (int)Math.Clamp(gcPauseMs, 0, int.MaxValue));
        _count++;
        _view.Write(CountOffset, _count);
    }

    public void Dispose()
    {
        _view.Dispose();
        _map.Dispose();
    }

    /// <summary>
    /// The recorded edges in the order they were written (at most <see cref="Capacity"/>, the
    /// latest last). Throws InvalidDataException naming the file when it is not a recorder's.
    /// </summary>
    public static IReadOnlyList<RecordedEdge> Read(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        if (bytes.Length < HeaderBytes || BinaryPrimitives.ReadInt32LittleEndian(bytes) != Magic)
        {
            throw new InvalidDataException($"{path}: not a heartbeat edge record (no \"WDER\" header)");
        }

        int version = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(4));
        int capacity = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(8));
        if (version != Version || capacity <= 0 || bytes.Length < HeaderBytes + (long)capacity * RecordBytes)
        {
            throw new InvalidDataException($"{path}: edge record version {version} with {capacity} records in {bytes.Length} bytes; this reader knows version {Version}, whole files only");
        }

        long count = BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(CountOffset));
        var edges = new List<RecordedEdge>();
        for (long n = Math.Max(0, count - capacity); n < count; n++)
        {
            var record = bytes.AsSpan((int)(HeaderBytes + (n % capacity) * RecordBytes), RecordBytes);
            edges.Add(new RecordedEdge(
                BinaryPrimitives.ReadInt64LittleEndian(record),
                BinaryPrimitives.ReadInt32LittleEndian(record[8..]),
                BinaryPrimitives.ReadInt32LittleEndian(record[12..]),
                BinaryPrimitives.ReadInt32LittleEndian(record[16..])));
        }

        return edges;
    }
}

/// <summary>One recorded edge: when it was written (ms since the Unix epoch) and, in ms, how late, how late the thread woke, and the collector's pause in its wait.</summary>
public readonly record struct RecordedEdge(long WallMs, int LateMs, int WokeLateMs, int GcPauseMs)
{
    /// <summary>The agent's own time after waking: its checks and the write.</summary>
    public int WorkMs => LateMs - WokeLateMs;
}
