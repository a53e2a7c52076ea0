namespace Watchdog.VirtualWires;

/// <summary>
/// One consistent reading of a wire. <see cref="EdgeCount"/> wraps at 2^32: compare two samples with
/// unchecked subtraction (<c>unchecked(b.EdgeCount - a.EdgeCount)</c>), the way a hardware pulse counter is read.
/// </summary>
/// <param name="Pin">The pin number (the gpio number of hardware/boards/virtual-rack.json).</param>
/// <param name="Value">True when the line is high, as its readers see it (while cut: the level when cut).</param>
/// <param name="EdgeCount">Edges (either direction) its readers saw since the file was created (frozen while cut).</param>
/// <param name="DrivenBy">Who wrote it last.</param>
/// <param name="WriterPid">The process id of the last writer, 0 if never written.</param>
/// <param name="LastChangeTimestamp">Stopwatch.GetTimestamp() of the last change (CLOCK_MONOTONIC, comparable across processes); the driver's, also while cut.</param>
/// <param name="Cut">True while the wire is cut between its driver and its readers (WireFile.SetCut).</param>
public readonly record struct WireSample(int Pin, bool Value, uint EdgeCount, WireWriter DrivenBy, int WriterPid, long LastChangeTimestamp, bool Cut = false);
