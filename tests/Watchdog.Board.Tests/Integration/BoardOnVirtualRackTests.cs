using System.Diagnostics;
using Watchdog.Firmware.Core.PinMaps;
using static Watchdog.Board.Tests.Integration.BoardRig;

namespace Watchdog.Board.Tests.Integration;

/// <summary>
/// The "Done when": a Watchdog.Board PROCESS on the virtual rack's wires with a real
/// mosquitto. The test plays the servers (power-good and link held, heartbeat toggled) and
/// watches the relay wires and the board's topics.
/// </summary>
public sealed class BoardOnVirtualRackTests(ITestOutputHelper output)
{
    /// <summary>Short enough to measure, long enough that a test host at load 20 on two cores does not starve a healthy feeder past it.</summary>
    private const int TimeoutMs = 600;

    [Fact]
    public async Task Heartbeat_stops_and_the_board_pulses_reset_within_the_timeout_and_publishes_verdict_and_action()
    {
        using var rig = new BoardRig();
        var (rack, topics) = (rig.Rack, rig.Topics);
        await using MqttProbe probe = await rig.WatchAsync();
        string config = rig.WriteConfig(Config("", heartbeatTimeoutMs: TimeoutMs));
        rig.FeedBothHeartbeats();

        using BoardProcess board = BoardProcess.Start(rig.BoardArgs(config));
        try
        {
            // Past the board's boot grace (it resets nobody before), both servers healthy on the wires.
            await rig.WaitUntilSettledAndHealthyAsync(board, probe);

            ChannelPins s2 = rack.Channel("s2");
            Assert.False(rack.Asserted(s2.Reset));
            Assert.Equal(0u, rack.RelayEdges("s1") + rack.RelayEdges("s2"));

            using var resetEdges = new WireEdgeRecorder(rack.Wires, s2.Reset);
            rack.StopHeartbeat("s2");
            var pulse = await resetEdges.WaitForEdgesAsync(2, Wait, "reset of s2 asserted and released (a pulse, not a hold)");
            Assert.Equal(0u, resetEdges.Missed);
            Assert.True(rack.Map.OutputsActiveHigh == pulse[0].Value, "the first edge asserts reset");
            long assertedTs = pulse[0].LastChangeTimestamp;
            long releasedTs = pulse[1].LastChangeTimestamp;
            // Times from the wire file's own stamps (the writer's monotonic clock), not from this
            // test's waiting, which a loaded machine delays by hundreds of ms.
            long lastBeatTs = rack.Wires.Sample(s2.Heartbeat).LastChangeTimestamp;
            long assertedAtMs = (assertedTs - lastBeatTs) * 1000 / Stopwatch.Frequency;
            long releasedAtMs = (releasedTs - lastBeatTs) * 1000 / Stopwatch.Frequency;
            output.WriteLine($"reset asserted {assertedAtMs} ms after the last heartbeat, released after {releasedAtMs} ms");

            // At the configured timeout plus tick and scheduling slack on a loaded test machine; a pulse of about 200 ms.
            Assert.InRange(assertedAtMs, TimeoutMs - 50, TimeoutMs + 2000);
            Assert.InRange(releasedAtMs - assertedAtMs, 150, 2000);
            Assert.Equal(0u, rack.RelayEdges("s1")); // the healthy neighbour was never touched

            string reading = await probe.WaitForAsync(topics.BoardChannel(BoardName, "s2"), p => p.Contains("software-failure", StringComparison.Ordinal), Wait);
            Assert.True(MessageCodec.TryDecode(Utf8.GetBytes(reading), out ChannelReading? r, out CodecError? e), e?.Text);
            Assert.Equal(Verdict.SoftwareFailure, r!.Verdict);
            Assert.Equal("n2", r.Node);

            string action = await probe.WaitForAsync(topics.Event(BoardName), p => p.Contains("reset", StringComparison.Ordinal) && p.Contains("n2", StringComparison.Ordinal), Wait);
            Assert.True(MessageCodec.TryDecode(Utf8.GetBytes(action), out EventMessage? ev, out e), e?.Text);
            output.WriteLine("action event: " + action);
        }
        finally
        {
            output.WriteLine(board.Output);
            foreach (var m in probe.Seen.Where(m => m.Topic.Contains("/events/", StringComparison.Ordinal)))
            {
                output.WriteLine(m.Topic + " " + m.Payload);
            }
        }
    }
}
