using Watchdog.Protocol.Messages;
using Watchdog.Protocol.Topics;
using Watchdog.Protocol.Wire;

namespace Watchdog.Firmware.Core
{
    /// <summary>
    /// The group's published roles (group/&lt;group&gt;/roles): who is active, standby, ready to
    /// take over, fenced. Published with every round of grants, and again under the same epoch
    /// when the fenced or ready members change without one, so readers never see a stale picture;
    /// and the last one again every reading period with a fresh timestamp, so a retained value
    /// someone else wrote there (forged) is overwritten within one period.
    /// </summary>
    internal sealed partial class GroupArbiter
    {
        private GroupRoles? _lastRoles;

        /// <summary>The periodic republish: the same roles, a fresh timestamp (no allocation).</summary>
        public void RepublishRoles()
        {
            if (_lastRoles == null || Phase == GroupPhase.Settling)
            {
                return;
            }

            _lastRoles.Timestamp = _ctx.WallMs;
            _ctx.Output.Add(TopicKind.GroupRoles, Config.Name, _lastRoles, true);
        }

        private bool FencedChanged()
        {
            for (int m = 0; m < _members.Length; m++)
            {
                if ((_role[m] != NodeRole.Active && _members[m].State == ChannelState.Fenced) != _shownFenced[m]) { return true; }
            }

            return false;
        }

        private string FencedList()
        {
            string list = "";
            for (int m = 0; m < _members.Length; m++)
            {
                if (_members[m].State == ChannelState.Fenced) { list = list.Length == 0 ? _members[m].Config.Node : list + ", " + _members[m].Config.Node; }
            }

            return list.Length == 0 ? "none" : list;
        }

        /// <summary>A standby that could take over now: healthy, ready by its agent's word, not claiming the role (the same test as Best).</summary>
        private bool IsReady(int m)
        {
            return _role[m] != NodeRole.Active && !_claim[m] && _members[m].State == ChannelState.Healthy && _members[m].Ready;
        }

        private bool ReadyChanged()
        {
            for (int m = 0; m < _members.Length; m++)
            {
                if (IsReady(m) != _shownReady[m]) { return true; }
            }

            return false;
        }

        private string ReadyList()
        {
            string list = "";
            for (int m = 0; m < _members.Length; m++)
            {
                if (IsReady(m)) { list = list.Length == 0 ? _members[m].Config.Node : list + ", " + _members[m].Config.Node; }
            }

            return list.Length == 0 ? "nobody" : list;
        }

        private void PublishRoles(string reason)
        {
            int active = 0, fenced = 0, ready = 0;
            for (int m = 0; m < _members.Length; m++)
            {
                if (_role[m] == NodeRole.Active) { active++; } else if (_members[m].State == ChannelState.Fenced) { fenced++; }
                _shownFenced[m] = _role[m] != NodeRole.Active && _members[m].State == ChannelState.Fenced;
                _shownReady[m] = IsReady(m);
                if (_shownReady[m]) { ready++; }
            }

            _rolesPublished = true;

            GroupRoles roles = new GroupRoles();
            roles.Group = Config.Name;
            roles.Mode = Config.Mode;
            roles.Epoch = Epoch;
            roles.Active = new string[active];
            roles.Fenced = new string[fenced];
            roles.Standby = new string[_members.Length - active - fenced];
            roles.Ready = new string[ready];
            int a = 0, f = 0, s = 0, r = 0;
            for (int m = 0; m < _members.Length; m++)
            {
                string node = _members[m].Config.Node;
                if (_role[m] == NodeRole.Active) { roles.Active[a++] = node; }
                else if (_members[m].State == ChannelState.Fenced) { roles.Fenced[f++] = node; }
                else { roles.Standby[s++] = node; }

                if (_shownReady[m]) { roles.Ready[r++] = node; }
            }

            roles.Reason = reason;
            roles.Timestamp = _ctx.WallMs;
            _lastRoles = roles;
            _ctx.Output.Add(TopicKind.GroupRoles, Config.Name, roles, true);
        }
    }
}
