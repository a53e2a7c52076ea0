using Watchdog.Protocol.Messages;
using Watchdog.Protocol.Topics;
using Watchdog.Protocol.Wire;

namespace Watchdog.Firmware.Core
{
    /// <summary>
    /// Signed commands: find the target, verify signature, key, freshness, replay and epoch
    /// (against the target's epoch), then check the action is safe now. Every command gets a
    /// CommandAck; every refusal also an event with its reason (safety rule 7, docs/safety-rules.md).
    /// </summary>
    internal sealed class CommandDesk
    {
        private readonly CoreContext _ctx;
        private readonly ChannelUnit[] _units;
        private readonly GroupArbiter[] _groups;
        private readonly ICommandVerifier _verifier;
        private readonly CommandAck _ack = new CommandAck();

        public CommandDesk(CoreContext ctx, ChannelUnit[] units, GroupArbiter[] groups, ICommandVerifier verifier)
        {
            _ctx = ctx;
            _units = units;
            _groups = groups;
            _verifier = verifier;
        }

        public void Handle(SignedCommand c)
        {
            string detail;
            CommandVerdict verdict = Decide(c, out detail);
            _ack.Id = c.Id;
            _ack.Target = c.Target;
            _ack.Verdict = verdict;
            _ack.Detail = detail;
            _ack.Epoch = _ctx.Epoch;
            _ack.Timestamp = _ctx.WallMs;
            string what = WireWords.Of(c.Action) + " " + c.Target + (c.Argument.Length > 0 ? " " + c.Argument : "") + " (id " + c.Id + ")";
            if (verdict == CommandVerdict.Accepted)
            {
                _ctx.Event("command-accepted", Severity.Warning, NodeOf(c), GroupOf(c), what + ": " + detail);
            }
            else
            {
                _ctx.Event("command-refused", Severity.Alert, NodeOf(c), GroupOf(c), what + ": " + WireWords.Of(verdict) + ": " + detail);
            }

            _ctx.Output.Add(TopicKind.CommandAck, c.Target, _ack, false);
        }

        private CommandVerdict Decide(SignedCommand c, out string detail)
        {
            detail = "";
            if (c.Target == null || c.Id == null || c.Argument == null)
            {
                detail = "id, target or argument missing";
                return CommandVerdict.Malformed;
            }

            GroupArbiter? group = FindGroup(c.Target);
            ChannelUnit? unit = FindUnit(c.Target);
            bool groupAction = c.Action == CommandAction.Switchover || c.Action == CommandAction.Failback;
            if (group == null && unit == null && c.Target != _ctx.Config.Board)
            {
                detail = "'" + c.Target + "' is not a group, node or board of board " + _ctx.Config.Board;
                return CommandVerdict.WrongTarget;
            }

            if (groupAction && group == null)
            {
                detail = WireWords.Of(c.Action) + " needs a group as target, not '" + c.Target + "'";
                return CommandVerdict.WrongTarget;
            }

            if (!groupAction && unit == null)
            {
                detail = WireWords.Of(c.Action) + " needs a node as target, not '" + c.Target + "'";
                return CommandVerdict.WrongTarget;
            }

            long epoch = group != null ? group.Epoch : (unit != null && unit.Group != null ? unit.Group.Epoch : _ctx.Epoch);
            string why;
            CommandVerdict verdict = _verifier.Verify(c, epoch, _ctx.WallMs, out why);
            if (verdict != CommandVerdict.Accepted)
            {
                detail = why != null && why.Length > 0 ? why : VerdictDetail(verdict, c, epoch);
                return verdict;
            }

            if (!_ctx.BoardGraceOver)
            {
                // Starts with CommandRefusals.Settling: watchdogctl recognises it and waits for BoardStatus.Settled.
                detail = CommandRefusals.Settling + " (" + _ctx.BoardGraceLeftMs.ToString() + " ms left); try again in a few seconds";
                return CommandVerdict.NotAllowed;
            }

            if (group != null)
            {
                return c.Action == CommandAction.Switchover
                    ? group.Switchover(c.Argument, "switchover by command", out detail)
                    : group.Failback(out detail);
            }

            return NodeAction(c.Action, unit!, out detail);
        }

