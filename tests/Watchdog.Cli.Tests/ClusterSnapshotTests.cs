namespace Watchdog.Cli.Tests;

public class ClusterSnapshotTests
{
    private readonly TopicTree _topics = new("t1");

    [Fact]
    public void Folds_retained_state_and_finds_a_members_epoch_through_its_group()
    {
        var snapshot = new ClusterSnapshot(_topics);
        snapshot.Apply(_topics.NodeStatus("db1"), MessageCodec.EncodePresence(Presence.Ready));
        snapshot.Apply(_topics.NodeState("db1"), MessageCodec.Encode(new NodeState { Node = "db1", Group = "db", Role = NodeRole.Active, Epoch = 4, Health = Health.Healthy, Timestamp = 1 }));
        snapshot.Apply(_topics.GroupRoles("db"), MessageCodec.Encode(new GroupRoles { Group = "db", Epoch = 5, Active = ["db1"], Standby = ["db2"], Timestamp = 1 }));

        Assert.Equal(Presence.Ready, snapshot.Nodes["db1"].Presence);
        Assert.Equal(NodeRole.Active, snapshot.Nodes["db1"].State!.Role);
        Assert.Equal(5, snapshot.EpochFor("db"));
        Assert.Equal(5, snapshot.EpochFor("db2"));
        Assert.Empty(snapshot.Problems);
    }

    [Fact]
    public void An_undecodable_payload_is_kept_as_a_problem_naming_the_topic()
    {
        var snapshot = new ClusterSnapshot(_topics);
        snapshot.Apply(_topics.NodeState("db1"), "{\"node\":"u8.ToArray());
        var problem = Assert.Single(snapshot.Problems);
        Assert.StartsWith(_topics.NodeState("db1") + ": ", problem, StringComparison.Ordinal);
        Assert.False(snapshot.Nodes.ContainsKey("db1"));
    }

    [Fact]
    public void Events_are_returned_and_foreign_topics_ignored()
    {
        var snapshot = new ClusterSnapshot(_topics);
        var ev = snapshot.Apply(_topics.Event("board1"), MessageCodec.Encode(new EventMessage { Source = "board1", Kind = "reset-pulse", Node = "db1", Severity = Severity.Warning, Timestamp = 9 }));
        Assert.Equal("reset-pulse", ev?.Kind);
        Assert.Null(snapshot.Apply("watchdog/v1/other/events/board1", "{}"u8.ToArray()));
        Assert.Null(snapshot.Apply("random/topic", "x"u8.ToArray()));
        Assert.Empty(snapshot.Problems);
    }
}
