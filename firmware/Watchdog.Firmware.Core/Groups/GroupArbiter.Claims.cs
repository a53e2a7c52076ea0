using Watchdog.Firmware.Core.Config;
using Watchdog.Protocol.Wire;

namespace Watchdog.Firmware.Core
{
    /// <summary>
    /// An active the board did not grant (docs/safety-rules.md, rule 9): a member that says it is
    /// active although this board never granted it (it acted on a grant from elsewhere: forged
    /// before seals, replayed, or a stale retained one), or whose claim shows no grant sealed by a
    /// board key (NodeState.GrantProof, checked by the glue). It counts as a claim, so nobody else
    /// is promoted past it, but it is never the member kept: it is demoted, or fenced when it does
    /// not step down, before anyone else takes over.
    /// </summary>
    internal sealed partial class GroupArbiter
    {
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

            if (_members[x].State == ChannelState.Healthy)
            {
                Promote(x, "granting " + _members[x].Config.Node + " the role it claimed without a grant (no other member is fit)");
            }
        }
    }
}
