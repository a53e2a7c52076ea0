using Watchdog.Firmware.Core.Config;
using Watchdog.Protocol.Messages;
using Watchdog.Protocol.Wire;

namespace Watchdog.Firmware.Core
{
    /// <summary>
    /// Moving the role off an active: a demotion it must acknowledge, or a fence (reset held,
    /// or power cut) confirmed for fence_confirm_ms, before another member is granted active.
    /// Nobody is demoted or fenced in the board's boot grace, and an active nobody could take
    /// over from is not fenced (that would only take the service down).
    /// </summary>
    internal sealed partial class GroupArbiter
    {
        // The one active is failed, fenced or recovering: get it out, then grant another.
        private void RemoveActive(int x)
        {
            RemoveActive(x, WireWords.Of(_members[x].Verdict));
        }

        // why: what is wrong with it, in the reasons of the grants ("software-failure", "claims active without a grant").
        private void RemoveActive(int x, string why)
        {
            ChannelUnit u = _members[x];
            if (!_ctx.BoardGraceOver)
            {
                // Roles may be granted early when every member was heard, but nobody is demoted
                // or fenced while the board itself is in its boot grace.
                return;
            }

            int cand = Best(x);
            if (cand < 0)
            {
                AlertNobodyFit(x, "no-standby", u.Config.Node + " is " + WireWords.Of(u.State) + " and no other member is healthy: no failover, the ladder works on it",
                    u.Config.Node + " is " + WireWords.Of(u.State) + ": no failover, the ladder works on it");
                return;
            }

            if (u.ConfirmedOut)
            {
                ReleaseClaim(x, ClaimRelease.ConfirmedOut);
                Promote(cand, "failover: " + u.Config.Node + " is out (" + why + ")");
            }
            else if (u.AliveOnWires && !FenceOnNetworkFailure(u))
            {
                StartDemote(x, cand, true, "failover: " + u.Config.Node + " " + why);
            }
            else if (u.CanFence())
            {
                u.TakeoverHold(u.AliveOnWires
                    ? "stonith: every link of " + u.Config.Node + " is down (network_failure: fence): holding reset before " + _members[cand].Config.Node + " takes over"
                    : "stonith: holding reset before " + _members[cand].Config.Node + " takes over");
                _moving = x;
                _target = cand;
                Phase = GroupPhase.Fencing;
            }
            else
            {
                AlertOnce("cannot-fence", u.Config.Node + " cannot be fenced; no failover");
            }
        }

        // A demotion needs an answer over the network, which an active with every link down can
        // only give over some other path to the broker. With network_failure "fence" the board
        // does not wait for it: reset held now, the standby promoted once that is confirmed.
        private bool FenceOnNetworkFailure(ChannelUnit u)
        {
            return Config.NetworkFailure == NetworkFailurePolicy.Fence && u.Verdict == Verdict.NetworkFailure;
        }

        private void StartDemote(int x, int target, bool failover, string reason)
        {
            _role[x] = NodeRole.Standby;
            _members[x].RoleOut = false;
            Round(reason + ": demoting " + _members[x].Config.Node);
            _demoteEpoch[x] = Epoch;
            _moving = x;
            _target = target;
            _failover = failover;
            _deadline = _ctx.Now + _ctx.Timing.DemoteAckTimeout;
            Phase = GroupPhase.Demoting;
        }

        private void TickDemoting()
        {
            int x = _moving;
            ChannelUnit u = _members[x];
            if (MovedOut(" is out"))
            {
                return;
            }

            if (u.Unfit)
            {
                _failover = true;
            }

            if (_ctx.Now < _deadline || u.State == ChannelState.Maintenance)
            {
                // Maintenance: no automatic action; it keeps its claim until it acknowledges.
                return;
            }

            if (!_failover && AnyUnexpectedClaim())
            {
                // It may have stepped down without saying so, and another member acts as active
                // without a grant: granting it active again could make two. Its claim stands and
                // the several-claims round sorts them out (everyone steps down, the intruder is fenced).
                _demoteEpoch[x] = 0;
                Phase = GroupPhase.Stable;
                _ctx.Event("switchover-aborted", Severity.Alert, u.Config.Node, Config.Name, u.Config.Node + " did not acknowledge its demotion in time and another member claims active without a grant; nobody is granted active until the claims are resolved");
            }
            else if (!_failover)
            {
                _role[x] = NodeRole.Active;
                _demoteEpoch[x] = 0;
                _members[x].RoleOut = true;
                Phase = GroupPhase.Stable;
                _ctx.Event("switchover-aborted", Severity.Alert, u.Config.Node, Config.Name, u.Config.Node + " did not acknowledge its demotion in time; it stays active");
                Round("switchover aborted: " + u.Config.Node + " stays active");
            }
            else if (Best(x) < 0)
            {
                // Nobody could take over: fencing it would only take the service down.
                AlertNobodyFit(x, "no-standby", u.Config.Node + " did not acknowledge its demotion and no other member is healthy; it keeps its claim",
                    u.Config.Node + " did not acknowledge its demotion and keeps its claim");
            }
            else if (u.CanFence())
            {
                u.TakeoverHold("stonith: " + u.Config.Node + " did not acknowledge its demotion");
                Phase = GroupPhase.Fencing;
            }
            else
            {
                AlertOnce("demotion-unacknowledged", u.Config.Node + " did not acknowledge its demotion and may not be fenced; nobody is promoted");
            }
        }

        private void TickFencing()
        {
            if (!MovedOut(" confirmed out") && !_members[_moving].HoldReset)
            {
                Phase = GroupPhase.Stable;
            }
        }

        // The member being moved off the role is confirmed out: its claim ends, the demotion it
        // may owe is moot, and the target (or the best fit member) is granted. False while it is not out.
        private bool MovedOut(string how)
        {
            int x = _moving;
            if (!_members[x].ConfirmedOut)
            {
                return false;
            }

            ReleaseClaim(x, ClaimRelease.ConfirmedOut);
            _demoteEpoch[x] = 0;
            CompleteMove("failover: " + _members[x].Config.Node + how);
            return true;
        }

        private void CompleteMove(string reason)
        {
            Phase = GroupPhase.Stable;
            int t = _target >= 0 && !_claim[_target] && _members[_target].State == ChannelState.Healthy && _members[_target].Ready ? _target : Best(-1);
            _moving = -1;
            _target = -1;
            if (t >= 0 && ClaimCount == 0)
            {
                Promote(t, reason);
            }
        }

        private void Promote(int cand, string reason)
        {
            if (!MayGrantActive())
            {
                // The ticket was lost since this move began (a message can end it before the next
                // tick takes the loss over): nobody is promoted; the next tick handles the claims.
                return;
            }

            for (int m = 0; m < _members.Length; m++)
            {
                if (_role[m] == NodeRole.Active && m != cand) { _role[m] = NodeRole.Standby; }
            }

            _role[cand] = NodeRole.Active;
            _claim[cand] = true;
            _unexpected[cand] = false;
            Round(reason + ": " + _members[cand].Config.Node + " becomes active");
            AwaitGrantAck(cand);
            _alerted = "";
        }
    }
}
