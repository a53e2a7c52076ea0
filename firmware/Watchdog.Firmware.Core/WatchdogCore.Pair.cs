using Watchdog.Protocol.Wire;

namespace Watchdog.Firmware.Core
{
    // What the core needs to know about a pair of boards (Pair/BoardPair decides the rest): the
    // glue ticks the core only while its board holds authority, and starts it above the epoch
    // floor the pair has made durable.
    public sealed partial class WatchdogCore
    {
        /// <summary>
        /// The board took authority: continue above <paramref name="floor"/> (already durable: the
        /// passive board persisted it when it acknowledged the ceiling). Call before the first Tick
        /// after taking authority; the core then starts as a restarted board does (settling first),
        /// and as for a restart, a member whose report is older than the floor may hold a grant the
        /// old authority issued at the last moment: it counts as claiming until it shows otherwise.
        /// A site that takes a group's site ticket calls it too (any time, before SetSiteTicket
        /// says held), with the highest epoch the other site may have used.
        /// </summary>
        public void ContinueAbove(long floor)
        {
            _ctx.ContinueAbove(floor);
        }

        /// <summary>The pair fields of the board state the core publishes (a board without a peer leaves them as they are).</summary>
        public void DescribePair(PairState state, string peer, bool peerInSync, bool peerHeartbeat, bool peerLink)
        {
            _status.Pair = state;
            _status.Peer = peer;
            _status.PeerInSync = peerInSync;
            _status.PeerHeartbeat = peerHeartbeat;
            _status.PeerLink = peerLink;
        }
    }
}
