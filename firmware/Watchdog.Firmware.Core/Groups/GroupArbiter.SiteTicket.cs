using Watchdog.Protocol.Messages;
using Watchdog.Protocol.Wire;

namespace Watchdog.Firmware.Core
{
    /// <summary>
    /// The site ticket (docs/safety-rules.md, rule 12): a group that spans sites ("site_ticket":
    /// true) may have its active only at the site holding the group's ticket, a lease the glue
    /// keeps elsewhere and reports through WatchdogCore.SetSiteTicket. While this site does not
    /// hold it, nobody here is granted active: not the first grant, not a failover, a switchover
    /// or a failback, not the adoption of a claim. When it is lost, every member that counts as
    /// active is demoted in one round and, if it does not acknowledge within
    /// demote_ack_timeout_ms, held in reset (when it may be fenced; an alert otherwise), so the
    /// other site can take over once the ticket's expiry has passed. A claim still ends only by an
    /// acknowledged demotion or a confirmed fence. Held again, the group grants as usual, with
    /// epochs above the floor the glue passed to WatchdogCore.ContinueAbove.
    /// </summary>
    internal sealed partial class GroupArbiter
    {
        private const string NoTicket = "site does not hold the ticket";

        // The glue's latest word (SetTicket) and the state the ticks act on: a change is taken
        // over at the next tick, so its round and event leave in a tick's output. A grant of
        // active needs both: a loss blocks every promotion at once, also one a message would
        // cause before that tick.
        private bool _ticketWanted;
        private bool _ticketHeld;

        // Held at some moment since this board started: a loss seen by this run is acted on at
        // once; a ticket not yet confirmed after a start gets the board's grace first (the glue's
        // keeper may need a moment), so a restart at the holding site does not demote its active.
        private bool _ticketHeldSinceStart;

        // The tick the loss was taken over: the round that demotes for it says "site ticket lost".
        private long _ticketLostAt = -1;

        /// <summary>True for a site-ticket group while its site holds the ticket (as of the last tick); false for any other group.</summary>
        public bool TicketHeld { get { return Config.SiteTicket && _ticketHeld; } }

        /// <summary>The glue's word on the ticket; acted on at the next tick.</summary>
        public void SetTicket(bool held)
        {
            _ticketWanted = held;
        }

        /// <summary>Active may be granted in this group now: it has no site ticket, or its site holds it.</summary>
        private bool MayGrantActive()
        {
            return !Config.SiteTicket || (_ticketHeld && _ticketWanted);
        }

        /// <summary>Why a switchover or failback is refused for the ticket, or "" when the ticket allows it.</summary>
        private string TicketRefusal()
        {
            return MayGrantActive() ? "" : "group " + Config.Name + ": " + NoTicket + ", so nobody here may be granted active";
        }

        /// <summary>At the start of a tick: take over the glue's word, say so, and leave a move under way that would end in a grant.</summary>
        private void TakeTicket()
        {
            if (!Config.SiteTicket || _ticketWanted == _ticketHeld)
            {
                return;
            }

            _ticketHeld = _ticketWanted;
            _alerted = "";
            if (_ticketHeld)
            {
                _ticketHeldSinceStart = true;
                _ctx.Event("site-ticket-held", Severity.Warning, "", Config.Name,
                    "this site holds the group's site ticket: a member here may be granted active, at an epoch above " + _ctx.Epoch.ToString());
                return;
            }

            _ticketLostAt = _ctx.Now;
            string claimants = ClaimantList();
            _ctx.Event("site-ticket-lost", Severity.Alert, "", Config.Name, "this site no longer holds the group's site ticket: "
                + (claimants.Length == 0 ? "nobody here counts as active" : "demoting " + claimants + ", held in reset if not acknowledged within " + _ctx.Config.Timing.DemoteAckTimeoutMs.ToString() + " ms")
                + "; nobody here is granted active until it is held again");

            if (Phase == GroupPhase.Demoting || Phase == GroupPhase.Fencing)
            {
                // The move would end in a grant of active. The member being moved goes on as any
                // claimant without the ticket: its pending demotion keeps its deadline, its hold
                // goes on until it is confirmed out.
                if (Phase == GroupPhase.Demoting && _demoteEpoch[_moving] > 0)
                {
                    _demoteDeadline[_moving] = _deadline;
                }

                _moving = -1;
                _target = -1;
                Phase = GroupPhase.Stable;
            }
        }

