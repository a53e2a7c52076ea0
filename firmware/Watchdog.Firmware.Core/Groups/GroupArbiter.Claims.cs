using Watchdog.Firmware.Core.Config;
using Watchdog.Protocol.Wire;

namespace Watchdog.Firmware.Core
{
    /// <summary>
    /// Claims: more than one member that may be active, and an active the board did not grant
    /// (docs/safety-rules.md, rule 9): a member that says it is
    /// active although this board never granted it (it acted on a grant from elsewhere: forged
    /// before seals, replayed, or a stale retained one), or whose claim shows no grant sealed by a
    /// board key (NodeState.GrantProof, checked by the glue). It counts as a claim, so nobody else
    /// is promoted past it, but it is never the member kept: it is demoted, or fenced when it does
    /// not step down, before anyone else takes over.
    /// </summary>
    internal sealed partial class GroupArbiter
    {
        /// <summary>
        /// The one place an active claim ends, for one of the reasons ClaimRelease allows. What
        /// else ends with it depends on the reason; a demotion the member still owes is the
        /// caller's to drop (the demotion rounds keep their own bookkeeping).
        /// </summary>
        private void ReleaseClaim(int m, ClaimRelease why)
        {
            _claim[m] = false;
            switch (why)
            {
                case ClaimRelease.ConfirmedOut:
                    // Reset held for fence_confirm_ms, or forced off by the board with every
                    // power-good low: it cannot act, and its role goes to standby.
                    _role[m] = NodeRole.Standby;
                    break;
                case ClaimRelease.HandedBack:
                    // Its agent could not take the role and said so: standby, and passed over
                    // for a grant-ack timeout so the next fit member is granted first.
                    _role[m] = NodeRole.Standby;
                    _members[m].RoleOut = false;
                    _passedOverUntil[m] = _ctx.Now + _ctx.Timing.GrantAckTimeout;
                    break;
                case ClaimRelease.SteppedDown:
                    // Its agent left the granted role on its own (GroupArbiter.SteppedDownOnItsOwn):
                    // standby, and the group grants under a new epoch.
                    _role[m] = NodeRole.Standby;
                    _members[m].RoleOut = false;
                    break;
                case ClaimRelease.DemotionAcknowledged:
                    // Its agent acknowledged a demotion granted after the claim (an unexpected
                    // claim included): the demotion is answered.
                    _unexpected[m] = false;
                    _demoteEpoch[m] = 0;
                    break;
                default:
                    // ReportsNotActive: after a restart it claimed only because the board could
                    // not be sure; it now reports standby at an epoch at least as new as the
                    // group's and the persisted one, so it saw the latest round.
                    break;
            }
        }

        /// <summary>
        /// The member granted active says standby at the group's epoch, though nobody asked it to
        /// step down: its agent left the role on its own (it heard nothing from the board for
        /// Board:DemoteWhenSilentMs while the broker was away, say). Left alone, the board would go
        /// on counting it as the active and grant nobody: the group would have no active until
        /// something else changed. Its claim ends by its own word, as an acknowledged demotion's
        /// does, and the role is granted under a new epoch: to it again when it is fit (nothing
        /// moves), else to the best member. Sound because every round grants every member at the
        /// group's epoch, an agent reaches an epoch only by carrying out that epoch's grant, and it
        /// never takes active again at an epoch it stepped down at (the agent's RoleState): a state
        /// saying standby at the group's epoch is news from after its grant, and stays true until
        /// a newer round. A state from before the latest round carries an older epoch and ends
        /// nothing; a grant still waiting for its acknowledgement is left to the acknowledgement
        /// (a failed promote is handed back there).
        /// </summary>
        private bool SteppedDownOnItsOwn(int m)
        {
            ChannelUnit u = _members[m];
            if (!_claim[m] || _role[m] != NodeRole.Active || _unexpected[m] || _demoteEpoch[m] != 0 || _grantEpoch[m] != 0 || Phase != GroupPhase.Stable
                || u.ReportedRole == NodeRole.Active || u.ReportedEpoch < Epoch || u.ReportedEpoch < _ctx.PersistedAtStart)
            {
                return false;
            }

            ReleaseClaim(m, ClaimRelease.SteppedDown);
            _ctx.Event("claim-stepped-down", Severity.Warning, u.Config.Node, Config.Name,
                u.Config.Node + " reports " + WireWords.Of(u.ReportedRole) + "@" + u.ReportedEpoch.ToString() + " without being asked to step down: it left the active role on its own; the role is granted again under a new epoch");
            if (Config.Mode == GroupMode.ActiveStandby && ClaimCount == 0 && Fit(m, -1) && u.Reachable)
            {
                Promote(m, u.Config.Node + " stepped down on its own and is fit");
            }

            return true;
        }

