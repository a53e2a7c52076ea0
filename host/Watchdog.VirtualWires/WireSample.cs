namespace Watchdog.VirtualWires;

/// <summary>
/// One consistent reading of a wire. <see cref="EdgeCount"/> wraps at 2^32: compare two samples with
/// unchecked subtraction (<c>unchecked(b.EdgeCount - a.EdgeCount)</c>), the way a hardware pulse counter is read.
/// </summary>
/// <param name="Pin">The pin number (the gpio number of hardware/boards/virtual-rack.json).</param>
/// <param name="Value">True when the line is high.</param>
/// <param name="EdgeCount">Edges (either direction) since the file was created.</param>
/// <param name="DrivenBy">Who wrote it last.</param>
/// <param name="WriterPid">The process id of the last writer, 0 if never written.</param>
/// <param name="LastChangeTimestamp">Stopwatch.GetTimestamp() of the last change (CLOCK_MONOTONIC, comparable across processes).</param>
public readonly record struct WireSample(int Pin, bool Value, uint EdgeCount, WireWriter DrivenBy, int WriterPid, long LastChangeTimestamp);
