using Watchdog.Protocol.Wire;

namespace Watchdog.Firmware.Core
{
    /// <summary>
    /// Promotion readiness (docs/safety-rules.md, rule 11): a member whose agent's latest state
    /// says it is not ready (a check that gates promotion fails, such as a database standby not
    /// in sync) is never granted active: not by a failover, a switchover, a failback nor when the
    /// group has no active. It is not unfit for that: it keeps feeding its heartbeat, nobody
    /// resets or fences it, and an active that turns not ready keeps its role. When readiness
    /// alone leaves nobody to promote, one alert names who is not ready and why.
    /// </summary>
    internal sealed partial class GroupArbiter
    {
        // An agent's reason can hold every check's detail; an event quotes only its start.
        private const int ReasonQuoted = 160;

        private const string ReadinessAlert = "standby-not-ready";

        /// <summary>
        /// Members that would be fit to become active but for their agent's word that they are
        /// not ready, with its reason: "db2 (not ready: pg-sync: ...)"; "" when there are none.
        /// </summary>
        private string NotReadyList(int exclude)
        {
            string list = "";
            for (int m = 0; m < _members.Length; m++)
            {
                if (HeldBackByReadiness(m, exclude))
                {
                    list = (list.Length == 0 ? "" : list + ", ") + _members[m].Config.Node + " (" + NotReadyWhy(_members[m]) + ")";
                }
            }

            return list;
        }

        private bool HeldBackByReadiness(int m, int exclude)
        {
            return m != exclude && !_claim[m] && !_members[m].Ready && _members[m].State == ChannelState.Healthy;
        }

        private bool AnyHeldBackByReadiness(int exclude)
        {
            for (int m = 0; m < _members.Length; m++)
            {
                if (HeldBackByReadiness(m, exclude)) { return true; }
            }

            return false;
        }

        /// <summary>
        /// Nobody can be granted active. When some member is held back only by readiness the
        /// alert says so, once, naming it and why; otherwise the usual <paramref name="kind"/>.
        /// </summary>
        private void AlertNobodyFit(int exclude, string kind, string detail, string waiting)
        {
            if (!AnyHeldBackByReadiness(exclude))
            {
                AlertOnce(kind, detail);
            }
            else if (_alerted != ReadinessAlert)
            {
                // Checked first: this runs every tick while nobody is fit, and the list is built only for the alert.
                AlertOnce(ReadinessAlert, waiting + "; not ready to be promoted: " + NotReadyList(exclude) + "; nobody is promoted until a member is ready");
            }
        }

        /// <summary>The one claimant <paramref name="x"/> would be granted the role it claims, but says it is not ready.</summary>
        private void AlertClaimNotReady(int x)
        {
            ChannelUnit u = _members[x];
            if (_alerted == ReadinessAlert)
            {
                return;
            }

            AlertOnce(ReadinessAlert, u.Config.Node + " claims the active role but is not ready to be promoted (" + NotReadyWhy(u)
                + "): it is not granted the role until it is ready, and nobody else is promoted past its claim");
        }

        /// <summary>Why member <paramref name="t"/> may not be the target of a switchover or failback now, or "" when it may.</summary>
        private string NotPromotable(int t)
        {
            ChannelUnit u = _members[t];
            if (u.State != ChannelState.Healthy)
            {
                return u.Config.Node + " is " + WireWords.Of(u.State) + ", not healthy";
            }

            if (!u.Ready)
            {
                return u.Config.Node + " is not ready to be promoted (" + NotReadyWhy(u) + ")";
            }

            return "";
        }

        private static string NotReadyWhy(ChannelUnit u)
        {
            string why = u.NotReadyReason.Length == 0 ? "its agent gave no reason" : u.NotReadyReason;
            return why.Length > ReasonQuoted ? why.Substring(0, ReasonQuoted) + "..." : why;
        }
    }
}
