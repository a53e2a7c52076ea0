namespace Watchdog.Firmware.Core
{
    // The site ticket of a group that spans sites (GroupArbiter.SiteTicket.cs): the glue keeps the
    // ticket (a lease held elsewhere) and tells the core whether this site holds it.
    public sealed partial class WatchdogCore
    {
        /// <summary>
        /// Whether this site holds the site ticket of <paramref name="group"/> (a group configured
        /// with "site_ticket": true; at construction it is not held). Acted on at the next Tick:
        /// held, the group may grant active; lost, nobody is granted active from now on and every
        /// member that counts as active is demoted, and held in reset if it does not acknowledge
        /// within demote_ack_timeout_ms. Before saying held, call ContinueAbove with the highest
        /// epoch the other site may have used, so every grant here is above it. Returns "" when
        /// accepted, else a sentence naming the group and what is wrong.
        /// </summary>
        public string SetSiteTicket(string group, bool held)
        {
            string name = group == null ? "" : group;
            for (int g = 0; g < _groups.Length; g++)
            {
                if (_groups[g].Config.Name != name)
                {
                    continue;
                }

                if (!_groups[g].Config.SiteTicket)
                {
                    return "group '" + name + "' has no site ticket (its configuration does not say \"site_ticket\": true)";
                }

                _groups[g].SetTicket(held);
                return "";
            }

            return "no group '" + name + "' on board " + _ctx.Config.Board + ": its site ticket cannot be set";
        }
    }
}
