using System.Diagnostics;
using Watchdog.Board.Tests.Support;
using Watchdog.Firmware.Core.PinMaps;
using Watchdog.Protocol.Json;
using Watchdog.Protocol.Messages;
using Watchdog.Protocol.Text;
using Watchdog.Protocol.Topics;
using Watchdog.Protocol.Wire;
using Watchdog.Sim.Broker;
using Xunit.Abstractions;

namespace Watchdog.Board.Tests.Integration;

/// <summary>
/// The "Done when": a Watchdog.Board PROCESS on the virtual rack's wires with a real
/// mosquitto. The test plays the servers (power-good and link held, heartbeat toggled) and
/// watches the relay wires and the board's topics.
/// </summary>
public sealed class BoardOnVirtualRackTests(ITestOutputHelper output)
{
    private const string Cluster = "itest";
    private const string BoardName = "rack-a";
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    /// <summary>
    /// Short timings: 10 ms ticks, heartbeat lost after <paramref name="timeoutMs"/>, a 200 ms reset
    /// pulse. Tests that assert nobody is reset use a longer timeout, so a test host starved of CPU
    /// (the whole solution's tests run at once) cannot make a healthy heartbeat look dead.
    /// </summary>
    internal static string Timing(int timeoutMs) => """
        "timing": {"tick_ms": 10, "heartbeat_period_ms": 40, "heartbeat_suspect_ms": SUSPECT, "heartbeat_timeout_ms": TIMEOUT,
                   "debounce_ms": 30, "board_boot_grace_ms": GRACE, "node_boot_grace_ms": GRACE, "recovery_stable_ms": GRACE,
                   "reset_pulse_ms": 200, "reading_period_ms": 500}
        """.Replace("SUSPECT", (timeoutMs * 2 / 5).ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)
        .Replace("TIMEOUT", timeoutMs.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)
        .Replace("GRACE", (timeoutMs * 2).ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);

    internal static string Config(string groups, int heartbeatTimeoutMs = 300) => """
        {"board": "BOARD", "cluster": "CLUSTER",
         "channels": [
           {"name": "s1", "node": "n1", "power_good_inputs": 2, "link_inputs": 2, "has_fence": true},
           {"name": "s2", "node": "n2", "power_good_inputs": 2, "link_inputs": 2, "has_fence": true}],
         "groups": [GROUPS],
         TIMING,
         "escalation": {"software_failure": ["reset", "hold"], "backoff_ms": 500, "backoff_max_ms": 2000, "cap_attempts": 2, "cap_window_ms": 60000}}
        """.Replace("BOARD", BoardName, StringComparison.Ordinal).Replace("CLUSTER", Cluster, StringComparison.Ordinal)
        .Replace("GROUPS", groups, StringComparison.Ordinal).Replace("TIMING", Timing(heartbeatTimeoutMs), StringComparison.Ordinal);

    /// <summary>Short enough to measure, long enough that a test host at load 20 on two cores does not starve a healthy feeder past it.</summary>
    private const int TimeoutMs = 600;

    [Fact]
    public async Task Heartbeat_stops_and_the_board_pulses_reset_within_the_timeout_and_publishes_verdict_and_action()
    {
        using var dir = new TempDirectory();
        using var broker = MosquittoProcess.Start();
        using var rack = new VirtualRack(dir);
        var topics = new TopicTree(Cluster);
        await using MqttProbe probe = await MqttProbe.ConnectAsync(broker.Host, broker.Port, topics.Everything());
        string config = VirtualRack.WriteConfig(dir, Config("", heartbeatTimeoutMs: TimeoutMs));
        rack.StartHeartbeat("s1");
        rack.StartHeartbeat("s2");

        using BoardProcess board = BoardProcess.Start("--config", config, "--pins", rack.PinMapPath, "--wires", rack.WiresPath,
            "--state-dir", dir.Path, "--broker", $"{broker.Host}:{broker.Port}");
        try
        {
            await board.WaitForLineAsync("running", Wait);
            await probe.WaitForAsync(topics.BoardStatus(BoardName), p => p == "ready", Wait);
            // Past the board's boot grace (it resets nobody before), both servers healthy on the wires.
            await probe.WaitForBoardSettledAsync(topics, BoardName, 0, Wait);
            await probe.WaitForReadingAsync(topics, BoardName, "s1", 0, r => r.State == ChannelState.Healthy, Wait);
            await probe.WaitForReadingAsync(topics, BoardName, "s2", 0, r => r.State == ChannelState.Healthy, Wait);

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
            Assert.InRange(assertedAtMs, TimeoutMs - 50, TimeoutMs + 500);
            Assert.InRange(releasedAtMs - assertedAtMs, 150, 600);
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

    /// <summary>Polls a condition on the wire file or the rack (they raise no event) every 2 ms until the bound.</summary>
    internal static async Task WaitFor(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Wait;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("timed out waiting for " + what);
            }

            await Task.Delay(2);
        }
    }
}
