using System.Buffers.Binary;
using System.Diagnostics;
using System.IO.MemoryMappedFiles;

namespace Watchdog.VirtualWires;

/// <summary>
/// Virtual wires: a memory-mapped file holding N pins that every process of the rack maps (boards,
/// agents, simulated servers, tests). Each pin has a value, an edge counter that increases on every
/// change (the simulated pulse counter: a reader that polls slowly still knows how many edges it
/// missed), who drove it last, that writer's pid and when it changed. Updates are lock-free CPU
/// atomics on the shared pages, so a writer killed mid-write cannot leave a lock held.
/// A wire can be cut (<see cref="SetCut"/>): its driver keeps writing, its readers see nothing move.
/// Layout: <see cref="WireFileLayout"/> and host/Watchdog.Sim/README.md.
/// </summary>
public sealed unsafe class WireFile : IDisposable
{
    /// <summary>Pins a file gets when the opener does not say (plenty for an 8-channel rack).</summary>
    public const int DefaultPinCount = 256;

    private readonly MemoryMappedFile map;
    private readonly MemoryMappedViewAccessor view;
    private readonly byte* basePointer;
    private readonly int processId = Environment.ProcessId;
    private int disposed;

    private WireFile(string path, MemoryMappedFile map, MemoryMappedViewAccessor view, int pinCount)
    {
        Path = path;
        this.map = map;
        this.view = view;
        PinCount = pinCount;
        byte* pointer = null;
        view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
        basePointer = pointer + view.PointerOffset;
    }

    public string Path { get; }

    public int PinCount { get; }

    /// <summary>Opens the wire file at <paramref name="path"/>, creating it with <paramref name="pinCount"/> low pins if missing.</summary>
    public static WireFile OpenOrCreate(string path, int pinCount = DefaultPinCount)
    {
        if (!File.Exists(path))
        {
            CreateFile(path, pinCount);
        }

        return Open(path);
    }

    /// <summary>Creates a fresh wire file (replacing any old one), all pins low with zero edges.</summary>
    public static WireFile Create(string path, int pinCount = DefaultPinCount)
    {
        File.Delete(path);
        CreateFile(path, pinCount);
        return Open(path);
    }

