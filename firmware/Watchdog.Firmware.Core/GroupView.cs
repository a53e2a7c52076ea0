using Watchdog.Protocol.Wire;

namespace Watchdog.Firmware.Core
{
    /// <summary>What the group arbiter is doing now.</summary>
    public enum GroupPhase
    {
        /// <summary>After the board started: waiting to hear from the members or for the board grace to end. Grants nothing, fences nobody.</summary>
        Settling = 0,

        /// <summary>Roles are granted and nobody is moving.</summary>
        Stable = 1,

        /// <summary>A demotion grant is out; waiting for its GrantAck before granting the other member.</summary>
        Demoting = 2,

        /// <summary>The old active is held in reset; waiting for the hold to be confirmed before granting the other member.</summary>
        Fencing = 3,
    }

    /// <summary>Read-only view of one group, for status pages, the simulator and tests.</summary>
    public sealed class GroupView
    {
        private readonly GroupArbiter _arbiter;

        internal GroupView(GroupArbiter arbiter) { _arbiter = arbiter; }

        public string Name { get { return _arbiter.Config.Name; } }

        public GroupMode Mode { get { return _arbiter.Config.Mode; } }

        /// <summary>The epoch of the group's latest role change (0 before the first).</summary>
        public long Epoch { get { return _arbiter.Epoch; } }

        public GroupPhase Phase { get { return _arbiter.Phase; } }

        public int MemberCount { get { return _arbiter.Config.Members.Length; } }

        /// <summary>Node name of member <paramref name="index"/> (priority order).</summary>
        public string Member(int index) { return _arbiter.Config.Members[index]; }

        /// <summary>The role last granted to member <paramref name="index"/>.</summary>
        public NodeRole GrantedRole(int index) { return _arbiter.GrantedRole(index); }

        /// <summary>
        /// True when member <paramref name="index"/> may act as active: from its active grant until
        /// its demotion is acknowledged or it is confirmed out (or, after a board restart, when it
        /// said it was active or could not be asked). In active-standby at most one is true.
        /// </summary>
        public bool CountsAsActive(int index) { return _arbiter.Claims(index); }

        /// <summary>Members that count as active now.</summary>
        public int ActiveCount { get { return _arbiter.ClaimCount; } }

        /// <summary>The group is configured with "site_ticket": true (it may have an active only while its site holds the ticket).</summary>
        public bool SiteTicket { get { return _arbiter.Config.SiteTicket; } }

        /// <summary>
        /// True while this site holds the group's site ticket, as of the last Tick (WatchdogCore.SetSiteTicket
        /// is acted on at the next one); always false for a group without a site ticket.
        /// </summary>
        public bool TicketHeld { get { return _arbiter.TicketHeld; } }
    }
}
