using System.Device.Gpio;
using System.Threading;

namespace Watchdog.Firmware.Glue
{
    /// <summary>
    /// Counts the edges of one heartbeat input from its ValueChanged interrupt. The tick loop takes
    /// the count once per tick (Take), so a single late interrupt never matters: the core judges
    /// edges per window, not the timing of one edge (interrupts reach managed code in
    /// milliseconds on the device). A method, not a lambda, so the same handler binds to
    /// nanoFramework's PinValueChangedEventHandler and .NET IoT's PinChangeEventHandler.
    /// </summary>
    public sealed class EdgeCounter
    {
        private int _count;

        public void OnValueChanged(object sender, PinValueChangedEventArgs e)
        {
            Interlocked.Increment(ref _count);
        }

        /// <summary>Edges since the last Take; resets the count atomically so no edge is lost or counted twice.</summary>
        public int Take()
        {
            return Interlocked.Exchange(ref _count, 0);
        }
    }

    /// <summary>
    /// Where heartbeat edges come from when not from interrupts: the virtual rack's wire file
    /// keeps a running edge count per pin (VirtualWireDriver.ReadEdgeCount). Returns the running
    /// total; ChannelWiring takes the difference per tick.
    /// </summary>
    public delegate int EdgeTotalReader(int gpio);
}
