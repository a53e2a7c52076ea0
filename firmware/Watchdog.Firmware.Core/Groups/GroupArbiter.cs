using Watchdog.Firmware.Core.Config;
using Watchdog.Protocol.Messages;
using Watchdog.Protocol.Topics;
using Watchdog.Protocol.Wire;

namespace Watchdog.Firmware.Core
{
    /// <summary>
    /// Grants roles in one group. Every change of roles is a round: a new board epoch (persisted
    /// by the glue before anything is published), a retained grant for every member and the
    /// group's retained roles. A member counts as active ("claims") from its active grant until
    /// its demotion is acknowledged or it is confirmed out; in active-standby a new active is
    /// granted only when no other member claims (STONITH before takeover, safety rules 1-2, docs/safety-rules.md).
    /// </summary>
    internal sealed partial class GroupArbiter
    {
        private readonly CoreContext _ctx;
        private readonly ChannelUnit[] _members;
        private readonly NodeRole[] _role;
        private readonly bool[] _claim;
        private readonly long[] _demoteEpoch;
        private readonly long[] _demoteDeadline;
        private readonly bool[] _releasePending;
        // Which members the last published GroupRoles listed as fenced: when a member leaves or
        // enters the fenced state without a change of grants (it recovered, or was fenced as a
        // standby), the roles are published again under the same epoch so readers see it.
        private readonly bool[] _shownFenced;

        // Likewise which standbys it listed as ready to take over (GroupRoles.Ready).
        private readonly bool[] _shownReady;

        // Members not commissioned when the group settled: if one turns up later saying it is
        // active (a replaced board met an agent it never knew), it claims like any other.
        private readonly bool[] _lateArrival;

        // Members that say they are active although this board never granted it, or with no grant
        // sealed by a board key to show for it (GroupArbiter.Claims.cs): they claim, so nobody else
        // is promoted past them, but they are never the one kept.
        private readonly bool[] _unexpected;

        // The group's epoch when each unexpected claim was noted: only a demotion granted after it answers it.
        private readonly long[] _unexpectedAt;
        private bool _rolesPublished;
        private int _moving = -1;
        private int _target = -1;
        private bool _failover;
        private long _deadline;
        private string _alerted = "";

        public GroupArbiter(CoreContext ctx, GroupConfig config, ChannelUnit[] members)
        {
            _ctx = ctx;
            Config = config;
            _members = members;
            int n = members.Length;
            _role = new NodeRole[n];
            _claim = new bool[n];
            _demoteEpoch = new long[n];
            _demoteDeadline = new long[n];
            _releasePending = new bool[n];
            _shownFenced = new bool[n];
            _shownReady = new bool[n];
            _lateArrival = new bool[n];
            _unexpected = new bool[n];
            _unexpectedAt = new long[n];
            _grantEpoch = new long[n];
            _grantIssued = new long[n];
            _grantAlerted = new bool[n];
            _passedOverUntil = new long[n];
            for (int i = 0; i < n; i++)
            {
                members[i].Group = this;
                members[i].MemberIndex = i;
            }
        }

        public GroupConfig Config { get; }
        public GroupPhase Phase { get; private set; }
        public long Epoch { get; private set; }

        public NodeRole GrantedRole(int i) { return _role[i]; }
        public bool Claims(int i) { return _claim[i]; }

        public int ClaimCount
        {
            get
            {
                int count = 0;
                for (int i = 0; i < _claim.Length; i++) { if (_claim[i]) { count++; } }
                return count;
            }
        }

        public int IndexOf(string node)
        {
            for (int i = 0; i < _members.Length; i++) { if (_members[i].Config.Node == node) { return i; } }
            return -1;
        }

        /// <summary>Rule: never fence the last healthy member unless the group allows it.</summary>
        public bool OtherHealthyOrAllowed(ChannelUnit unit)
        {
            if (Config.AllowFenceLastHealthy) { return true; }
            for (int i = 0; i < _members.Length; i++)
            {
                if (_members[i] != unit && _members[i].State == ChannelState.Healthy && _members[i].AliveOnWires) { return true; }
            }

            return false;
        }