        private void NoteUnexpectedClaim(int m)
        {
            ChannelUnit u = _members[m];
            if (u.ReportedRole != NodeRole.Active)
            {
                _unexpected[m] = false;
                return;
            }

            // A claim the board made itself (a grant, the restore after its start, a late arrival)
            // is expected when the grant behind it checks out.
            if (Config.Mode != GroupMode.ActiveStandby || _unexpected[m] || (_claim[m] && u.ClaimProven))
            {
                return;
            }

            _claim[m] = true;
            _unexpected[m] = true;
            _unexpectedAt[m] = Epoch;
            _ctx.Event("claim-unexpected", Severity.Alert, u.Config.Node, Config.Name,
                u.Config.Node + " says it is active@" + u.ReportedEpoch.ToString() + " but " +
                (u.ClaimProven ? "this board never granted it that" : "shows no grant sealed by a board key for it") +
                ": it counts as active until it is demoted or fenced, and is never kept over a member the board granted");
        }

        private bool AnyUnexpectedClaim()
        {
            for (int m = 0; m < _members.Length; m++)
            {
                if (_claim[m] && _unexpected[m]) { return true; }
            }

            return false;
        }

        // The only claimant is one the board never granted: move the role to a member the board
        // grants (demote, or fence when it cannot be asked), or, when no other member is fit,
        // grant it the role properly under a new epoch rather than leave the group without one.
        private void RemoveUnexpected(int x)
        {
            if (!_ctx.BoardGraceOver)
            {
                return;
            }

            if (Best(x) >= 0)
            {
                RemoveActive(x, "claims active without a grant");
                return;
            }

            if (_members[x].State == ChannelState.Healthy && !_members[x].Ready)
            {
                AlertClaimNotReady(x);
            }
            else if (_members[x].State == ChannelState.Healthy)
            {
                Promote(x, "granting " + _members[x].Config.Node + " the role it claimed without a grant (no other member is fit)");
            }
        }
    
        private void ResolveSeveralClaims()
        {
            AlertOnce("several-claims", "more than one member may be active: " + Describe() + "; demoting all but one, promoting nobody until they are out");

            // Keep one only when it is certainly the newest: heard, fit, saying active, and its
            // epoch above every other claimant's (an unheard claimant could be newer). A stale
            // retained "active" must never win over the member that really holds the role.
            int keep = -1;
            bool unheard = false;
            for (int m = 0; m < _members.Length; m++)
            {
                if (!_claim[m] || _unexpected[m]) { continue; }
                if (!_members[m].HeardState) { unheard = true; }
                else if (keep < 0 || _members[m].ReportedEpoch > _members[keep].ReportedEpoch) { keep = m; }
            }

            if (keep >= 0)
            {
                for (int m = 0; m < _members.Length; m++)
                {
                    if (m != keep && _claim[m] && !_unexpected[m] && _members[m].ReportedEpoch >= _members[keep].ReportedEpoch) { keep = -1; break; }
                }
            }

            // A claim older than the epoch persisted before this start may be stale news: a later
            // round (granted, unheard) may have given the role to another member, so such a claim
            // is never kept over the others.
            if (unheard || (keep >= 0 && (_members[keep].Unfit || _members[keep].ReportedRole != NodeRole.Active || _members[keep].ReportedEpoch < _ctx.PersistedAtStart)))
            {
                keep = -1;
            }

            if (keep >= 0 && _role[keep] != NodeRole.Active && AnyUnexpectedClaim())
            {
                // Beside an active the board never granted, confirming a claim this run did not
                // grant (a retained state after a restart may be stale) could promote a member
                // that is not active past one that is: everyone steps down first.
                keep = -1;
            }

            if (keep >= 0 && _role[keep] != NodeRole.Active)
            {
                // It says it is active and is the newest: the demotion round confirms it rather
                // than taking the role away from everyone for a moment.
                _role[keep] = NodeRole.Active;
            }

            string demoting = "";
            for (int m = 0; m < _members.Length; m++)
            {
                if (!_claim[m] || m == keep) { continue; }
                ChannelUnit u = _members[m];
                if (u.ConfirmedOut)
                {
                    ReleaseClaim(m, ClaimRelease.ConfirmedOut);
                    _demoteEpoch[m] = 0;
                }
                else if (u.AliveOnWires && _demoteEpoch[m] == 0)
                {
                    // Alive and claiming: ask it to step down; it is never fenced for that alone (rule 4).
                    _role[m] = NodeRole.Standby;
                    u.RoleOut = false;
                    _demoteEpoch[m] = -1;
                    demoting = demoting.Length == 0 ? u.Config.Node : demoting + ", " + u.Config.Node;
                }
                else if ((u.Unfit || (_unexpected[m] && u.State != ChannelState.Maintenance)) && !u.TakeoverHeld && _ctx.BoardGraceOver && (!u.AliveOnWires || _ctx.Now >= _demoteDeadline[m]) && u.CanFence())
                {
                    // Failed (not merely unheard), or active without a grant, and not stepping down: hold it before anyone is promoted.
                    u.TakeoverHold("stonith: " + u.Config.Node + " may still be active" + (_unexpected[m] ? " (without a grant) and did not step down" : ""));
                }
            }

            if (demoting.Length > 0)
            {
                // One round for all of them; each must acknowledge it.
                Round("demoting " + demoting + ": more than one member may be active");
                for (int m = 0; m < _members.Length; m++)
                {
                    if (_demoteEpoch[m] == -1)
                    {
                        _demoteEpoch[m] = Epoch;
                        _demoteDeadline[m] = _ctx.Now + _ctx.Timing.DemoteAckTimeout;
                    }
                }
            }
        }
    }
}