    /// <summary>Opens an existing wire file; throws naming the path and the problem when it is not one.</summary>
    public static WireFile Open(string path)
    {
        var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
        try
        {
            int pinCount = ValidateHeader(path, stream);
            var map = MemoryMappedFile.CreateFromFile(stream, null, 0, MemoryMappedFileAccess.ReadWrite, HandleInheritability.None, leaveOpen: false);
            var view = map.CreateViewAccessor(0, WireFileLayout.FileSize(pinCount), MemoryMappedFileAccess.ReadWrite);
            return new WireFile(path, map, view, pinCount);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>The line level as its readers see it (while cut: the level it had when cut).</summary>
    public bool Read(int pin) => (Volatile.Read(ref State(pin)) & WireFileLayout.ValueBit) != 0;

    /// <summary>
    /// The level the driver last put on the line, cut or not: what an output pin reads back on a
    /// real board (its own latch), so a driver toggling its output keeps toggling while cut.
    /// </summary>
    public bool ReadDriven(int pin)
    {
        long state = Volatile.Read(ref State(pin));
        long bit = (state & WireFileLayout.CutBit) != 0 ? WireFileLayout.DrivenValueBit : WireFileLayout.ValueBit;
        return (state & bit) != 0;
    }

    /// <summary>Edges seen by the readers since creation (wraps at 2^32; subtract unchecked). Does not move while cut.</summary>
    public uint ReadEdgeCount(int pin) => (uint)(Volatile.Read(ref State(pin)) & WireFileLayout.CounterMask);

    /// <summary>
    /// Value, edge count and cut as the readers see them (one atomic reading), and who drove the
    /// line last and when that driver last changed it (the driver's side, also while cut).
    /// </summary>
    public WireSample Sample(int pin)
    {
        long state = Volatile.Read(ref State(pin));
        byte* record = Record(pin);
        return new WireSample(
            pin,
            (state & WireFileLayout.ValueBit) != 0,
            (uint)(state & WireFileLayout.CounterMask),
            (WireWriter)Volatile.Read(ref record[WireFileLayout.DrivenByOffset]),
            Volatile.Read(ref *(int*)(record + WireFileLayout.WriterPidOffset)),
            Volatile.Read(ref *(long*)(record + WireFileLayout.LastChangeTimestampOffset)),
            (state & WireFileLayout.CutBit) != 0);
    }

    /// <summary>True while the wire is cut between its driver and its readers.</summary>
    public bool IsCut(int pin) => (Volatile.Read(ref State(pin)) & WireFileLayout.CutBit) != 0;

    /// <summary>
    /// Cuts the wire between its driver and its readers, or reconnects it. While cut the readers
    /// keep the level and edge count of the moment of the cut: a floating input that holds its last
    /// level (a bus keeper, or the input's own capacitance), chosen over a pull-up or pull-down
    /// because the cut itself then makes no edge and the level keeps agreeing with the count (odd
    /// count = high, which edge replay relies on to tell rising from falling). The driver's writes
    /// still land (its level, its name, its pid). Reconnecting shows the driver's current level,
    /// counting one edge if it differs from the frozen one, never the edges made while cut: a
    /// reader sees at most one edge, as a real input would when the wire is joined again.
    /// The flag lives in the file, so every process sees it. Returns true when the cut changed.
    /// </summary>
    public bool SetCut(int pin, bool cut)
    {
        ref long state = ref State(pin);
        while (true)
        {
            long old = Volatile.Read(ref state);
            if (((old & WireFileLayout.CutBit) != 0) == cut)
            {
                return false;
            }

            bool seen = (old & WireFileLayout.ValueBit) != 0;
            long next;
            bool edge = false;
            if (cut)
            {
                // The readers' half stays as it is; the driven level starts where the line was.
                next = old | WireFileLayout.CutBit | (seen ? WireFileLayout.DrivenValueBit : 0);
            }
            else
            {
                bool driven = (old & WireFileLayout.DrivenValueBit) != 0;
                edge = driven != seen;
                long count = edge ? unchecked((old + 1) & WireFileLayout.CounterMask) : old & WireFileLayout.CounterMask;
                next = count | (driven ? WireFileLayout.ValueBit : 0);
            }

            if (Interlocked.CompareExchange(ref state, next, old) == old)
            {
                if (edge)
                {
                    // The readers' edge happens now, at the reconnection, not when the driver moved.
                    Volatile.Write(ref *(long*)(Record(pin) + WireFileLayout.LastChangeTimestampOffset), Stopwatch.GetTimestamp());
                }

                return true;
            }
        }
    }

    /// <summary>
    /// Drives the line. A change increments the edge counter in the same atomic step; writing the
    /// level the line already has is not an edge (but still records the writer, who now holds it).
    /// While the wire is cut only the driven level moves (see <see cref="SetCut"/>).
    /// Returns true when the driven level changed.
    /// </summary>
    public bool Write(int pin, bool value, WireWriter writer)
    {
        ref long state = ref State(pin);
        bool changed;
        while (true)
        {
            long old = Volatile.Read(ref state);
            bool cut = (old & WireFileLayout.CutBit) != 0;
            bool current = (old & (cut ? WireFileLayout.DrivenValueBit : WireFileLayout.ValueBit)) != 0;
            if (current == value)
            {
                changed = false;
                break;
            }

            long next = cut
                ? (old & ~WireFileLayout.DrivenValueBit) | (value ? WireFileLayout.DrivenValueBit : 0)
                : unchecked((old + 1) & WireFileLayout.CounterMask) | (value ? WireFileLayout.ValueBit : 0);
            if (Interlocked.CompareExchange(ref state, next, old) == old)
            {
                changed = true;
                break;
            }
        }

        byte* record = Record(pin);
        Volatile.Write(ref record[WireFileLayout.DrivenByOffset], (byte)writer);
        Volatile.Write(ref *(int*)(record + WireFileLayout.WriterPidOffset), processId);
        if (changed)
        {
            Volatile.Write(ref *(long*)(record + WireFileLayout.LastChangeTimestampOffset), Stopwatch.GetTimestamp());
        }

        return changed;
    }

    /// <summary>Inverts the line (two edges per heartbeat period make one heartbeat pulse).</summary>
    public void Toggle(int pin, WireWriter writer)
    {
        // A read-then-write race with another writer only matters for a wire with two drivers,
        // which the rack never wires (each wire has one output and any number of inputs).
        Write(pin, !ReadDriven(pin), writer);
    }

    /// <summary>
    /// True when the last writer of this pin is still a live process (or nobody wrote it yet).
    /// A dead board's outputs are treated as released, like a real board whose pins float and
    /// whose relays drop out when it crashes (docs/safety-rules.md, rule 6: outputs are fail-safe).
    /// </summary>
    public bool IsWriterAlive(int pin)
    {
        int pid = Sample(pin).WriterPid;
        return pid == 0 || pid == processId || Directory.Exists("/proc/" + pid);
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0)
        {
            return;
        }

        view.SafeMemoryMappedViewHandle.ReleasePointer();
        view.Dispose();
        map.Dispose();
    }

    public override string ToString() => $"wire file {Path} ({PinCount} pins)";

    private static void CreateFile(string path, int pinCount)
    {
        if (pinCount is < 1 or > WireFileLayout.MaxPinCount)
        {
            throw new ArgumentOutOfRangeException(nameof(pinCount), pinCount, $"a wire file holds 1 to {WireFileLayout.MaxPinCount} pins");
        }

        string? dir = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path));
        if (dir is not null)
        {
            Directory.CreateDirectory(dir);
        }

