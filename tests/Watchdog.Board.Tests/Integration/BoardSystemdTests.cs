using System.Net.Sockets;
using System.Text;

namespace Watchdog.Board.Tests.Integration;

/// <summary>The service side: sd_notify READY/WATCHDOG from the tick loop, and a retained state whose ts keeps moving.</summary>
public sealed class BoardSystemdTests(Xunit.Abstractions.ITestOutputHelper output)
{
    [Fact]
    public async Task Board_tells_systemd_it_is_ready_feeds_the_watchdog_and_refreshes_its_retained_state()
    {
        using var rig = new BoardRig();
        var (dir, topics) = (rig.Dir, rig.Topics);
        await using MqttProbe probe = await MqttProbe.ConnectAsync(rig.Broker.Host, rig.Broker.Port, topics.BoardState("rack-a"));
        string socketPath = dir.File("notify.sock");
        using var notify = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        notify.Bind(new UnixDomainSocketEndPoint(socketPath));
        notify.ReceiveTimeout = 10_000;
        string config = rig.WriteConfig(BoardRig.Config(""));
        var env = new Dictionary<string, string> { ["NOTIFY_SOCKET"] = socketPath, ["WATCHDOG_USEC"] = "400000" };

        using BoardProcess board = BoardProcess.Start(env, rig.BoardArgs(config, "--status-interval-ms", "200"));
        var messages = new List<string>();
        var buffer = new byte[256];
        var deadline = DateTime.UtcNow + BoardRig.Wait;
        while (messages.Count(m => m == "WATCHDOG=1") < 3 && DateTime.UtcNow < deadline)
        {
            int n = notify.Receive(buffer);
            messages.Add(Encoding.UTF8.GetString(buffer, 0, n));
        }

        Assert.Equal("READY=1", messages[0]);
        Assert.True(messages.Count(m => m == "WATCHDOG=1") >= 3, string.Join(", ", messages));

        // Two successive retained states: the ts moves, so a reader can tell a live board from a stale retained one.
        string first = await probe.WaitForAsync(topics.BoardState("rack-a"), _ => true, BoardRig.Wait);
        long firstTs = Ts(first);
        string later = await probe.WaitForAsync(topics.BoardState("rack-a"), p => Ts(p) >= firstTs + 150, BoardRig.Wait);
        Assert.True(Ts(later) - firstTs < 2000, "the state is refreshed every status interval");

        board.Terminate();
        Assert.True(board.WaitForExit(TimeSpan.FromSeconds(10)), board.Output);
        Assert.Equal(0, board.ExitCode);
        int last = notify.Receive(buffer);
        string tail = Encoding.UTF8.GetString(buffer, 0, last);
        while (tail == "WATCHDOG=1")
        {
            tail = Encoding.UTF8.GetString(buffer, 0, notify.Receive(buffer));
        }

        Assert.Equal("STOPPING=1", tail);
        output.WriteLine(board.Output); // ends with the tick count and the worst late tick of the run
    }

    private static long Ts(string payload)
    {
        Assert.True(MessageCodec.TryDecode(Utf8.GetBytes(payload), out BoardStatus? s, out CodecError? e), e?.Text);
        return s!.Timestamp;
    }
}
