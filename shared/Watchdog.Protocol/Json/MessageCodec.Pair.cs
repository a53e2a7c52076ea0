using Watchdog.Protocol.Messages;
using Watchdog.Protocol.Wire;

namespace Watchdog.Protocol.Json
{
    // Frames on the board-to-board data link (never on MQTT).
    public static partial class MessageCodec
    {
        // ---- PairFrame: required from, seq, state, epoch, ceiling, ts ----

        /// <summary>
        /// One compact JSON object. It never holds a raw newline (the writer escapes control
        /// characters in strings and adds no whitespace), so a serial link can end each frame
        /// with '\n'; the caller adds that terminator.
        /// </summary>
        public static byte[] Encode(PairFrame m)
        {
            return EncodeWith(PairFrameFields, m);
        }

        /// <summary>Reads one frame (without its line terminator; surrounding whitespace is allowed).</summary>
        public static bool TryDecode(byte[] payload, out PairFrame? message, out CodecError? error)
        {
            message = (PairFrame?)DecodeWith(PairFrameFields, payload, new PairFrame(), out error);
            return message != null;
        }

        private static void PairFrameFields(MessageFields f, object message)
        {
            PairFrame m = (PairFrame)message;
            m.From = f.Text("from", m.From, Required);
            m.Seq = f.Integer("seq", m.Seq, Required);
            m.State = (PairState)f.Word("state", (int)m.State, WireWords.PairStates, Required);
            m.Epoch = f.Integer("epoch", m.Epoch, Required);
            // Required: a frame without its ceiling would read as 0, which a passive board would
            // take as "nothing made durable" and the authority as "use no epoch": better refused.
            m.Ceiling = f.Integer("ceiling", m.Ceiling, Required);
            m.AckSeq = f.Integer("ack_seq", m.AckSeq, Optional);
            // Absent reads as not in sync, the safe side: a passive board out of sync never takes over.
            m.PeerInSync = f.Flag("peer_in_sync", m.PeerInSync, Optional);
            m.Timestamp = f.Integer("ts", m.Timestamp, Required);
        }
    }
}