        // Build it under a private name and rename it into place, so a process opening the path
        // concurrently sees either no file or a complete one, never a half-written header.
        string temp = path + ".tmp-" + Environment.ProcessId + "-" + Guid.NewGuid().ToString("N");
        try
        {
            var header = new byte[WireFileLayout.HeaderSize];
            WireFileLayout.Magic.CopyTo(header);
            BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(WireFileLayout.VersionOffset), WireFileLayout.Version);
            BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(WireFileLayout.PinCountOffset), pinCount);
            BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(WireFileLayout.PinRecordSizeOffset), WireFileLayout.PinRecordSize);
            BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(WireFileLayout.HeaderSizeOffset), WireFileLayout.HeaderSize);
            BinaryPrimitives.WriteInt64LittleEndian(header.AsSpan(WireFileLayout.CreatedTimestampOffset), Stopwatch.GetTimestamp());
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write))
            {
                stream.Write(header);
                stream.SetLength(WireFileLayout.FileSize(pinCount));
            }

            try
            {
                File.Move(temp, path, overwrite: false);
            }
            catch (IOException) when (File.Exists(path))
            {
                // Another process created it first: use theirs.
            }
        }
        finally
        {
            File.Delete(temp);
        }
    }

    private static int ValidateHeader(string path, FileStream stream)
    {
        Span<byte> header = stackalloc byte[WireFileLayout.HeaderSize];
        if (stream.Length < WireFileLayout.HeaderSize || stream.Read(header) != WireFileLayout.HeaderSize)
        {
            throw new InvalidDataException($"wire file '{path}' is {stream.Length} bytes, shorter than its {WireFileLayout.HeaderSize}-byte header");
        }

        if (!header[..8].SequenceEqual(WireFileLayout.Magic))
        {
            throw new InvalidDataException($"'{path}' is not a wire file: it does not start with WDWIRES1");
        }

        int version = BinaryPrimitives.ReadInt32LittleEndian(header[WireFileLayout.VersionOffset..]);
        int pinCount = BinaryPrimitives.ReadInt32LittleEndian(header[WireFileLayout.PinCountOffset..]);
        int recordSize = BinaryPrimitives.ReadInt32LittleEndian(header[WireFileLayout.PinRecordSizeOffset..]);
        if (version != WireFileLayout.Version || recordSize != WireFileLayout.PinRecordSize)
        {
            throw new InvalidDataException($"wire file '{path}' has layout version {version} with {recordSize}-byte pins; this build reads version {WireFileLayout.Version} with {WireFileLayout.PinRecordSize}-byte pins");
        }

        if (pinCount is < 1 or > WireFileLayout.MaxPinCount || stream.Length < WireFileLayout.FileSize(pinCount))
        {
            throw new InvalidDataException($"wire file '{path}' claims {pinCount} pins but is {stream.Length} bytes (needs {WireFileLayout.FileSize(pinCount)})");
        }

        return pinCount;
    }

    private byte* Record(int pin)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref disposed) != 0, this);

        if ((uint)pin >= (uint)PinCount)
        {
            throw new ArgumentOutOfRangeException(nameof(pin), pin, $"pin {pin} is outside {this} (0-{PinCount - 1})");
        }

        return basePointer + WireFileLayout.HeaderSize + ((long)pin * WireFileLayout.PinRecordSize);
    }

    private ref long State(int pin) => ref *(long*)(Record(pin) + WireFileLayout.StateOffset);
}