        public void Tick()
        {
            for (int m = 0; m < _members.Length; m++)
            {
                if (_releasePending[m])
                {
                    _releasePending[m] = false;
                    _members[m].ReleaseAfterTakeover();
                }
            }

            TakeTicket();
            switch (Phase)
            {
                case GroupPhase.Settling:
                    if (_ctx.BoardGraceOver || AllHeard()) { Settle(); }
                    break;
                case GroupPhase.Demoting:
                    TickDemoting();
                    break;
                case GroupPhase.Fencing:
                    TickFencing();
                    break;
                default:
                    if (Config.Mode != GroupMode.ActiveStandby) { TickActiveActive(); }
                    else if (MayGrantActive()) { TickActiveStandby(); }
                    else { TickWithoutTicket(); }
                    break;
            }

            if (_rolesPublished && FencedChanged())
            {
                PublishRoles("membership changed: fenced members are now " + FencedList());
            }
            else if (_rolesPublished && ReadyChanged())
            {
                PublishRoles("membership changed: ready to take over now " + ReadyList());
            }
        }

        // After a board (re)start: a member is heard when its agent published its state and its heartbeat was judged.
        private bool AllHeard()
        {
            for (int m = 0; m < _members.Length; m++)
            {
                if (!_members[m].HeardState || _members[m].State == ChannelState.Booting || _members[m].State == ChannelState.Unknown) { return false; }
            }

            return true;
        }

        private void Settle()
        {
            // Conservative: a member that said it is active claims; so does one we never heard from
            // (it may be a frozen active that would resume), and one whose report is older than
            // the epoch persisted before the restart (it may have been granted active since; a
            // retained state can be stale). Claims end only by an acknowledged
            // demotion or a confirmed fence, never by the board's word alone.
            int claimant = -1;
            int claims = 0;
            long highest = 0;
            for (int m = 0; m < _members.Length; m++)
            {
                ChannelUnit u = _members[m];
                if (u.HeardState && u.ClaimProven && u.ReportedEpoch > highest) { highest = u.ReportedEpoch; }
                // A member this board never heard, now or before, was never granted a role by it: absent, no claim.
                _lateArrival[m] = !u.Commissioned;
                _claim[m] = u.Commissioned && (!u.HeardState || u.ReportedRole == NodeRole.Active || u.ReportedEpoch < _ctx.PersistedAtStart);

                // The board grants Active only by a round (or the restore below), never from a report.
                _role[m] = NodeRole.Standby;
                if (_claim[m]) { claims++; claimant = m; }
            }

            Phase = GroupPhase.Stable;
            string detail = Describe();
            _ctx.Event("roles-settled", Severity.Info, "", Config.Name, detail);
            for (int m = 0; m < _members.Length; m++)
            {
                if (_claim[m] && _members[m].HeardState) { NoteUnexpectedClaim(m); }
            }

            if (claims == 1 && MayGrantActive() && _members[claimant].HeardState && _members[claimant].ClaimProven && _members[claimant].ReportedEpoch == highest && highest > 0 && !_members[claimant].Unfit)
            {
                // The active we find is the one the last epoch made: nothing new to grant.
                Epoch = highest;
                _role[claimant] = NodeRole.Active;
                for (int m = 0; m < _members.Length; m++) { _members[m].RoleOut = _role[m] == NodeRole.Active; }
                PublishRoles("restored after board start");
            }
        }

        private void TickActiveStandby()
        {
            int claims = ClaimCount;
            if (claims == 0)
            {
                int cand = Best(-1);
                if (cand >= 0)
                {
                    Promote(cand, "no active member");
                }
                else
                {
                    AlertNobodyFit(-1, "no-candidate", "no member is healthy enough to be active", "no member is active");
                }

                return;
            }

            if (claims > 1)
            {
                ResolveSeveralClaims();
                return;
            }

            int x = FirstClaimant();
            ChannelUnit u = _members[x];
            if (u.State == ChannelState.Maintenance)
            {
                return;
            }

            if (u.Unfit)
            {
                RemoveActive(x);
                return;
            }

            if (_unexpected[x])
            {
                RemoveUnexpected(x);
                return;
            }

            if (TickGrantAck(x))
            {
                return;
            }

            if (_role[x] != NodeRole.Active)
            {
                if (u.State == ChannelState.Healthy && !u.Ready)
                {
                    // Confirming it would grant active to a member that says it is not ready; its
                    // claim stands (nobody is promoted past it, nothing is done to it) until it is.
                    AlertClaimNotReady(x);
                }
                else if (u.State == ChannelState.Healthy && u.ReportedRole != NodeRole.Active && _demoteEpoch[x] > 0 && _ctx.Now < _demoteDeadline[x])
                {
                    // It says standby and was asked to step down (a possible claim: its report
                    // predates the epoch floor): its acknowledgement ends the claim and the best
                    // member is promoted then; adopting it now would move the role for nothing.
                    // Only an acknowledgement later than the deadline makes it adopted.
                }
                else if (u.State == ChannelState.Healthy)
                {
                    // A demotion it may still owe (a several-claims round) is overruled by this
                    // newer grant: its late acknowledgement must not end the claim confirmed here.
                    _role[x] = NodeRole.Active;
                    _demoteEpoch[x] = 0;
                    Round("adopted " + u.Config.Node + ": it claims the active role");
                }

                return;
            }

            int preferred = PreferredReady();
            if (preferred >= 0 && preferred < x)
            {
                if (Config.Failback == FailbackPolicy.Automatic)
                {
                    StartDemote(x, preferred, false, "automatic failback to " + _members[preferred].Config.Node);
                }
                else
                {
                    AlertOnce("failback-available", _members[preferred].Config.Node + " is healthy and preferred; failback is manual: send a failback command");
                }
            }
        }

