using System.Device.Gpio;

namespace Watchdog.VirtualWires;

/// <summary>
/// Turns two samples of a wire into the edges between them. The counter says how many edges
/// happened; since each edge flips the level, their directions follow from the level before the
/// first one. This is how a polled wire still reports every edge, like a hardware pulse counter.
/// </summary>
internal static class EdgeReplay
{
    /// <summary>The direction of edge number <paramref name="index"/> (1-based) after a line that was at <paramref name="levelBefore"/>.</summary>
    public static PinEventTypes EdgeAt(bool levelBefore, uint index)
    {
        // Odd edges leave the line opposite to where it started, even edges bring it back.
        bool levelAfter = (index & 1) == 1 ? !levelBefore : levelBefore;
        return levelAfter ? PinEventTypes.Rising : PinEventTypes.Falling;
    }

    /// <summary>Edges between two counter readings (unchecked: the counter wraps at 2^32).</summary>
    public static uint Between(uint before, uint after) => unchecked(after - before);
}
