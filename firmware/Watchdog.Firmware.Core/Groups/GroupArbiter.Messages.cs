using Watchdog.Protocol.Messages;
using Watchdog.Protocol.Wire;

namespace Watchdog.Firmware.Core
{
    // Active-active mode, node states and the group's commands.
    internal sealed partial class GroupArbiter
    {
        /// <summary>
        /// Active-active: every healthy member is active. A failed member is got out (held in
        /// reset, or demoted and acknowledged while alive) before the change is announced; a
        /// recovered one is granted again.
        /// </summary>
        private void TickActiveActive()
        {
            bool changed = false;
            string reason = "";
            for (int m = 0; m < _members.Length; m++)
            {
                ChannelUnit u = _members[m];
                if (u.State == ChannelState.Maintenance)
                {
                    continue;
                }

                if (_claim[m] && u.Unfit && _ctx.BoardGraceOver)
                {
                    if (u.ConfirmedOut)
                    {
                        ReleaseClaim(m, ClaimRelease.ConfirmedOut);
                        _demoteEpoch[m] = 0;
                        changed = true;
                        reason = u.Config.Node + " is out (" + WireWords.Of(u.Verdict) + ")";
                    }
                    else if (u.AliveOnWires)
                    {
                        if (_demoteEpoch[m] == 0)
                        {
                            _role[m] = NodeRole.Standby;
                            u.RoleOut = false;
                            Round("demoting " + u.Config.Node + " (" + WireWords.Of(u.Verdict) + ")");
                            _demoteEpoch[m] = Epoch;
                            _demoteDeadline[m] = _ctx.Now + _ctx.Timing.DemoteAckTimeout;
                        }
                        else if (_ctx.Now >= _demoteDeadline[m] && !u.TakeoverHeld)
                        {
                            if (u.CanFence()) { u.TakeoverHold("fence: " + u.Config.Node + " did not acknowledge its demotion"); }
                            else { AlertOnce("cannot-fence", u.Config.Node + " did not acknowledge its demotion and is the last healthy member"); }
                        }
                    }
                    else if (!u.TakeoverHeld && u.HoldReset == false)
                    {
                        if (u.CanFence()) { u.TakeoverHold("fence before announcing " + u.Config.Node + " out"); }
                    }
                }
                else if (u.State == ChannelState.Healthy && u.Ready && (!_claim[m] || _role[m] != NodeRole.Active))
                {
                    _role[m] = NodeRole.Active;
                    _claim[m] = true;
                    changed = true;
                    reason = reason.Length == 0 ? u.Config.Node + " is healthy" : reason + "; " + u.Config.Node + " is healthy";
                }
            }

            if (changed)
            {
                Round(reason);
            }
        }

        /// <summary>
        /// An agent reported its state. A member that claims only because the board could not be
        /// sure (after a restart), and now says it is not active at an epoch at least as new as
        /// the group's and the persisted one, no longer claims: it saw the latest round. So does
        /// a granted active that says so unasked (SteppedDownOnItsOwn).
        /// </summary>
        public void OnNodeState(int m)
        {
            ChannelUnit u = _members[m];
            if (Phase == GroupPhase.Settling)
            {
                return;
            }

            StateConfirmsGrant(m);

            if (_lateArrival[m])
            {
                _lateArrival[m] = false;
                if (!_claim[m] && u.ReportedRole == NodeRole.Active)
                {
                    _claim[m] = true;
                    _ctx.Event("claim-late", Severity.Alert, u.Config.Node, Config.Name, u.Config.Node + " was never heard before and now says it is active@" + u.ReportedEpoch.ToString() + ": it counts as active until it is demoted or fenced");
                }

                NoteUnexpectedClaim(m);
                return;
            }

            NoteUnexpectedClaim(m);
            if (SteppedDownOnItsOwn(m) || !_claim[m] || _role[m] == NodeRole.Active || _demoteEpoch[m] > 0)
            {
                return;
            }

            if (u.ReportedRole != NodeRole.Active && u.ReportedEpoch >= Epoch && u.ReportedEpoch >= _ctx.PersistedAtStart)
            {
                ReleaseClaim(m, ClaimRelease.ReportsNotActive);
                _ctx.Event("claim-cleared", Severity.Info, u.Config.Node, Config.Name, u.Config.Node + " reports " + WireWords.Of(u.ReportedRole) + "@" + u.ReportedEpoch.ToString());
            }
        }

