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

    private (RoleState Roles, AgentStatus Status, RecordingEvents Events) Start(string file)
    {
        var time = new FakeTimeProvider(DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000));
        var status = new AgentStatus();
        var events = new RecordingEvents();
        var roles = new RoleState("n1", "g1", new NoActions(), status, events, new BoardContact(status, events, time, 10_000), time, new EpochMemory(file));
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
        Assert.Equal("7", File.ReadAllText(file).Trim());

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
    public async Task Without_a_file_the_memory_ends_with_the_process()
    {
        var before = Start("");
        await before.Roles.HandleGrantAsync(G(NodeRole.Standby, 7), live: true, CancellationToken.None);

        var after = Start("");
        await after.Roles.HandleGrantAsync(G(NodeRole.Active, 5), live: false, CancellationToken.None);

        Assert.Equal(NodeRole.Active, after.Roles.Role); // what the file is for: the board's rule 9 is then the only guard
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
