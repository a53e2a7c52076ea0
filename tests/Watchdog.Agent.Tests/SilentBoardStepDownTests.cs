namespace Watchdog.Agent.Tests;

/// <summary>
/// Board:DemoteWhenSilentMs: in a group that spans sites an active that hears nothing from its
/// board steps down, since its site may have lost the ticket without the board saying so.
/// </summary>
public sealed class SilentBoardStepDownTests
{
    private static BoardContact Contact(FakeTimeProvider time, RecordingEvents events, long demoteWhenSilentMs) =>
        new(new AgentStatus(), events, time, lostAfterMs: 60_000, demoteWhenSilentMs);

    [Fact]
    public void An_active_steps_down_once_the_board_is_silent_for_the_bound_and_again_only_after_hearing_it()
    {
        var time = new FakeTimeProvider();
        var events = new RecordingEvents();
        BoardContact contact = Contact(time, events, 6000);

        time.Advance(TimeSpan.FromMilliseconds(5999));
        Assert.False(contact.ShouldStepDown(NodeRole.Active));
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(contact.ShouldStepDown(NodeRole.Active));
        Assert.Contains(events.All, e => e.Kind == "board-silent-step-down" && e.Severity == Severity.Critical);

        // Once per silence: the next look says nothing more.
        time.Advance(TimeSpan.FromSeconds(10));
        Assert.False(contact.ShouldStepDown(NodeRole.Active));

        // Heard again (say a new grant of active), then silent again: it steps down again.
        contact.Heard("grant");
        time.Advance(TimeSpan.FromMilliseconds(5000));
        Assert.False(contact.ShouldStepDown(NodeRole.Active));
        time.Advance(TimeSpan.FromMilliseconds(1000));
        Assert.True(contact.ShouldStepDown(NodeRole.Active));
    }

    [Fact]
    public void A_standby_or_a_contact_without_the_bound_never_steps_down()
    {
        var time = new FakeTimeProvider();
        var events = new RecordingEvents();
        BoardContact ticketed = Contact(time, events, 6000);
        BoardContact rack = Contact(time, events, 0);
        time.Advance(TimeSpan.FromMinutes(5));
        Assert.False(ticketed.ShouldStepDown(NodeRole.Standby));
        Assert.False(rack.ShouldStepDown(NodeRole.Active));
        Assert.DoesNotContain(events.All, e => e.Kind == "board-silent-step-down");
    }

    [Fact]
    public async Task The_step_down_runs_the_demote_actions_at_the_highest_epoch()
    {
        var (time, _, contact, actions, roles) = SilenceBoundAgent();
        await roles.HandleGrantAsync(ActiveGrant(7), live: true, CancellationToken.None);

        time.Advance(TimeSpan.FromSeconds(6));
        Assert.True(contact.ShouldStepDown(roles.Role));
        await roles.DemoteAsync("board silent", roles.HighestEpoch, CancellationToken.None);

        Assert.Equal(NodeRole.Standby, roles.Role);
        Assert.Equal(NodeRole.Standby, actions.Calls[^1].To);
        Assert.Equal(7, actions.Calls[^1].Epoch);
    }

    [Fact]
    public async Task After_stepping_down_it_takes_active_again_only_from_a_newer_epoch()
    {
        // The board ends the claim of an active that says "standby@7" unasked and grants under a
        // new epoch; that is sound only if no grant at 7 can make the node active again.
        var (_, events, _, actions, roles) = SilenceBoundAgent();
        await roles.HandleGrantAsync(ActiveGrant(7), live: true, CancellationToken.None);
        await roles.DemoteAsync("board silent", roles.HighestEpoch, CancellationToken.None);
        int calls = actions.Calls.Count;

        await roles.HandleGrantAsync(ActiveGrant(7), live: true, CancellationToken.None);
        Assert.Equal(NodeRole.Standby, roles.Role);
        Assert.Equal(calls, actions.Calls.Count);
        Assert.Contains(events.All, e => e.Kind == "grant-stale" && e.Detail.Contains("left the role at epoch 7", StringComparison.Ordinal));

        await roles.HandleGrantAsync(ActiveGrant(8), live: true, CancellationToken.None);
        Assert.Equal(NodeRole.Active, roles.Role);
        Assert.Equal(8, actions.Calls[^1].Epoch);
    }

    /// <summary>An agent whose board bounds its silence at 6 s, its role actions recorded.</summary>
    private static (FakeTimeProvider Time, RecordingEvents Events, BoardContact Contact, RecordingActions Actions, RoleState Roles) SilenceBoundAgent()
    {
        var time = new FakeTimeProvider();
        var events = new RecordingEvents();
        var status = new AgentStatus();
        BoardContact contact = new(status, events, time, lostAfterMs: 60_000, demoteWhenSilentMs: 6000);
        var actions = new RecordingActions();
        return (time, events, contact, actions, new RoleState("n1", "g1", actions, status, events, contact, time));
    }

    private static Grant ActiveGrant(long epoch) => new() { Group = "g1", Node = "n1", Role = NodeRole.Active, Epoch = epoch, Reason = "test", Timestamp = 1 };

    private sealed class RecordingActions : IRoleActions
    {
        public List<RoleChange> Calls { get; } = [];

        public Task<RoleActionResult> PromoteAsync(RoleChange change, CancellationToken ct)
        {
            Calls.Add(change);
            return Task.FromResult(RoleActionResult.Done("promoted"));
        }

        public Task<RoleActionResult> DemoteAsync(RoleChange change, CancellationToken ct)
        {
            Calls.Add(change);
            return Task.FromResult(RoleActionResult.Done("demoted"));
        }
    }
}
