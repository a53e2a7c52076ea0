namespace Watchdog.Firmware.Core
{
    /// <summary>
    /// What the wires of one server said since the last tick. The glue writes it before every
    /// WatchdogCore.Tick; the core reads it and sets HeartbeatEdges back to 0, so an edge is
    /// never counted twice. Levels are true when the signal is asserted (power good, link up),
    /// after the glue has applied the pin's polarity.
    /// </summary>
    public sealed class ChannelSample
    {
        public ChannelSample(int powerGoodInputs, int linkInputs)
        {
            PowerGood = new bool[powerGoodInputs];
            Link = new bool[linkInputs];
        }

        /// <summary>Heartbeat edges (either direction) counted since the last tick, e.g. by the pulse counter.</summary>
        public int HeartbeatEdges { get; set; }

        /// <summary>Power-good levels, one per configured PSU input. Write the elements; the array is owned by the core.</summary>
        public bool[] PowerGood { get; }

        /// <summary>Link levels, one per configured NIC input. Write the elements; the array is owned by the core.</summary>
        public bool[] Link { get; }
    }

    /// <summary>The preallocated input of one tick: one sample per configured channel, in config order.</summary>
    public sealed class TickInput
    {
        private readonly ChannelSample[] _channels;

        internal TickInput(Config.BoardConfig config)
        {
            _channels = new ChannelSample[config.Channels.Length];
            for (int i = 0; i < _channels.Length; i++)
            {
                _channels[i] = new ChannelSample(config.Channels[i].PowerGoodInputs, config.Channels[i].LinkInputs);
            }
        }

        public int Count { get { return _channels.Length; } }

        /// <summary>The sample of channel <paramref name="index"/> (config order).</summary>
        public ChannelSample Channel(int index) { return _channels[index]; }
    }
}