        private CommandVerdict NodeAction(CommandAction action, ChannelUnit u, out string detail)
        {
            string node = u.Config.Node;
            switch (action)
            {
                case CommandAction.Fence:
                    if (u.State == ChannelState.Fenced) { detail = node + " is already fenced"; return CommandVerdict.NotAllowed; }
                    if (!u.CanFence()) { detail = node + " is the last healthy member of its group (allow_fence_last_healthy is false)"; return CommandVerdict.NotAllowed; }
                    u.Ladder.CancelWireAction();
                    u.Hold(true, "fenced by command");
                    detail = "reset held" + (u.Config.HasFence ? ", fence relay asserted" : "");
                    return CommandVerdict.Accepted;
                case CommandAction.Unfence:
                    if (u.State != ChannelState.Fenced) { detail = node + " is not fenced"; return CommandVerdict.NotAllowed; }
                    u.Unfence();
                    detail = "released; the node boots";
                    return CommandVerdict.Accepted;
                case CommandAction.Reset:
                case CommandAction.PowerCycle:
                    if (u.Group != null && u.Group.ProtectsActive(u.MemberIndex)) { detail = node + " counts as active; switch over first"; return CommandVerdict.NotAllowed; }
                    if (u.State == ChannelState.Fenced) { detail = node + " is fenced; unfence it instead"; return CommandVerdict.NotAllowed; }
                    if (!u.Ladder.StartCommanded(action == CommandAction.PowerCycle)) { detail = node + " is busy with a wire action"; return CommandVerdict.NotAllowed; }
                    detail = action == CommandAction.Reset ? "reset pulse" : "power cycle: forced off, then on";
                    return CommandVerdict.Accepted;
                case CommandAction.MaintenanceOn:
                    if (u.State == ChannelState.Maintenance) { detail = node + " is already in maintenance"; return CommandVerdict.NotAllowed; }
                    if (u.State == ChannelState.Fenced) { detail = node + " is fenced; unfence it first"; return CommandVerdict.NotAllowed; }
                    if (u.Ladder.Busy) { detail = node + " is busy with a wire action"; return CommandVerdict.NotAllowed; }
                    u.MaintenanceOn();
                    detail = "no automatic action on " + node + " until maintenance-off";
                    return CommandVerdict.Accepted;
                case CommandAction.MaintenanceOff:
                    if (u.State != ChannelState.Maintenance) { detail = node + " is not in maintenance"; return CommandVerdict.NotAllowed; }
                    u.MaintenanceOff();
                    detail = "boot grace, then judged again";
                    return CommandVerdict.Accepted;
                default:
                    detail = "unknown action";
                    return CommandVerdict.Malformed;
            }
        }

        private static string VerdictDetail(CommandVerdict verdict, SignedCommand c, long epoch)
        {
            switch (verdict)
            {
                case CommandVerdict.StaleEpoch: return "command epoch " + c.Epoch.ToString() + ", current epoch " + epoch.ToString();
                case CommandVerdict.Replayed: return "command id " + c.Id + " was seen before";
                case CommandVerdict.Expired: return "expired at " + c.ExpiresAt.ToString();
                case CommandVerdict.NotYetValid: return "issued at " + c.IssuedAt.ToString() + ", in the future";
                case CommandVerdict.UnknownKey: return "key '" + c.KeyId + "' is not known";
                case CommandVerdict.BadSignature: return "signature does not match";
                default: return "refused by the verifier";
            }
        }

        private GroupArbiter? FindGroup(string name)
        {
            for (int g = 0; g < _groups.Length; g++) { if (_groups[g].Config.Name == name) { return _groups[g]; } }
            return null;
        }

        private ChannelUnit? FindUnit(string node)
        {
            for (int i = 0; i < _units.Length; i++) { if (_units[i].Config.Node == node) { return _units[i]; } }
            return null;
        }

        private string NodeOf(SignedCommand c)
        {
            return c.Target != null && FindUnit(c.Target) != null ? c.Target : "";
        }

        private string GroupOf(SignedCommand c)
        {
            if (c.Target == null) { return ""; }
            if (FindGroup(c.Target) != null) { return c.Target; }
            ChannelUnit? u = FindUnit(c.Target);
            return u == null ? "" : u.GroupName;
        }
    }
}