        /// <summary>
        /// A new epoch, a retained grant for every member, the group's roles. The ROLE lines follow
        /// the grants. The grants of active go out first: the glue publishes one message at a
        /// time, and a takeover waits for the new active's grant, not for the others (whose order
        /// means nothing: each goes to its own member, and the round was decided before any).
        /// </summary>
        private void Round(string reason)
        {
            Epoch = _ctx.NextEpoch();
            for (int pass = 0; pass < 2; pass++)
            {
                for (int m = 0; m < _members.Length; m++)
                {
                    NodeRole role = _role[m] == NodeRole.Active ? NodeRole.Active : NodeRole.Standby;
                    if ((role == NodeRole.Active) != (pass == 0))
                    {
                        continue;
                    }

                    _role[m] = role;
                    _members[m].RoleOut = role == NodeRole.Active;
                    if (role != NodeRole.Active) { _grantEpoch[m] = 0; }
                    _ctx.Grant(Config.Name, _members[m].Config.Node, role, Epoch, reason);
                    if (_members[m].TakeoverHeld && !_claim[m]) { _releasePending[m] = true; }
                }
            }

            PublishRoles(reason);
        }

        private int FirstClaimant()
        {
            for (int m = 0; m < _claim.Length; m++) { if (_claim[m]) { return m; } }
            return -1;
        }

        /// <summary>
        /// The highest-priority member fit to become active now. One whose agent cannot hear the
        /// board (presence lost, silent, or never heard on MQTT) is taken only when no other is
        /// fit: its grant could only arrive over the ROLE wire. One that let a grant of active go unacknowledged is
        /// passed over for a grant-ack timeout.
        /// </summary>
        private int Best(int exclude)
        {
            int unreachable = -1;
            for (int m = 0; m < _members.Length; m++)
            {
                if (!Fit(m, exclude)) { continue; }
                if (_members[m].Reachable && _members[m].HeardState) { return m; }
                if (unreachable < 0) { unreachable = m; }
            }

            return unreachable;
        }

        /// <summary>Member <paramref name="m"/> could be granted active now: healthy, ready by its agent's word, not claiming, not passed over.</summary>
        private bool Fit(int m, int exclude)
        {
            return m != exclude && !_claim[m] && _members[m].State == ChannelState.Healthy && _members[m].Ready && _ctx.Now >= _passedOverUntil[m];
        }

        /// <summary>The highest-priority member healthy for the failback-stable time and ready to be promoted.</summary>
        private int PreferredReady()
        {
            long stable = _ctx.Timing.Ticks(Config.FailbackStableMs);
            for (int m = 0; m < _members.Length; m++)
            {
                ChannelUnit u = _members[m];
                if (u.State == ChannelState.Healthy && u.Ready && _ctx.Now - u.StateSince >= stable) { return m; }
            }

            return -1;
        }

        private void AlertOnce(string kind, string detail)
        {
            if (_alerted == kind) { return; }
            _alerted = kind;
            _ctx.Event(kind, Severity.Alert, "", Config.Name, detail);
        }

        private string Describe()
        {
            string text = "";
            for (int m = 0; m < _members.Length; m++)
            {
                ChannelUnit u = _members[m];
                string said = u.HeardState ? WireWords.Of(u.ReportedRole) + "@" + u.ReportedEpoch.ToString() : "unheard";
                text = text + (m == 0 ? "" : ", ") + u.Config.Node + " " + said + (_claim[m] ? " (claims)" : "");
            }

            return text;
        }
    }
}
