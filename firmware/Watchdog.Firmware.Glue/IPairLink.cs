namespace Watchdog.Firmware.Glue
{
    /// <summary>
    /// The data link to the other board of a pair: a UART on hardware, a socket pair on the
    /// virtual rack. One call, one frame (the encoded PairFrame, no line end). Neither call may
    /// block: a cut cable loses frames, it never stops the tick loop.
    /// </summary>
    public interface IPairLink
    {
        /// <summary>Sends one frame; a frame that cannot go now is dropped (the next one carries the same state).</summary>
        void Send(byte[] frame);

        /// <summary>The next received frame, or null when none is waiting.</summary>
        byte[]? Receive();
    }
}
