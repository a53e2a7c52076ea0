namespace Watchdog.VirtualWires;

/// <summary>Who drove a wire last: recorded per pin so a timeline or a test can tell a relay from a fault.</summary>
public enum WireWriter : byte
{
    Unspecified = 0,
    Board = 1,
    Server = 2,
    Agent = 3,
    Test = 4,
    Operator = 5,
}

/// <summary>
/// The byte layout of a wire file (see host/Watchdog.Sim/README.md). Little-endian, fixed; any change
/// bumps <see cref="Version"/> so an old process refuses a new file instead of misreading it.
/// </summary>
internal static class WireFileLayout
{
    /// <summary>"WDWIRES1" at offset 0.</summary>
    public static ReadOnlySpan<byte> Magic => "WDWIRES1"u8;

    public const int Version = 2;
    public const int HeaderSize = 64;
    public const int PinRecordSize = 32;

    // Header fields.
    public const int VersionOffset = 8;
    public const int PinCountOffset = 12;
    public const int PinRecordSizeOffset = 16;
    public const int HeaderSizeOffset = 20;
    public const int CreatedTimestampOffset = 24;

    // Pin record fields, relative to the record. The state word packs the edge counter (bits 0-31,
    // bytes 0-3) and the value (bit 32, so byte 4 reads 0 or 1) so that one 64-bit compare-and-swap
    // changes both together: a reader never sees a new value with an old count or the reverse.
    // Version 2 adds the cut (bit 40, byte 5) and the driven level while cut (bit 48, byte 6) to the
    // same word: while cut, bits 0-32 hold what the readers saw when the wire was cut and stay put,
    // and the driver's writes only move bit 48. Cutting, writing and reconnecting are then each one
    // compare-and-swap, so no reader can see the cut without its frozen count, and two processes
    // cutting or reconnecting at once cannot leave a half-made cut behind.
    public const int StateOffset = 0;
    public const int DrivenByOffset = 8;
    public const int WriterPidOffset = 12;
    public const int LastChangeTimestampOffset = 16;

    public const long ValueBit = 1L << 32;
    public const long CutBit = 1L << 40;
    public const long DrivenValueBit = 1L << 48;
    public const long CounterMask = 0xFFFF_FFFFL;

    public const int MaxPinCount = 4096;

    public static long FileSize(int pinCount) => HeaderSize + ((long)pinCount * PinRecordSize);
}
