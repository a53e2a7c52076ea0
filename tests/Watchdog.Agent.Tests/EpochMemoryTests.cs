namespace Watchdog.Agent.Tests;

/// <summary>
/// Board:EpochFile: the highest epoch acted on survives an agent restart, so a grant captured
/// earlier and replayed after the restart is refused; the grant's proof travels with the role.
/// </summary>
public sealed class EpochMemoryTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("epoch-memory-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private sealed class NoActions : IRoleActions
    {
        public Task<RoleActionResult> PromoteAsync(RoleChange change, CancellationToken ct) => Task.FromResult(RoleActionResult.Done("promoted"));

        public Task<RoleActionResult> DemoteAsync(RoleChange change, CancellationToken ct) => Task.FromResult(RoleActionResult.Done("demoted"));
    }

    /// <summary>Records each change it carries out, in order.</summary>
    private sealed class RecordedActions : IRoleActions
    {
        public List<string> Done { get; } = [];

        public Task<RoleActionResult> PromoteAsync(RoleChange change, CancellationToken ct)
        {
            Done.Add("promote@" + change.Epoch);
            return Task.FromResult(RoleActionResult.Done("promoted"));
        }

        public Task<RoleActionResult> DemoteAsync(RoleChange change, CancellationToken ct)
        {
            Done.Add("demote@" + change.Epoch + " to " + change.To);
            return Task.FromResult(RoleActionResult.Done("demoted"));
        }
    }

    private (RoleState Roles, AgentStatus Status, RecordingEvents Events) Start(string file, IRoleActions? actions = null)
    {
        var time = new FakeTimeProvider(DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000));
        var status = new AgentStatus();
        var events = new RecordingEvents();
        var roles = new RoleState("n1", "g1", actions ?? new NoActions(), status, events, new BoardContact(status, events, time, 10_000), time, new EpochMemory(file));
        return (roles, status, events);
    }

    private static Grant G(NodeRole role, long epoch) => new() { Group = "g1", Node = "n1", Role = role, Epoch = epoch, Reason = "test", Timestamp = 1 };

    [Fact]
    public async Task A_grant_older_than_the_epoch_acted_on_before_a_restart_is_refused_after_it()
    {
        string file = Path.Combine(_dir, "epoch");
        var before = Start(file);
        await before.Roles.HandleGrantAsync(G(NodeRole.Active, 5), live: true, "proof-5", CancellationToken.None);
        await before.Roles.HandleGrantAsync(G(NodeRole.Standby, 7), live: true, "proof-7", CancellationToken.None);
        Assert.False(File.Exists(file)); // the plain file is only read: the epoch is in the slots beside it
        Assert.Equal(7, new EpochMemory(file).Load());

        var after = Start(file);   // the agent restarted: same file
        await after.Roles.HandleGrantAsync(G(NodeRole.Active, 5), live: false, "proof-5", CancellationToken.None);

        Assert.Equal(NodeRole.None, after.Roles.Role);
        Assert.Contains(after.Events.All, e => e.Kind == "grant-stale");
        await after.Roles.HandleGrantAsync(G(NodeRole.Standby, 7), live: false, "proof-7", CancellationToken.None);
        Assert.Equal(NodeRole.Standby, after.Roles.Role);
        Assert.Equal("proof-7", after.Status.Snapshot("n1", "g1", 1).GrantProof);
    }

    [Fact]
    public async Task After_a_restart_the_grant_of_active_it_acted_on_before_is_not_taken_again()
    {
        // The retained grant of before the restart is still on the broker; taking it again would
        // make the node active at an epoch whose "standby" it may already have reported, and the
        // board, hearing that, grants under a newer epoch (the core's SteppedDownOnItsOwn).
        string file = Path.Combine(_dir, "epoch");
        var before = Start(file);
        await before.Roles.HandleGrantAsync(G(NodeRole.Active, 7), live: true, "proof-7", CancellationToken.None);
        Assert.Equal(NodeRole.Active, before.Roles.Role);

        var after = Start(file);
        await after.Roles.HandleGrantAsync(G(NodeRole.Active, 7), live: false, "proof-7", CancellationToken.None);
        Assert.Equal(NodeRole.None, after.Roles.Role);
        Assert.Contains(after.Events.All, e => e.Kind == "grant-stale" && e.Detail.Contains("left the role at epoch 7", StringComparison.Ordinal));

        await after.Roles.HandleGrantAsync(G(NodeRole.Active, 8), live: true, "proof-8", CancellationToken.None);
        Assert.Equal(NodeRole.Active, after.Roles.Role);
    }

    [Fact]
    public async Task A_promote_whose_epoch_cannot_be_made_durable_is_rolled_back_and_handed_back()
    {
        // The epoch is written beside the promote, not before it: when the write fails the node
        // has already taken the role, and must give it up before it answers, or an acknowledged
        // grant would be forgotten by a restart (and its replay taken again).
        string file = Path.Combine(_dir, "no-such-directory", "epoch");
        var actions = new RecordedActions();
        var node = Start(file, actions);
        var acks = new List<GrantAck>();
        node.Roles.Acknowledged += a => { acks.Add(a); return Task.CompletedTask; };

        await node.Roles.HandleGrantAsync(G(NodeRole.Active, 4), live: true, "proof-4", CancellationToken.None);

        Assert.Equal(["promote@4", "demote@4 to None"], actions.Done);
        Assert.Equal(NodeRole.None, node.Roles.Role);
        var ack = Assert.Single(acks);
        Assert.False(ack.Ok);
        Assert.Contains("the epoch 4 could not be made durable", ack.Detail, StringComparison.Ordinal);
        Assert.Contains("the promote was rolled back", ack.Detail, StringComparison.Ordinal);
        Assert.Contains(node.Events.All, e => e.Kind == "role-change-failed");
    }

    [Fact]
    public async Task A_promote_is_acknowledged_only_with_its_epoch_on_disk()
    {
        string file = Path.Combine(_dir, "epoch");
        var node = Start(file, new RecordedActions());
        long storedAtAck = -1;
        node.Roles.Acknowledged += a => { storedAtAck = new EpochMemory(file).Load(); return Task.CompletedTask; };

        await node.Roles.HandleGrantAsync(G(NodeRole.Active, 6), live: true, "proof-6", CancellationToken.None);

        Assert.Equal(NodeRole.Active, node.Roles.Role);
        Assert.Equal(6, storedAtAck);
    }

    [Fact]
    public async Task Without_a_file_the_memory_ends_with_the_process()
    {
        var before = Start("");
        await before.Roles.HandleGrantAsync(G(NodeRole.Standby, 7), live: true, CancellationToken.None);

        var after = Start("");
        await after.Roles.HandleGrantAsync(G(NodeRole.Active, 5), live: false, CancellationToken.None);

        Assert.Equal(NodeRole.Active, after.Roles.Role); // what the file is for: the board's rule 9 is then the only guard
    }

    [Fact]
    public async Task The_plain_file_of_an_agent_from_before_the_slots_is_read_and_the_higher_epoch_wins()
    {
        string file = Path.Combine(_dir, "epoch");
        File.WriteAllText(file, "9\n");
        var upgraded = Start(file);
        await upgraded.Roles.HandleGrantAsync(G(NodeRole.Standby, 8), live: true, "proof-8", CancellationToken.None);
        Assert.Contains(upgraded.Events.All, e => e.Kind == "grant-stale");

        await upgraded.Roles.HandleGrantAsync(G(NodeRole.Standby, 10), live: true, "proof-10", CancellationToken.None);
        Assert.Equal(10, new EpochMemory(file).Load());
        Assert.Equal("9", File.ReadAllText(file).Trim());

        File.WriteAllText(file, "12\n"); // an older agent ran here for a while
        Assert.Equal(12, new EpochMemory(file).Load());
    }

    [Fact]
    public async Task Slots_that_do_not_check_out_stop_the_start_naming_the_file()
    {
        string file = Path.Combine(_dir, "epoch");
        await Start(file).Roles.HandleGrantAsync(G(NodeRole.Standby, 3), live: true, "proof-3", CancellationToken.None);
        byte[] raw = File.ReadAllBytes(file + ".slots");
        raw[32] ^= 0x01; // the epoch's first digit, under the slot's CRC
        File.WriteAllBytes(file + ".slots", raw);

        var ex = Assert.Throws<InvalidDataException>(() => Start(file));
        Assert.Contains(file + ".slots", ex.Message, StringComparison.Ordinal);
        Assert.Contains("CRC-32 does not match", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_that_holds_no_epoch_stops_the_start_naming_it()
    {
        string file = Path.Combine(_dir, "epoch");
        File.WriteAllText(file, "seven\n");

        var ex = Assert.Throws<InvalidDataException>(() => Start(file));
        Assert.Contains("Board:EpochFile '" + file + "' holds 'seven', not an epoch", ex.Message, StringComparison.Ordinal);
    }
}
