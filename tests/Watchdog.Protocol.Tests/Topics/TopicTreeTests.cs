namespace Watchdog.Protocol.Tests.Topics;

public class TopicTreeTests
{
    private readonly TopicTree _tree = new("lab");

    public static TheoryData<string, TopicKind, string, string> Topics => new()
    {
        { "watchdog/v1/lab/node/db1/status", TopicKind.NodeStatus, "db1", "" },
        { "watchdog/v1/lab/node/db1/state", TopicKind.NodeState, "db1", "" },
        { "watchdog/v1/lab/node/db1/metrics", TopicKind.NodeMetrics, "db1", "" },
        { "watchdog/v1/lab/node/db1/grant", TopicKind.NodeGrant, "db1", "" },
        { "watchdog/v1/lab/node/db1/grant/ack", TopicKind.NodeGrantAck, "db1", "" },
        { "watchdog/v1/lab/node/db1/request", TopicKind.NodeRequest, "db1", "" },
        { "watchdog/v1/lab/board/rack1/status", TopicKind.BoardStatus, "rack1", "" },
        { "watchdog/v1/lab/board/rack1/state", TopicKind.BoardState, "rack1", "" },
        { "watchdog/v1/lab/board/rack1/metrics", TopicKind.BoardMetrics, "rack1", "" },
        { "watchdog/v1/lab/board/rack1/channel/ch1", TopicKind.BoardChannel, "rack1", "ch1" },
        { "watchdog/v1/lab/group/db/roles", TopicKind.GroupRoles, "db", "" },
        { "watchdog/v1/lab/events/rack1", TopicKind.Event, "rack1", "" },
        { "watchdog/v1/lab/command/db", TopicKind.Command, "db", "" },
        { "watchdog/v1/lab/command/db/ack", TopicKind.CommandAck, "db", "" },
    };

    private string Build(TopicKind kind, string name, string channel) => kind switch
    {
        TopicKind.NodeStatus => _tree.NodeStatus(name),
        TopicKind.NodeState => _tree.NodeState(name),
        TopicKind.NodeMetrics => _tree.NodeMetrics(name),
        TopicKind.NodeGrant => _tree.NodeGrant(name),
        TopicKind.NodeGrantAck => _tree.NodeGrantAck(name),
        TopicKind.NodeRequest => _tree.NodeRequest(name),
        TopicKind.BoardStatus => _tree.BoardStatus(name),
        TopicKind.BoardState => _tree.BoardState(name),
        TopicKind.BoardMetrics => _tree.BoardMetrics(name),
        TopicKind.BoardChannel => _tree.BoardChannel(name, channel),
        TopicKind.GroupRoles => _tree.GroupRoles(name),
        TopicKind.Event => _tree.Event(name),
        TopicKind.Command => _tree.Command(name),
        TopicKind.CommandAck => _tree.CommandAck(name),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    [Theory]
    [MemberData(nameof(Topics))]
    public void Build_and_parse_round_trip(string topic, TopicKind kind, string name, string channel)
    {
        Assert.Equal(topic, Build(kind, name, channel));
        Assert.True(_tree.TryParse(topic, out var parsed));
        Assert.Equal(kind, parsed!.Kind);
        Assert.Equal(name, parsed.Name);
        Assert.Equal(channel, parsed.Channel);
    }

    [Fact]
    public void Every_topic_kind_is_covered()
    {
        var covered = Topics.Select(row => (TopicKind)row[1]).ToHashSet();
        Assert.Equal(Enum.GetValues<TopicKind>().Where(k => k != TopicKind.Unknown).ToHashSet(), covered);
    }

    [Theory]
    [InlineData("watchdog/v1/other/node/db1/state")] // another cluster
    [InlineData("watchdog/v2/lab/node/db1/state")] // another version
    [InlineData("homeassistant/device/db1/config")]
    [InlineData("watchdog/v1/lab")]
    [InlineData("watchdog/v1/lab/")]
    [InlineData("watchdog/v1/lab/node/db1")]
    [InlineData("watchdog/v1/lab/node/db1/state/extra")]
    [InlineData("watchdog/v1/lab/node/db1/unknown")]
    [InlineData("watchdog/v1/lab/node//state")] // empty name
    [InlineData("watchdog/v1/lab/node/+/state")] // wildcard
    [InlineData("watchdog/v1/lab/node/#")]
    [InlineData("watchdog/v1/lab/node/db 1/state")] // space
    [InlineData("watchdog/v1/lab/board/rack1/channel")]
    [InlineData("watchdog/v1/lab/board/rack1/channel/ch1/x")]
    [InlineData("watchdog/v1/lab/group/db/epoch")]
    [InlineData("watchdog/v1/lab/events/rack1/x")]
    [InlineData("watchdog/v1/lab/command/db/nack")]
    [InlineData("watchdog/v1/labx/node/db1/state")]
    [InlineData("")]
    public void Foreign_or_ill_formed_topics_are_refused(string topic)
    {
        Assert.False(_tree.TryParse(topic, out var parsed));
        Assert.Null(parsed);
    }

    [Fact]
    public void Null_topic_is_refused()
    {
        Assert.False(_tree.TryParse(null!, out _));
    }

    [Theory]
    [InlineData("")]
    [InlineData("a/b")]
    [InlineData("a+")]
    [InlineData("#")]
    [InlineData("has space")]
    [InlineData("tab\t")]
    public void Bad_names_are_refused_when_building(string name)
    {
        var error = Assert.Throws<ArgumentException>(() => _tree.NodeState(name));
        Assert.Contains("'" + name + "'", error.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => _tree.BoardChannel("rack1", name));
        Assert.Throws<ArgumentException>(() => new TopicTree(name));
    }

    [Fact]
    public void Names_longer_than_64_characters_are_refused()
    {
        Assert.Equal("watchdog/v1/lab/node/" + new string('n', 64) + "/state", _tree.NodeState(new string('n', 64)));
        Assert.Throws<ArgumentException>(() => _tree.NodeState(new string('n', 65)));
    }

    [Fact]
    public void Subscription_filters()
    {
        Assert.Equal("watchdog/v1/lab/node/#", _tree.AllNodes());
        Assert.Equal("watchdog/v1/lab/board/#", _tree.AllBoards());
        Assert.Equal("watchdog/v1/lab/group/+/roles", _tree.AllGroups());
        Assert.Equal("watchdog/v1/lab/events/+", _tree.AllEvents());
        Assert.Equal("watchdog/v1/lab/command/+", _tree.AllCommands());
        Assert.Equal("watchdog/v1/lab/command/+/ack", _tree.AllCommandAcks());
        Assert.Equal("watchdog/v1/lab/#", _tree.Everything());
    }
}
