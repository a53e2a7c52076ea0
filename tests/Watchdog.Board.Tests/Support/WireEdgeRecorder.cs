using Watchdog.Platform.Posix;
using Watchdog.VirtualWires;

namespace Watchdog.Board.Tests.Support;

/// <summary>
/// Records every change of one wire with the writer's own timestamp, on a real-time thread that
/// samples the wire file every millisecond, so a pulse is seen even when the test's own threads
/// are starved for longer than the pulse (seen on a 2-core host at load 8: a 200 ms reset pulse
/// missed by a level poll, the test then waited for a release that had already happened).
/// A test waits for the edges it expects (<see cref="WaitForEdgesAsync"/>), not for time.
/// </summary>
internal sealed class WireEdgeRecorder : IDisposable
{
    private readonly WireFile _wires;
    private readonly int _pin;
    private readonly List<WireSample> _changes = [];
    private readonly SemaphoreSlim _changed = new(0);
    private readonly Thread _thread;
    private volatile bool _stopped;

    public WireEdgeRecorder(WireFile wires, int pin)
    {
        _wires = wires;
        _pin = pin;
        _thread = new Thread(Sample) { IsBackground = true, Name = "wire recorder " + pin };
        _thread.Start();
    }

    /// <summary>Edges the recorder could not see one by one (two or more between two samples): their stamps are lost.</summary>
    public uint Missed { get; private set; }

    /// <summary>Every change seen, oldest first: the level after it and the writer's timestamp.</summary>
    public IReadOnlyList<WireSample> Changes
    {
        get
        {
            lock (_changes)
            {
                return [.. _changes];
            }
        }
    }

    /// <summary>Waits (on each recorded change) until <paramref name="count"/> edges were recorded; throws with <paramref name="what"/> after the bound.</summary>
    public async Task<IReadOnlyList<WireSample>> WaitForEdgesAsync(int count, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (Changes.Count < count)
        {
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero || !await _changed.WaitAsync(left))
            {
                throw new TimeoutException($"timed out waiting for {what}: {Changes.Count} edge(s) recorded");
            }
        }

        return Changes;
    }

    public void Dispose()
    {
        _stopped = true;
        _thread.Join();
        _changed.Dispose();
    }

    private void Sample()
    {
        PosixSignals.TryMakeCurrentThreadRealTime(); // as the rack's relay threads do; without root it samples at normal priority
        uint seen = _wires.Sample(_pin).EdgeCount;
        while (!_stopped)
        {
            WireSample now = _wires.Sample(_pin); // level, count and stamp from one state word
            uint edges = unchecked(now.EdgeCount - seen);
            if (edges > 0)
            {
                seen = now.EdgeCount;
                lock (_changes)
                {
                    Missed += edges - 1;
                    _changes.Add(now);
                }

                _changed.Release();
            }

            Thread.Sleep(1); // the sampling period, not a wait for anything
        }
    }
}