        /// <summary>A signed, verified switchover to <paramref name="node"/> (refused while it is not healthy or not ready to be promoted), or to the next fit member when empty.</summary>
        public CommandVerdict Switchover(string node, string why, out string detail)
        {
            detail = "";
            if (Config.Mode != GroupMode.ActiveStandby) { detail = "switchover is for active-standby groups"; return CommandVerdict.NotAllowed; }
            detail = TicketRefusal();
            if (detail.Length > 0) { return CommandVerdict.NotAllowed; }
            if (Phase != GroupPhase.Stable) { detail = "group " + Config.Name + " is busy (" + PhaseWord() + ")"; return CommandVerdict.NotAllowed; }
            if (ClaimCount != 1) { detail = "group " + Config.Name + " has " + ClaimCount.ToString() + " active members; a switchover needs exactly one"; return CommandVerdict.NotAllowed; }
            int x = FirstClaimant();
            if (_role[x] != NodeRole.Active) { detail = _members[x].Config.Node + " has not been granted the active role yet"; return CommandVerdict.NotAllowed; }
            int t;
            if (node.Length > 0)
            {
                t = IndexOf(node);
                if (t < 0) { detail = "'" + node + "' is not a member of group " + Config.Name; return CommandVerdict.NotAllowed; }
            }
            else
            {
                t = Best(x);
                if (t < 0)
                {
                    string notReady = NotReadyList(x);
                    detail = notReady.Length == 0 ? "no healthy standby in group " + Config.Name : "no standby in group " + Config.Name + " is ready to be promoted: " + notReady;
                    return CommandVerdict.NotAllowed;
                }
            }

            if (t == x) { detail = node + " is already active"; return CommandVerdict.NotAllowed; }
            detail = NotPromotable(t);
            if (detail.Length > 0) { return CommandVerdict.NotAllowed; }
            StartDemote(x, t, false, why);
            detail = "demoting " + _members[x].Config.Node + ", then granting " + _members[t].Config.Node;
            return CommandVerdict.Accepted;
        }

        /// <summary>
        /// A signed, verified failback: a switchover to the highest-priority healthy member. When
        /// that member is not ready to be promoted the command is refused with its reason (not
        /// turned into a switchover to someone else, nor kept waiting): the operator sends it again
        /// once it is ready.
        /// </summary>
        public CommandVerdict Failback(out string detail)
        {
            detail = TicketRefusal();
            if (detail.Length > 0) { return CommandVerdict.NotAllowed; }
            for (int m = 0; m < _members.Length; m++)
            {
                if (_members[m].State == ChannelState.Healthy)
                {
                    if (_claim[m]) { detail = _members[m].Config.Node + " (the preferred healthy member) is already active"; return CommandVerdict.NotAllowed; }
                    return Switchover(_members[m].Config.Node, "failback by command", out detail);
                }
            }

            detail = "no healthy member in group " + Config.Name;
            return CommandVerdict.NotAllowed;
        }

        /// <summary>True when member <paramref name="m"/> must not be reset or power-cycled by command (it counts as active in active-standby).</summary>
        public bool ProtectsActive(int m)
        {
            return Config.Mode == GroupMode.ActiveStandby && _claim[m];
        }

        private string PhaseWord()
        {
            switch (Phase)
            {
                case GroupPhase.Settling: return "settling after the board started";
                case GroupPhase.Demoting: return "waiting for a demotion to be acknowledged";
                case GroupPhase.Fencing: return "waiting for a fence to be confirmed";
                default: return "stable";
            }
        }
    }
}
