using Watchdog.Firmware.Core.Tests.Harness;
using Watchdog.Protocol.Messages;
using Watchdog.Protocol.Wire;

namespace Watchdog.Firmware.Core.Tests;

/// <summary>
/// The referee's checks must be able to fail, or the scenarios and properties prove nothing:
/// each breach is staged by hand here and must be reported.
/// </summary>
public sealed class RefereeTests
{
    private static Rack Settled()
    {
        var rack = new Rack(TestConfigs.Group(GroupMode.ActiveStandby, 2));
        rack.Logging = false;
        rack.Run(80);
        return rack;
    }

    [Fact]
    public void Two_actives_are_reported()
    {
        var rack = Settled();
        Assert.Empty(rack.Referee.Violations);
        rack.Server("n2").Role = NodeRole.Active;
        rack.Tick();
        Assert.Contains(rack.Referee.Violations, v => v.Contains("two actives in g: n1, n2", StringComparison.Ordinal));
    }

    [Fact]
    public void A_promotion_while_the_old_active_acts_is_reported()
    {
        var rack = Settled();
        rack.Referee.Persisted(rack.Persisted + 1);
        rack.Referee.GrantPublished(new Grant { Group = "g", Node = "n2", Role = NodeRole.Active, Epoch = rack.Persisted + 1 });
        Assert.Contains(rack.Referee.Violations, v => v.Contains("STONITH", StringComparison.Ordinal));
    }

    [Fact]
    public void A_promotion_of_a_member_that_said_it_is_not_ready_is_reported_but_keeping_the_active_is_not()
    {
        var rack = Settled();
        var standby = rack.Servers.Single(s => s.Role != NodeRole.Active);
        var active = rack.Servers.Single(s => s.Role == NodeRole.Active);
        standby.NotReady = true;
        active.NotReady = true;
        rack.PublishStateNow(standby);
        rack.PublishStateNow(active);
        Assert.Empty(rack.Referee.Violations);

        // The active granted again in a new round keeps its role: no promotion, no breach.
        rack.Referee.Persisted(rack.Persisted + 1);
        rack.Referee.GrantPublished(new Grant { Group = "g", Node = active.Node, Role = NodeRole.Active, Epoch = rack.Persisted + 1 });
        Assert.Empty(rack.Referee.Violations);

        rack.Referee.Persisted(rack.Persisted + 2);
        rack.Referee.GrantPublished(new Grant { Group = "g", Node = standby.Node, Role = NodeRole.Active, Epoch = rack.Persisted + 2 });
        Assert.Contains(rack.Referee.Violations, v => v.Contains(standby.Node + " granted active although its latest state said it is not ready", StringComparison.Ordinal));
    }

    [Fact]
    public void A_grant_above_the_persisted_epoch_or_below_the_last_round_is_reported()
    {
        var rack = Settled();
        rack.Referee.GrantPublished(new Grant { Group = "g", Node = "n1", Role = NodeRole.Standby, Epoch = rack.Persisted + 5 });
        Assert.Contains(rack.Referee.Violations, v => v.Contains("before it was persisted", StringComparison.Ordinal));
        rack.Referee.GrantPublished(new Grant { Group = "g", Node = "n1", Role = NodeRole.Standby, Epoch = 0 });
        Assert.Contains(rack.Referee.Violations, v => v.Contains("below the group's previous round", StringComparison.Ordinal));
        rack.Referee.Persisted(1);
        Assert.Contains(rack.Referee.Violations, v => v.Contains("epochs must only grow", StringComparison.Ordinal));
    }

    [Fact]
    public void An_action_in_the_board_grace_is_reported()
    {
        var rack = new Rack(TestConfigs.Group(GroupMode.ActiveStandby, 2)) { Logging = false };
        rack.Run(3);
        rack.Referee.BeforeTick();
        rack.Referee.RelayChanged(0, 0, 1, fromCommand: false);
        Assert.Contains(rack.Referee.Violations, v => v.Contains("while it was quiet", StringComparison.Ordinal));
    }

    [Fact]
    public void Wire_actions_beyond_the_cap_are_reported()
    {
        var rack = Settled();
        rack.Referee.BeforeTick();
        for (int i = 0; i < 5; i++)
        {
            rack.Referee.RelayChanged(1, 0, 1, fromCommand: false);
            rack.Referee.RelayChanged(1, 1, 0, fromCommand: false);
        }

        Assert.Contains(rack.Referee.Violations, v => v.Contains("within one cap window", StringComparison.Ordinal));
    }

    private static Rack SettledWithTicket(long floor)
    {
        var rack = new Rack(TestConfigs.Group(GroupMode.ActiveStandby, 2, siteTicket: true));
        rack.Logging = false;
        Assert.Equal("", rack.SetTicket("g", true, floor));
        rack.Run(80);
        return rack;
    }

    [Fact]
    public void A_grant_of_active_without_the_site_ticket_or_below_its_floor_is_reported()
    {
        var rack = SettledWithTicket(floor: 50);
        Assert.Empty(rack.Referee.Violations);
        Assert.True(rack.Persisted > 50, $"the first grant at {rack.Persisted} is not above the floor");

        // Held: a grant at or below the floor the glue passed is a breach (the other site may have used it).
        rack.Referee.Persisted(rack.Persisted + 1);
        rack.Referee.GrantPublished(new Grant { Group = "g", Node = "n2", Role = NodeRole.Standby, Epoch = 50 });
        Assert.Contains(rack.Referee.Violations, v => v.Contains("not above the site ticket floor 50", StringComparison.Ordinal));

        // Lost: granting active at all is a breach, whatever the epoch.
        rack.SetTicket("g", false);
        rack.Run(40);
        Assert.All(rack.Servers, s => Assert.False(s.ActsActive, s.Node + " still acts as active after the loss"));
        rack.Referee.Persisted(rack.Persisted + 1);
        rack.Referee.GrantPublished(new Grant { Group = "g", Node = "n2", Role = NodeRole.Active, Epoch = rack.Persisted + 1 });
        Assert.Contains(rack.Referee.Violations, v => v.Contains("n2 granted active while the site does not hold the site ticket of g", StringComparison.Ordinal));
    }

    [Fact]
    public void An_active_that_outlives_a_lost_ticket_is_reported()
    {
        var rack = SettledWithTicket(floor: 0);
        var active = rack.Servers.Single(s => s.ActsActive);

        // The referee hears of the loss, the core does not: its active goes on acting.
        rack.Referee.TicketChanged("g", held: false, floor: 0);
        var t = rack.Config.Timing;
        rack.Run((t.DemoteAckTimeoutMs + t.FenceConfirmMs) / t.TickMs);
        Assert.Empty(rack.Referee.Violations);
        rack.Run(2);
        Assert.Contains(rack.Referee.Violations, v => v.Contains(active.Node + " still acts as active", StringComparison.Ordinal) && v.Contains("site ticket of g was lost", StringComparison.Ordinal));
    }
}
