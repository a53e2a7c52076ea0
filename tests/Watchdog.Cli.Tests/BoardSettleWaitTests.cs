namespace Watchdog.Cli.Tests;

/// <summary>Which board a command waits for, and how long it waits.</summary>
public class BoardSettleWaitTests
{
    private readonly TopicTree _topics = new("t1");

    [Fact]
    public void The_board_of_a_node_or_a_group_is_the_one_whose_channel_carries_it()
    {
        var snapshot = new ClusterSnapshot(_topics);
        snapshot.Apply(_topics.BoardState("rack1"), Status("rack1", settled: true, leftMs: 0, ts: 1));
        snapshot.Apply(_topics.BoardState("rack2"), Status("rack2", settled: true, leftMs: 0, ts: 1));
        snapshot.Apply(_topics.BoardChannel("rack2", "s1"), MessageCodec.Encode(new ChannelReading { Board = "rack2", Channel = "s1", Node = "db2", Timestamp = 1 }));
        snapshot.Apply(_topics.GroupRoles("db"), MessageCodec.Encode(new GroupRoles { Group = "db", Epoch = 5, Active = ["db1"], Standby = ["db2"], Timestamp = 1 }));

        Assert.Equal("rack2", BoardSettleWait.BoardFor(snapshot, "db2"));
        Assert.Equal("rack2", BoardSettleWait.BoardFor(snapshot, "db"));
        Assert.Null(BoardSettleWait.BoardFor(snapshot, "web1")); // two boards, neither wired to it: unknown, so no wait
    }

    [Fact]
    public void With_a_pair_of_boards_the_one_holding_authority_is_the_one_even_when_the_passive_kept_old_readings()
    {
        var snapshot = new ClusterSnapshot(_topics);
        snapshot.Apply(_topics.BoardState("rack1"), MessageCodec.Encode(new BoardStatus { Board = "rack1", Presence = Presence.Ready, Pair = PairState.Passive, Peer = "rack1-b", SettleLeftMs = 3000, Timestamp = 1 }));
        snapshot.Apply(_topics.BoardState("rack1-b"), MessageCodec.Encode(new BoardStatus { Board = "rack1-b", Presence = Presence.Ready, Pair = PairState.Authority, Peer = "rack1", Settled = true, SettleLeftMs = 0, Timestamp = 1 }));
        // rack1 published these while it held authority; rack1-b's are newer.
        snapshot.Apply(_topics.BoardChannel("rack1", "s1"), MessageCodec.Encode(new ChannelReading { Board = "rack1", Channel = "s1", Node = "db1", Timestamp = 1 }));
        snapshot.Apply(_topics.BoardChannel("rack1-b", "s1"), MessageCodec.Encode(new ChannelReading { Board = "rack1-b", Channel = "s1", Node = "db1", Timestamp = 2 }));

        Assert.Equal("rack1-b", BoardSettleWait.BoardFor(snapshot, "db1"));
    }

    [Fact]
    public void With_one_board_and_no_readings_yet_that_board_is_the_one()
    {
        var snapshot = new ClusterSnapshot(_topics);
        snapshot.Apply(_topics.BoardState("rack1"), Status("rack1", settled: false, leftMs: 3000, ts: 1));
        Assert.Equal("rack1", BoardSettleWait.BoardFor(snapshot, "db"));
    }

    [Fact]
    public void The_time_left_counts_from_the_status_timestamp_and_nothing_is_left_to_wait_for_once_settled_or_unreported()
    {
        var now = DateTimeOffset.FromUnixTimeMilliseconds(1_000_000);
        Assert.Equal(TimeSpan.FromMilliseconds(2000), BoardSettleWait.SettleLeft(Decode(Status("b", false, 3000, 999_000)), now));
        Assert.Equal(TimeSpan.Zero, BoardSettleWait.SettleLeft(Decode(Status("b", false, 3000, 990_000)), now)); // overdue: wait for the status anyway
        Assert.Null(BoardSettleWait.SettleLeft(Decode(Status("b", true, 0, 999_000)), now));
        Assert.Null(BoardSettleWait.SettleLeft(Decode(Status("b", false, -1, 999_000)), now)); // a board from before the field
        Assert.Null(BoardSettleWait.SettleLeft(null, now));
    }

    [Fact]
    public void The_bound_is_the_time_left_plus_the_margin_unless_given()
    {
        Assert.Equal(TimeSpan.FromSeconds(32), BoardSettleWait.Bound(TimeSpan.FromSeconds(2), null));
        Assert.Equal(TimeSpan.FromSeconds(5), BoardSettleWait.Bound(TimeSpan.FromSeconds(2), 5));
        Assert.Equal("board rack1 is settling after its start: ~3 s left; waiting (up to 33 s)", BoardSettleWait.Progress("rack1", TimeSpan.FromMilliseconds(2100), TimeSpan.FromMilliseconds(32100)));
    }

    [Fact]
    public void Only_a_not_allowed_settling_refusal_counts_as_one()
    {
        Assert.True(BoardSettleWait.IsSettlingRefusal(new CommandAck { Verdict = CommandVerdict.NotAllowed, Detail = CommandRefusals.Settling + " (10 ms left); try again" }));
        Assert.False(BoardSettleWait.IsSettlingRefusal(new CommandAck { Verdict = CommandVerdict.NotAllowed, Detail = "db2 is already fenced" }));
        Assert.False(BoardSettleWait.IsSettlingRefusal(new CommandAck { Verdict = CommandVerdict.StaleEpoch, Detail = CommandRefusals.Settling }));
        Assert.False(BoardSettleWait.IsSettlingRefusal(null));
    }

    private static byte[] Status(string board, bool settled, long leftMs, long ts) =>
        MessageCodec.Encode(new BoardStatus { Board = board, Presence = Presence.Ready, Epoch = 5, Settled = settled, SettleLeftMs = leftMs, Timestamp = ts });

    private static BoardStatus Decode(byte[] payload)
    {
        Assert.True(MessageCodec.TryDecode(payload, out BoardStatus? status, out var error), error?.Text);
        return status!;
    }
}
