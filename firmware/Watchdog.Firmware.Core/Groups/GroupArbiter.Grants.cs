using Watchdog.Protocol.Messages;
using Watchdog.Protocol.Wire;

namespace Watchdog.Firmware.Core
{
    /// <summary>
    /// Grant acknowledgements. A grant of active must be heard: an agent acknowledges it once its
    /// promote hooks and the virtual IP are done (or says so in its state). One that is not
    /// acknowledged within grant_ack_timeout_ms (its agent lost the broker, say, with its wires
    /// intact) raises an alert, and as soon as another member is fit and has proved it can hear
    /// the board (its state arrived after the grant) the silent one is fenced (it may have taken
    /// the role and only its acknowledgement was lost) and the role moves on. So a group is never
    /// without an active for longer than that bound plus a recovery while some member can hear
    /// the board; and while nobody can (the broker is down), nobody is fenced for it: no fence
    /// loop. A grant handed back (ok=false) ends the member's claim at once.
    /// </summary>
    internal sealed partial class GroupArbiter
    {
        private readonly long[] _grantEpoch;
        private readonly long[] _grantIssued;
        private readonly bool[] _grantAlerted;
        private readonly long[] _passedOverUntil;

        private void AwaitGrantAck(int m)
        {
            _grantEpoch[m] = Epoch;
            _grantIssued[m] = _ctx.Now;
            _grantAlerted[m] = false;
        }

        /// <summary>The state of member <paramref name="m"/> says it holds the role at its grant's epoch: as good as the acknowledgement.</summary>
        private void StateConfirmsGrant(int m)
        {
            ChannelUnit u = _members[m];
            if (_grantEpoch[m] > 0 && u.ReportedRole == NodeRole.Active && u.ReportedEpoch >= _grantEpoch[m])
            {
                _grantEpoch[m] = 0;
            }
        }

        /// <summary>Like Best, but only a member whose agent's state arrived after tick <paramref name="since"/>: it can hear the board.</summary>
        private int BestHeardSince(int exclude, long since)
        {
            for (int m = 0; m < _members.Length; m++)
            {
                if (Fit(m, exclude) && _members[m].Reachable && _members[m].LastStateTick > since)
                {
                    return m;
                }
            }

            return -1;
        }

        /// <summary>
        /// The one claimant <paramref name="x"/> still owes the acknowledgement of its grant of
        /// active: alert at the deadline, then fence it and move on once another member is fit.
        /// True while that keeps the group busy (nothing else is done for the claimant).
        /// </summary>
        private bool TickGrantAck(int x)
        {
            if (_grantEpoch[x] == 0 || _ctx.Now < _grantIssued[x] + _ctx.Timing.GrantAckTimeout)
            {
                return false;
            }

            ChannelUnit u = _members[x];
            if (!_grantAlerted[x])
            {
                // Once: the alert, and the member is not offered the role again for a while.
                _grantAlerted[x] = true;
                _passedOverUntil[x] = _ctx.Now + _ctx.Timing.GrantAckTimeout;
                _ctx.Event("grant-unacknowledged", Severity.Alert, u.Config.Node, Config.Name,
                    u.Config.Node + " did not acknowledge its grant of active at epoch " + _grantEpoch[x].ToString() + " within " + _ctx.Config.Timing.GrantAckTimeoutMs.ToString()
                    + " ms (" + (u.Reachable ? "its agent looked reachable" : "its agent cannot hear the broker") + "); it is fenced and the role moves on as soon as another member is fit and can hear the board");
            }

            if (!_ctx.BoardGraceOver)
            {
                return true;
            }

            int cand = BestHeardSince(x, _grantIssued[x]);
            if (cand < 0)
            {
                // Nobody else could take over and hear its grant: it may still hear its own (or its
                // ROLE wire carries it). Fencing it now would only leave the group without an active.
                return true;
            }

            _grantEpoch[x] = 0;
            if (u.ConfirmedOut)
            {
                ReleaseClaim(x, ClaimRelease.ConfirmedOut);
                Promote(cand, "grant to " + u.Config.Node + " unacknowledged, it is out");
            }
            else if (u.CanFence())
            {
                _moving = x;
                _target = cand;
                u.TakeoverHold("stonith: " + u.Config.Node + " did not acknowledge its grant of active; holding reset before " + _members[cand].Config.Node + " takes over");
                Phase = GroupPhase.Fencing;
            }
            else
            {
                AlertOnce("cannot-fence", u.Config.Node + " did not acknowledge its grant and cannot be fenced; no failover");
            }

            return true;
        }

        /// <summary>An agent reports that it carried out (or failed) a grant.</summary>
        public void OnGrantAck(int m, GrantAck ack)
        {
            ChannelUnit u = _members[m];
            if (ack.Role == NodeRole.Active && _grantEpoch[m] > 0 && ack.Epoch >= _grantEpoch[m])
            {
                _grantEpoch[m] = 0;
                if (!ack.Ok && _role[m] == NodeRole.Active && ack.Epoch == Epoch)
                {
                    // Handed back: its promote was rolled back, so it does not hold the role. The
                    // next tick grants the next fit member; this one is passed over for a while.
                    ReleaseClaim(m, ClaimRelease.HandedBack);
                    _ctx.Event("grant-handed-back", Severity.Alert, u.Config.Node, Config.Name, u.Config.Node + " could not take the active role at epoch " + ack.Epoch.ToString() + ": " + ack.Detail);
                }

                return;
            }

            if (_demoteEpoch[m] > 0 && ack.Role != NodeRole.Active && ack.Epoch >= _demoteEpoch[m])
            {
                if (!ack.Ok)
                {
                    _ctx.Event("demotion-failed", Severity.Alert, u.Config.Node, Config.Name, "the agent could not demote: " + ack.Detail);
                    if (Phase == GroupPhase.Demoting && _moving == m) { _deadline = _ctx.Now; _failover = true; }
                    return;
                }

                if (_unexpected[m] && (ack.Epoch <= _unexpectedAt[m] || (u.ReportedRole == NodeRole.Active && u.ReportedEpoch > ack.Epoch)))
                {
                    // It said active without a grant after this demotion was granted (noted then,
                    // or its latest state claims an epoch above the demotion's: it acted on a
                    // forged or replayed grant after stepping down): the acknowledgement is older
                    // news than that claim, which stands until a later demotion is acknowledged
                    // or it is fenced.
                    return;
                }

                ReleaseClaim(m, ClaimRelease.DemotionAcknowledged);
                _ctx.Event("demotion-acknowledged", Severity.Info, u.Config.Node, Config.Name, "epoch " + ack.Epoch.ToString());
                if (Phase == GroupPhase.Demoting && _moving == m)
                {
                    CompleteMove((_failover ? "failover" : "switchover") + ": " + u.Config.Node + " acknowledged its demotion");
                }

                return;
            }

            if (ack.Epoch < Epoch)
            {
                _ctx.Event("stale-ack", Severity.Info, u.Config.Node, Config.Name, "grant ack for epoch " + ack.Epoch.ToString() + " below the group's " + Epoch.ToString() + ": ignored");
            }
        }
    }
}
