namespace Watchdog.Firmware.Core
{
    /// <summary>
    /// The level every output of one channel must have now. Levels, not edges: the glue drives
    /// the pins to match after every Tick or Step (true = relay asserted = button pressed /
    /// reset held / fence active / role granted). A board that stops driving leaves every
    /// relay released, which leaves the servers running (fail-safe wiring).
    /// </summary>
    public sealed class RelayLevels
    {
        /// <summary>Reset line asserted (a pulse, or held as the fast fence).</summary>
        public bool Reset { get; internal set; }

        /// <summary>Power button pressed (a short press powers on; a long hold forces off).</summary>
        public bool Power { get; internal set; }

        /// <summary>Fence relay asserted (only when the channel has one).</summary>
        public bool Fence { get; internal set; }

        /// <summary>ROLE output asserted: the node holds the active grant (only when the channel has one).</summary>
        public bool Role { get; internal set; }

        /// <summary>Bit mask reset=1, power=2, fence=4, role=8; used to spot changes and to index the outputs table.</summary>
        public int Mask
        {
            get { return (Reset ? 1 : 0) | (Power ? 2 : 0) | (Fence ? 4 : 0) | (Role ? 8 : 0); }
        }

        internal void Set(bool reset, bool power, bool fence, bool role)
        {
            Reset = reset;
            Power = power;
            Fence = fence;
            Role = role;
        }
    }
}
