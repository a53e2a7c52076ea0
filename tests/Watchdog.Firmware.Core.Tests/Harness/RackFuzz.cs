using Watchdog.Protocol.Wire;

namespace Watchdog.Firmware.Core.Tests.Harness;

/// <summary>
/// Turns a random operation (kind, node, amount) into something that happens to the rack: ticks,
/// faults, agents that stop acknowledging, broker loss, board restarts (also right after an epoch
/// was persisted), signed operator commands, an agent that acts on a forged grant (active at the
/// current epoch or far above it, with no grant a board key sealed) and a captured command sent
/// again, an agent whose readiness to be promoted comes and goes, and the site ticket of a group
/// that has one coming and going (taken at times above an epoch floor the other site reached), and
/// an active whose agent steps down on its own.
/// </summary>
internal static class RackFuzz
{
    public const int Kinds = 25;

    public static void Apply(Rack rack, int kind, int nodeIndex, int amount, bool commands)
    {
        var s = rack.Servers[nodeIndex % rack.Servers.Length];
        switch (kind)
        {
            case 0:
            case 1:
            case 2:
                rack.Run(amount);
                break;
            case 3:
                s.Hung = true;
                s.HealOn = (HealOn)(amount % 3);
                break;
            case 4:
                s.Hung = true;
                s.HealOn = HealOn.Reset;
                s.PresenceLost = true;
                rack.StepPresence(s.Node, Presence.Lost);
                break;
            case 5:
                s.PowerLoss();
                break;
            case 6:
                s.PowerRestored(rack);
                break;
            case 7:
                s.PsuOk[amount % s.PsuOk.Length] = !s.PsuOk[amount % s.PsuOk.Length];
                break;
            case 8:
                for (int i = 0; i < s.LinkUp.Length; i++)
                {
                    s.LinkUp[i] = amount % 2 == 0;
                }

                break;
            case 9:
                s.ServiceFailing = amount % 2 == 0;
                s.RestartHeals = amount % 3 != 0;
                rack.PublishState(s);
                break;
            case 10:
                s.BrokerOk = !s.BrokerOk;
                s.PresenceLost = !s.BrokerOk;
                rack.StepPresence(s.Node, s.BrokerOk ? Presence.Ready : Presence.Lost);
                break;
            case 11:
                s.HeartbeatPauseTicks = amount % 40;
                break;
            case 12:
                s.PowerGlitchTicks = amount % 10;
                break;
            case 13:
                s.Hung = false;
                break;
            case 14:
                s.Acks = !s.Acks;
                break;
            case 15:
                rack.RestartBoard("fuzz");
                break;
            case 16:
                rack.ArmCrashAfterPersist();
                break;
            case 17:
                // Acted on a forged grant that came over the broker (so only while it can reach
                // it): active, at the board's epoch or far above it. The board hears the claim.
                if (!s.Reachable)
                {
                    break;
                }

                s.Role = NodeRole.Active;
                s.Epoch = rack.Core.Epoch + (amount % 2 == 0 ? 0 : amount * 1000);
                s.Unproven = true;
                rack.PublishStateNow(s);
                break;
            case 18:
                if (rack.LastCommand is { } captured)
                {
                    rack.Command(captured);
                }

                break;
            case 19:
                // A check that gates promotion fails or recovers (a standby falls behind or catches up).
                s.NotReady = amount % 2 == 0;
                rack.PublishState(s);
                break;
            case 23:
                FlipTicket(rack, amount);
                break;
            case 24:
                // The active's agent leaves the role on its own (Board:DemoteWhenSilentMs after the
                // broker went away, say); the board hears it when it can.
                rack.StepDown(s);
                break;
            default:
                if (commands)
                {
                    Command(rack, kind, s, amount);
                }
                else
                {
                    rack.Run(amount);
                }

                break;
        }
    }

    // The glue's ticket keeper loses the ticket, or takes it (a third of the time above a floor:
    // the other site used epochs beyond this board's). A group without a ticket just runs on.
    private static void FlipTicket(Rack rack, int amount)
    {
        var group = rack.Config.Groups[0];
        if (!group.SiteTicket)
        {
            rack.Run(amount);
            return;
        }

        bool held = !rack.TicketHeld(group.Name);
        long floor = held && amount % 3 == 0 ? rack.Core.Epoch + amount : 0;
        string error = rack.SetTicket(group.Name, held, floor);
        if (error.Length > 0)
        {
            throw new InvalidOperationException(error);
        }
    }

    private static void Command(Rack rack, int kind, SimServer s, int amount)
    {
        var actions = new[]
        {
            CommandAction.Switchover, CommandAction.Failback, CommandAction.Fence, CommandAction.Unfence,
            CommandAction.Reset, CommandAction.PowerCycle, CommandAction.MaintenanceOn, CommandAction.MaintenanceOff,
        };
        var action = actions[(kind + amount) % actions.Length];
        var group = rack.Core.Group(0);
        string target = action is CommandAction.Switchover or CommandAction.Failback ? group.Name : s.Node;
        long epoch = group.Epoch;
        string id = "fz-" + rack.TotalTicks + "-" + kind + "-" + amount;
        var c = rack.Sign(action, target, action == CommandAction.Switchover ? s.Node : "", epoch, id, rack.WallMs, rack.WallMs + 30_000);
        rack.Command(c);
    }
}
