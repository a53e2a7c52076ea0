using Watchdog.Agent.Messaging;
using Watchdog.Platform.Signing;

namespace Watchdog.Agent.Tests;

public sealed class RoleAndCommandTests
{
    private sealed class ScriptedActions : IRoleActions
    {
        public List<RoleChange> Calls { get; } = new();

        public bool FailPromote { get; set; }

        public Task<RoleActionResult> PromoteAsync(RoleChange change, CancellationToken ct)
        {
            Calls.Add(change);
            return Task.FromResult(FailPromote ? RoleActionResult.Failed("hook exited 1") : RoleActionResult.Done("promoted"));
        }

        public Task<RoleActionResult> DemoteAsync(RoleChange change, CancellationToken ct)
        {
            Calls.Add(change);
            return Task.FromResult(RoleActionResult.Done("demoted"));
        }
    }

    private static (RoleState Roles, ScriptedActions Actions, AgentStatus Status, RecordingEvents Events, List<GrantAck> Acks, BoardContact Contact, FakeTimeProvider Time) Make()
    {
        var time = new FakeTimeProvider(DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000));
        var status = new AgentStatus();
        var events = new RecordingEvents();
        var contact = new BoardContact(status, events, time, lostAfterMs: 10_000);
        var actions = new ScriptedActions();
        var roles = new RoleState("n1", "g1", actions, status, events, contact, time);
        var acks = new List<GrantAck>();
        roles.Acknowledged += a => { acks.Add(a); return Task.CompletedTask; };
        return (roles, actions, status, events, acks, contact, time);
    }

    private static Grant G(NodeRole role, long epoch) => new() { Group = "g1", Node = "n1", Role = role, Epoch = epoch, Reason = "test", Timestamp = 1 };

    [Fact]
    public async Task Grant_is_carried_out_acknowledged_and_published_in_the_state()
    {
        var x = Make();
        await x.Roles.HandleGrantAsync(G(NodeRole.Active, 5), live: true, CancellationToken.None);
        Assert.Equal(NodeRole.Active, x.Roles.Role);
        Assert.Equal(5, x.Roles.HighestEpoch);
        GrantAck ack = Assert.Single(x.Acks);
        Assert.True(ack.Ok);
        Assert.Equal(5, ack.Epoch);
        NodeState s = x.Status.Snapshot("n1", "g1", 1);
        Assert.Equal(NodeRole.Active, s.Role);
        Assert.Equal(5, s.Epoch);
        Assert.Equal(NodeRole.Active, Assert.Single(x.Actions.Calls).To);
    }

    [Fact]
    public async Task Grant_with_a_lower_epoch_is_ignored()
    {
        var x = Make();
        await x.Roles.HandleGrantAsync(G(NodeRole.Active, 7), true, CancellationToken.None);
        await x.Roles.HandleGrantAsync(G(NodeRole.Standby, 6), true, CancellationToken.None);
        Assert.Equal(NodeRole.Active, x.Roles.Role);
        Assert.Equal(7, x.Roles.HighestEpoch);
        Assert.Single(x.Acks);
        Assert.Contains(x.Events.All, e => e.Kind == "grant-stale");
    }

    [Fact]
    public async Task Failed_promote_keeps_the_old_role_and_hands_the_grant_back()
    {
        var x = Make();
        x.Actions.FailPromote = true;
        await x.Roles.HandleGrantAsync(G(NodeRole.Active, 3), true, CancellationToken.None);
        Assert.Equal(NodeRole.None, x.Roles.Role);
        GrantAck ack = Assert.Single(x.Acks);
        Assert.False(ack.Ok);
        Assert.Equal("hook exited 1", ack.Detail);
        Assert.Contains(x.Events.All, e => e.Kind == "role-change-failed");
    }

    [Fact]
    public async Task Released_role_wire_demotes_an_active_node()
    {
        var x = Make();
        await x.Roles.HandleGrantAsync(G(NodeRole.Active, 2), true, CancellationToken.None);
        await x.Roles.HandleRoleWireAsync(asserted: false, CancellationToken.None);
        Assert.Equal(NodeRole.Standby, x.Roles.Role);
        Assert.Equal("ROLE wire released by the board", x.Actions.Calls[^1].Reason);
    }

    [Fact]
    public async Task Board_silence_sets_board_lost_keeps_the_role_and_contact_clears_it()
    {
        var x = Make();
        await x.Roles.HandleGrantAsync(G(NodeRole.Active, 2), true, CancellationToken.None);
        x.Time.Advance(TimeSpan.FromSeconds(11));
        x.Contact.Evaluate(x.Roles.Role);
        x.Contact.Evaluate(x.Roles.Role);
        Assert.True(x.Status.BoardLost);
        Assert.Equal(NodeRole.Active, x.Roles.Role);
        (string Kind, Severity Severity, string Detail) lost = Assert.Single(x.Events.All, e => e.Kind == "board-lost");
        Assert.Equal(Severity.Critical, lost.Severity);
        Assert.Contains("NO automatic failover", lost.Detail, StringComparison.Ordinal);
        Assert.Contains("board lost", x.Status.Snapshot("n1", "g1", 1).Reason, StringComparison.Ordinal);

        x.Contact.Heard("grant");
        Assert.False(x.Status.BoardLost);
        Assert.Contains(x.Events.All, e => e.Kind == "board-contact-restored");
    }

    [Fact]
    public async Task Retained_grant_does_not_count_as_contact_with_the_board()
    {
        var x = Make();
        x.Time.Advance(TimeSpan.FromSeconds(11));
        await x.Roles.HandleGrantAsync(G(NodeRole.Standby, 1), live: false, CancellationToken.None);
        x.Contact.Evaluate(x.Roles.Role);
        Assert.True(x.Status.BoardLost);
    }

    private static (CommandGate Gate, RecordingEvents Events, AgentStatus Status, byte[] Key, FakeTimeProvider Time) MakeGate()
    {
        byte[] key = Convert.FromHexString("00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff");
        var options = new CommandOptions { Keys = { ["k1"] = Convert.ToHexString(key) } };
        var time = new FakeTimeProvider(DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000));
        var events = new RecordingEvents();
        var status = new AgentStatus();
        return (new CommandGate(CommandGate.CreateVerifier(AgentKeys.Load(options, "n1").Ring, options, time), "n1", events, status, time, () => 4), events, status, key, time);
    }

    private static SignedCommand Signed(CommandAction action, string target, long epoch, long now, byte[] key, string id = "c1")
    {
        var c = new SignedCommand { Id = id, Target = target, Action = action, Epoch = epoch, IssuedAt = now, ExpiresAt = now + 60_000 };
        new CommandSigner(new PortableHmacSha256()).Sign(c, "k1", key);
        return c;
    }

    [Fact]
    public void Signed_maintenance_command_is_accepted_and_acknowledged()
    {
        var x = MakeGate();
        long now = x.Time.GetUtcNow().ToUnixTimeMilliseconds();
        CommandAck? ack = x.Gate.Handle(Signed(CommandAction.MaintenanceOn, "n1", 4, now, x.Key), "");
        Assert.NotNull(ack);
        Assert.Equal(CommandVerdict.Accepted, ack.Verdict);
        Assert.True(x.Gate.Maintenance);
        Assert.Contains("maintenance mode", x.Status.Snapshot("n1", "", 1).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Bad_signature_replay_stale_epoch_and_wrong_target_are_refused_with_ack_and_event()
    {
        var x = MakeGate();
        long now = x.Time.GetUtcNow().ToUnixTimeMilliseconds();

        SignedCommand forged = Signed(CommandAction.Fence, "n1", 4, now, x.Key, "c2");
        forged.Argument = "tampered";
        Assert.Equal(CommandVerdict.BadSignature, x.Gate.Handle(forged, "")!.Verdict);

        SignedCommand ok = Signed(CommandAction.MaintenanceOff, "n1", 4, now, x.Key, "c3");
        Assert.Equal(CommandVerdict.Accepted, x.Gate.Handle(ok, "")!.Verdict);
        Assert.Equal(CommandVerdict.Replayed, x.Gate.Handle(ok, "")!.Verdict);

        Assert.Equal(CommandVerdict.StaleEpoch, x.Gate.Handle(Signed(CommandAction.MaintenanceOn, "n1", 3, now, x.Key, "c4"), "")!.Verdict);
        Assert.Equal(CommandVerdict.WrongTarget, x.Gate.Handle(Signed(CommandAction.MaintenanceOn, "n2", 4, now, x.Key, "c5"), "")!.Verdict);
        Assert.Equal(CommandVerdict.Malformed, x.Gate.Handle(null, "byte 0: not JSON")!.Verdict);

        Assert.Equal(5, x.Events.All.Count(e => e.Kind == "command-refused"));
        Assert.Contains(x.Events.All, e => e.Kind == "command-refused" && e.Detail.Contains("bad-signature", StringComparison.Ordinal));
    }

    [Fact]
    public void Verified_board_command_is_left_to_the_board_to_acknowledge()
    {
        var x = MakeGate();
        long now = x.Time.GetUtcNow().ToUnixTimeMilliseconds();
        Assert.Null(x.Gate.Handle(Signed(CommandAction.Reset, "n1", 4, now, x.Key), ""));
        Assert.Contains(x.Events.All, e => e.Kind == "command-seen");
    }

    [Fact]
    public void Platform_and_portable_hmac_agree()
    {
        byte[] key = new byte[32];
        byte[] msg = "watchdog"u8.ToArray();
        Assert.Equal(new PortableHmacSha256().Compute(key, msg), new PlatformHmacSha256().Compute(key, msg));
    }

    [Fact]
    public void Event_outbox_drops_the_oldest_when_full_instead_of_growing()
    {
        var outbox = new EventOutbox("n1", "g1", TimeProvider.System, NullLogger.Instance, () => 0);
        for (int i = 0; i < EventOutbox.Capacity + 10; i++)
        {
            outbox.Raise("e" + i, Severity.Info, "");
        }

        Assert.True(outbox.Reader.TryRead(out EventMessage? first));
        Assert.Equal("e10", first!.Kind);
        Assert.Equal(EventOutbox.Capacity - 1, outbox.Reader.Count);
    }
}
