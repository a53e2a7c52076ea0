using System.Text;

namespace Watchdog.Lab.Tests.Failover;

/// <summary>
/// Anyone who can publish to the broker forges what a decision rests on, on the virtual rack
/// with real agents and a real mosquitto: each forgery is refused with an event naming why, and
/// moves no role and no epoch; web1 keeps the virtual IP alone, answering throughout. The broker
/// is open to anyone here (no users, no ACL), so the seals alone stand between the forger and a role.
/// </summary>
[Collection("rack")]
public sealed class ForgedMessageTests(ITestOutputHelper output)
{
    [RackTheory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task An_unsealed_grant_of_active_is_refused_by_the_standby(bool retained)
    {
        await using var cluster = await RackClusterFixture.StartSettledAsync(output, secureBroker: false);
        await using var bus = await Forge.ConnectAsync(cluster, output);
        var before = await bus.BaselineAsync();

        string topic = bus.Topics.NodeGrant("web2");
        await bus.PublishAsync(topic, Encoding.UTF8.GetBytes(
            $$"""{"group":"web","node":"web2","role":"active","epoch":999,"reason":"x","ts":{{DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()}}}"""), retained);

        var refusal = await bus.UnauthenticatedAsync(before, "web2", "grant", topic, "unsealed");
        await bus.AssertNothingMovedAsync(before, refusal);
    }

    [RackFact]
    public async Task A_grant_sealed_with_the_standbys_own_node_key_is_refused_as_the_wrong_signer()
    {
        await using var cluster = await RackClusterFixture.StartSettledAsync(output, secureBroker: false);
        await using var bus = await Forge.ConnectAsync(cluster, output);
        var before = await bus.BaselineAsync();

        // web2's node key may sign web2's state and acknowledgements, never a grant.
        string topic = bus.Topics.NodeGrant("web2");
        var grant = new Grant { Group = "web", Node = "web2", Role = NodeRole.Active, Epoch = 999, Reason = "x", Timestamp = Forge.Now() };
        await bus.PublishAsync(topic, bus.Seal(KeyRole.Node, "web2", topic, MessageCodec.Encode(grant)), retain: false);

        var refusal = await bus.UnauthenticatedAsync(before, "web2", "grant", topic, "wrong-signer");
        await bus.AssertNothingMovedAsync(before, refusal);
    }

    [RackFact]
    public async Task An_unsealed_demote_request_leaves_the_active_in_place()
    {
        await using var cluster = await RackClusterFixture.StartSettledAsync(output, secureBroker: false);
        await using var bus = await Forge.ConnectAsync(cluster, output);
        var before = await bus.BaselineAsync();

        var request = new AgentRequest { Id = "forged-1", Node = "web1", Kind = AgentRequestKind.Demote, Epoch = before.Epoch, Reason = "forged", Timestamp = Forge.Now() };
        string topic = bus.Topics.NodeRequest("web1");
        await bus.PublishAsync(topic, MessageCodec.Encode(request), retain: false);

        var refusal = await bus.UnauthenticatedAsync(before, "web1", "request", topic, "unsealed");
        await bus.AssertNothingMovedAsync(before, refusal);
    }

    [RackFact]
    public async Task An_unsealed_acknowledgement_of_a_demotion_is_refused_by_the_board()
    {
        await using var cluster = await RackClusterFixture.StartSettledAsync(output, secureBroker: false);
        await using var bus = await Forge.ConnectAsync(cluster, output);
        var before = await bus.BaselineAsync();

        var ack = new GrantAck { Node = "web1", Group = "web", Role = NodeRole.Standby, Epoch = before.Epoch, Ok = true, Detail = "forged", Timestamp = Forge.Now() };
        string topic = bus.Topics.NodeGrantAck("web1");
        await bus.PublishAsync(topic, MessageCodec.Encode(ack), retain: false);

        var refusal = await bus.UnauthenticatedAsync(before, ClusterConfigs.BoardName, "grant ack", topic, "unsealed", node: "web1");
        await bus.AssertNothingMovedAsync(before, refusal);
    }

    [RackFact]
    public async Task An_unsealed_failing_state_of_the_active_starts_no_failover()
    {
        await using var cluster = await RackClusterFixture.StartSettledAsync(output, secureBroker: false);
        await using var bus = await Forge.ConnectAsync(cluster, output);
        var before = await bus.BaselineAsync();

        // Retained, as a state is: it stays on the broker until web1's agent publishes its next.
        var state = new NodeState
        {
            Node = "web1", Group = "web", Role = NodeRole.Active, Epoch = before.Epoch, Health = Health.Failing, Reason = "forged: service down",
            Feeding = false, Checks = [new CheckResult { Name = "service", Ok = false, Required = true, Detail = "forged" }], Seq = long.MaxValue / 2, Timestamp = Forge.Now(),
        };
        string topic = bus.Topics.NodeState("web1");
        await bus.PublishAsync(topic, MessageCodec.Encode(state), retain: true);

        var refusal = await bus.UnauthenticatedAsync(before, ClusterConfigs.BoardName, "node state", topic, "unsealed", node: "web1");
        await bus.AssertNothingMovedAsync(before, refusal);
    }

    [RackFact]
    public async Task Forged_retained_roles_are_overwritten_by_the_boards_next_and_move_nothing()
    {
        await using var cluster = await RackClusterFixture.StartSettledAsync(output, secureBroker: false);
        await using var bus = await Forge.ConnectAsync(cluster, output);
        var before = await bus.BaselineAsync();

        // Nobody acts on roles (agents act on their grants), but readers do: watchdogctl status
        // shows them and signs commands with their epoch. The board republishes its own every
        // reading period, so the forged retained value lasts at most that long.
        string topic = bus.Topics.GroupRoles("web");
        var forged = new GroupRoles { Group = "web", Mode = GroupMode.ActiveStandby, Epoch = 999, Active = ["web2"], Standby = ["web1"], Reason = "forged", Timestamp = Forge.Now() };
        await bus.PublishAsync(topic, MessageCodec.Encode(forged), retain: true);
        Assert.True(await cluster.Observer.WaitForAsync(o => o.LatestRoles("web") is { Epoch: 999 }, Forge.Generous, CancellationToken.None),
            "the forged roles never reached the broker's readers: " + bus.Describe(before.WallMs));
        long forgedSeen = Forge.Now();
        Assert.True(
            await cluster.Observer.WaitForAsync(o => bus.Roles(forgedSeen).Count > 0 && o.LatestRoles("web") is { Active: ["web1"] } r && r.Epoch == before.Epoch, Forge.Generous, CancellationToken.None),
            "the board's roles did not replace the forged ones: " + bus.Describe(before.WallMs));
        GroupRoles genuine = bus.Roles(forgedSeen)[0];
        output.WriteLine($"forged roles replaced by the board's after {genuine.Timestamp - forgedSeen} ms");

        // No event names a forged roles message (no one checks them); the board's next roles are the proof it was undone.
        await bus.AssertNothingMovedAsync(before, new Refusal(new EventMessage { Kind = "roles-replaced", Timestamp = genuine.Timestamp }, cluster.Clock.NowMs));
    }
}
