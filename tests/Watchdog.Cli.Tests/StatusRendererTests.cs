using System.Text.Json;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Watchdog.Cli.Tests;

/// <summary>What `watchdogctl status` shows of the boards, as a table and as --json.</summary>
public class StatusRendererTests
{
    private const long Now = 1_764_097_200_000;
    private static readonly TimeSpan StaleAfter = TimeSpan.FromSeconds(15);
    private readonly TopicTree _topics = new("t1");

    // rack1 holds authority with rack1-b passive, in sync and heard on both paths; rack1-b agrees
    // but its link is silent; solo is a board from before pairs (no pair fields at all).
    private ClusterSnapshot PairAndSolo()
    {
        var snapshot = new ClusterSnapshot(_topics);
        snapshot.Apply(_topics.BoardState("rack1"), MessageCodec.Encode(new BoardStatus
        {
            Board = "rack1", Presence = Presence.Ready, Epoch = 7, Pair = PairState.Authority, Peer = "rack1-b",
            PeerInSync = true, PeerHeartbeat = true, PeerLink = true, Timestamp = Now,
        }));
        snapshot.Apply(_topics.BoardState("rack1-b"), MessageCodec.Encode(new BoardStatus
        {
            Board = "rack1-b", Presence = Presence.Ready, Epoch = 7, Pair = PairState.Passive, Peer = "rack1",
            PeerInSync = false, PeerHeartbeat = true, PeerLink = false, Timestamp = Now,
        }));
        snapshot.Apply(_topics.BoardState("solo"), "{\"board\":\"solo\",\"status\":\"ready\",\"epoch\":3,\"ts\":1764097200000}"u8.ToArray());
        Assert.Empty(snapshot.Problems);
        return snapshot;
    }

    private static string Text(IRenderable renderable)
    {
        var writer = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Out = new AnsiConsoleOutput(writer),
        });
        console.Profile.Width = 200;
        console.Write(renderable);
        return writer.ToString();
    }

    private static string Row(string table, string board) =>
        table.Split('\n').Single(line => line.StartsWith("│ " + board + " ", StringComparison.Ordinal));

    [Fact]
    public void The_board_table_shows_each_boards_pair_state_its_peer_and_whether_the_passive_is_in_sync()
    {
        var table = Text(StatusRenderer.Render(PairAndSolo(), DateTimeOffset.FromUnixTimeMilliseconds(Now), StaleAfter));
        var header = table.Split('\n').First(line => line.Contains("board", StringComparison.Ordinal) && line.Contains("status", StringComparison.Ordinal));
        Assert.Matches(@"│ board\s+│ status\s+│ pair\s+│ peer\s+│ epoch", header);

        Assert.Matches(@"│ authority\s+│ rack1-b in sync\s+│", Row(table, "rack1"));
        Assert.Matches(@"│ passive\s+│ rack1 out of sync link silent\s+│", Row(table, "rack1-b"));

        // A board without a peer: as before, plus "authority" and an empty peer.
        Assert.Matches(@"│ authority\s+│\s+│ 3\s+│", Row(table, "solo"));
    }

    [Fact]
    public void A_node_that_is_not_ready_to_be_promoted_says_so_in_the_table_and_the_json()
    {
        var snapshot = new ClusterSnapshot(_topics);
        foreach (var (node, ready) in new[] { ("db1", true), ("db2", false) })
        {
            snapshot.Apply(_topics.NodeState(node), MessageCodec.Encode(new NodeState
            {
                Node = node, Group = "db", Role = ready ? NodeRole.Active : NodeRole.Standby, Epoch = 3, Health = Health.Healthy,
                Ready = ready, Reason = ready ? "all checks pass" : "not ready: pg-sync: replay 40 MB behind", Feeding = true, Timestamp = Now,
            }));
        }

        Assert.Empty(snapshot.Problems);
        var table = Text(StatusRenderer.Render(snapshot, DateTimeOffset.FromUnixTimeMilliseconds(Now), StaleAfter));
        Assert.Matches(@"│ healthy not ready\s+│ feeding", Row(table, "db2"));
        Assert.DoesNotContain("not ready", Row(table, "db1"), StringComparison.Ordinal);

        using var json = JsonDocument.Parse(StatusRenderer.ToJson(snapshot, DateTimeOffset.FromUnixTimeMilliseconds(Now), StaleAfter));
        var nodes = json.RootElement.GetProperty("nodes").EnumerateArray().ToDictionary(n => n.GetProperty("node").GetString()!);
        Assert.False(nodes["db2"].GetProperty("ready").GetBoolean());
        Assert.True(nodes["db1"].GetProperty("ready").GetBoolean());
    }

    [Fact]
    public void The_json_gives_pair_state_peer_and_sync_and_null_sync_without_a_peer()
    {
        using var json = JsonDocument.Parse(StatusRenderer.ToJson(PairAndSolo(), DateTimeOffset.FromUnixTimeMilliseconds(Now), StaleAfter));
        var boards = json.RootElement.GetProperty("boards").EnumerateArray().ToDictionary(b => b.GetProperty("board").GetString()!);

        Assert.Equal("authority", boards["rack1"].GetProperty("pair").GetString());
        Assert.Equal("rack1-b", boards["rack1"].GetProperty("peer").GetString());
        Assert.True(boards["rack1"].GetProperty("peer_in_sync").GetBoolean());

        Assert.Equal("passive", boards["rack1-b"].GetProperty("pair").GetString());
        Assert.Equal("rack1", boards["rack1-b"].GetProperty("peer").GetString());
        Assert.False(boards["rack1-b"].GetProperty("peer_in_sync").GetBoolean());
        Assert.True(boards["rack1-b"].GetProperty("peer_heartbeat").GetBoolean());
        Assert.False(boards["rack1-b"].GetProperty("peer_link").GetBoolean());

        Assert.Equal("authority", boards["solo"].GetProperty("pair").GetString());
        Assert.Equal("", boards["solo"].GetProperty("peer").GetString());
        Assert.Equal(JsonValueKind.Null, boards["solo"].GetProperty("peer_in_sync").ValueKind);
    }
}