        /// <summary>
        /// A tick of an active-standby group whose site does not hold the ticket: every claimant is
        /// demoted, then held in reset at its deadline; with nobody claiming, the roles say nobody is active.
        /// </summary>
        private void TickWithoutTicket()
        {
            // After a start the glue may confirm the ticket within the board's grace: wait for it
            // before taking the role from a member that may hold it (no grant is made meanwhile).
            bool mayDemote = _ctx.BoardGraceOver || _ticketHeldSinceStart;
            string demoting = "";
            string released = "";
            for (int m = 0; m < _members.Length; m++)
            {
                if (!_claim[m])
                {
                    continue;
                }

                ChannelUnit u = _members[m];
                if (u.ConfirmedOut)
                {
                    ReleaseClaim(m, ClaimRelease.ConfirmedOut);
                    _demoteEpoch[m] = 0;
                    released = released.Length == 0 ? u.Config.Node : released + ", " + u.Config.Node;
                }
                else if (_role[m] == NodeRole.Active || _demoteEpoch[m] == 0)
                {
                    if (mayDemote)
                    {
                        // Asked to step down whatever its health: it must not act at a site without the ticket.
                        _role[m] = NodeRole.Standby;
                        u.RoleOut = false;
                        _demoteEpoch[m] = -1;
                        demoting = demoting.Length == 0 ? u.Config.Node : demoting + ", " + u.Config.Node;
                    }
                }
                else if (_ctx.Now >= _demoteDeadline[m] && !u.TakeoverHeld)
                {
                    FenceWithoutTicket(m);
                }
            }

            if (demoting.Length > 0)
            {
                Round((_ticketLostAt == _ctx.Now ? "site ticket lost" : NoTicket) + ": demoting " + demoting);
                for (int m = 0; m < _members.Length; m++)
                {
                    if (_demoteEpoch[m] == -1)
                    {
                        _demoteEpoch[m] = Epoch;
                        _demoteDeadline[m] = _ctx.Now + _ctx.Timing.DemoteAckTimeout;
                    }
                }
            }
            else if (released.Length > 0)
            {
                // A round releases the takeover hold once its grant says standby (as after a failover).
                Round(NoTicket + ": " + released + " is out; nobody is active");
            }
            else if (ClaimCount == 0 && (_lastRoles == null || _lastRoles.Active.Length > 0))
            {
                // The first grant (or the roles still show an active that left): everyone standby.
                Round(NoTicket + ": nobody is active");
            }
        }

        /// <summary>Claimant <paramref name="m"/> did not acknowledge its demotion in time: hold it in reset when it may be, else say so.</summary>
        private void FenceWithoutTicket(int m)
        {
            ChannelUnit u = _members[m];
            if (u.Quiet)
            {
                // Board grace, its boot grace, maintenance: nothing automatic (rule 4). It keeps its claim.
                if (u.State == ChannelState.Maintenance)
                {
                    AlertOnce("ticket-demotion-unacknowledged", u.Config.Node + " is in maintenance and did not acknowledge its demotion after the site ticket was lost: it may still act as active");
                }

                return;
            }

            if (u.CanFence())
            {
                u.TakeoverHold("stonith: " + u.Config.Node + " did not acknowledge its demotion and this site does not hold the ticket");
            }
            else
            {
                AlertOnce("ticket-demotion-unacknowledged", u.Config.Node + " did not acknowledge its demotion after the site ticket was lost and may not be fenced (the last healthy member): it may still act as active");
            }
        }

        private string ClaimantList()
        {
            string list = "";
            for (int m = 0; m < _members.Length; m++)
            {
                if (_claim[m]) { list = list.Length == 0 ? _members[m].Config.Node : list + ", " + _members[m].Config.Node; }
            }

            return list;
        }
    }
}
