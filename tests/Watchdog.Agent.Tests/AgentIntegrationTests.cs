using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Watchdog.Protocol.Json;
using Watchdog.Protocol.Topics;
using Watchdog.Sim.Broker;
using Watchdog.VirtualWires;
using Xunit.Abstractions;

namespace Watchdog.Agent.Tests;

/// <summary>
/// The agent end to end: the real agent process, a real mosquitto, the virtual wire.
/// The line toggles and status and metrics are published; failing a required check stops the
/// toggling at its first failing probe, within one check interval, and the published state says
/// why; a broker stop and start restores the retained status without restarting the agent.
/// </summary>
[Collection("timing")]
public sealed class AgentIntegrationTests
{
    private const int CheckIntervalMs = 500;
    private const int HeartbeatPin = 2;
    private readonly ITestOutputHelper _out;

    public AgentIntegrationTests(ITestOutputHelper output)
    {
        _out = output;
    }

    [Fact]
    public async Task Agent_feeds_publishes_stops_feeding_on_a_failed_check_and_survives_a_broker_restart()
    {
        using var dir = new TempDirectory();
        using MosquittoProcess broker = MosquittoProcess.Start();
        var backend = new TcpListener(IPAddress.Loopback, 0);
        backend.Start();
        int backendPort = ((IPEndPoint)backend.LocalEndpoint).Port;
        string wireFile = dir.File("wires");
        string checks = $$"""
            [
              { "Name": "backend", "Kind": "tcp", "Host": "127.0.0.1", "Port": {{backendPort}}, "Required": true,
                "IntervalMs": {{CheckIntervalMs}}, "TimeoutMs": 400, "FailThreshold": 1, "SuccessThreshold": 1 },
              { "Name": "loopback", "Kind": "carrier", "Interface": "lo", "IntervalMs": 1000, "TimeoutMs": 500 }
            ]
            """;
        string config = dir.Write("agent.json", AgentConfigs.Valid(wireFile, broker.Port, checks, periodMs: 100));
        var topics = new TopicTree("test");
        await using MqttProbe watcher = await MqttProbe.ConnectAsync(broker.Host, broker.Port, topics.Everything());
        using AgentProcess agent = AgentProcess.Start("--config", config);
        try
        {
            // 1. The line toggles; status, state and metrics are published.
            await agent.WaitUntilAsync(() => File.Exists(wireFile), 15_000, "wire file created");
            using var wires = new VirtualWireDriver(wireFile, WireWriter.Test);
            await agent.WaitUntilAsync(() => wires.ReadEdgeCount(HeartbeatPin) > 10, 15_000, "heartbeat edges");
            int e1 = wires.ReadEdgeCount(HeartbeatPin);
            var counted = System.Diagnostics.Stopwatch.StartNew();
            await Task.Delay(1000);
            int edges = wires.ReadEdgeCount(HeartbeatPin) - e1;
            long countedMs = counted.ElapsedMilliseconds;
            _out.WriteLine($"edges in {countedMs} ms at a 100 ms period: {edges}");
            // A 50 ms half-period gives 20 edges a second; never more than the schedule had room for
            // in the time really counted (a loaded machine wakes this test late: 31 edges in a
            // delay that overran), and late wake-ups of the agent drop some (seen: 13 at a load of
            // 15 on 2 cores).
            Assert.InRange(edges, 8, (int)(countedMs / 50) + 1);

            await agent.WaitUntilAsync(() => LastState(watcher, topics) is { Feeding: true, Health: Health.Healthy }, 10_000, "healthy feeding state");
            await agent.WaitUntilAsync(() => watcher.On(topics.NodeMetrics("n1")).Any(), 10_000, "metrics");
            Assert.Equal("ready", LastText(watcher, topics.NodeStatus("n1")));
            NodeState healthy = LastState(watcher, topics)!;
            Assert.Equal(2, healthy.Checks.Length);
            Assert.InRange(healthy.Timestamp, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - 10_000, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + 1000);
            Assert.True(MessageCodec.TryDecode(watcher.On(topics.NodeMetrics("n1")).Last().Bytes, out NodeMetrics? metrics, out _));
            Assert.InRange(metrics!.MemoryPercent, 0.01, 100);

            // 2. The required check fails: the toggling stops at the first failing probe, and
            // that probe comes within one check interval. Measured twice. The first failure in
            // a freshly started framework-dependent agent also JIT-compiles the whole failure
            // path (the SocketException, the event, the state publish); a CI run once took
            // 932 ms for it. Production runs the NativeAOT build, which compiles nothing at
            // run time, so the tight bound is asserted on the second failure and the first only
            // has to stop the line and follow the agent's own decision.
            (long coldEdgeMs, long coldDecisionMs) = await FailBackendAsync(backend, wires, watcher, topics, agent);
            _out.WriteLine("first failure: check failing " + coldDecisionMs + " ms, last heartbeat edge " + coldEdgeMs + " ms after the listener closed");
            AssertStopFollowsDecision(coldEdgeMs, coldDecisionMs);
            Assert.True(coldDecisionMs <= CheckIntervalMs * 3, "the first failing probe came " + coldDecisionMs + " ms after the check's target went away");

            await agent.WaitUntilAsync(() => LastState(watcher, topics) is { Feeding: false, Health: Health.Failing }, 5000, "failing state");
            NodeState failing = LastState(watcher, topics)!;
            _out.WriteLine("reason: " + failing.Reason);
            Assert.Contains("backend", failing.Reason, StringComparison.Ordinal);
            Assert.Contains("ConnectionRefused", failing.Reason, StringComparison.Ordinal);
            Assert.False(failing.Checks.Single(c => c.Name == "backend").Ok);
            await agent.WaitUntilAsync(() => LastText(watcher, topics.NodeStatus("n1")) == "alert", 5000, "status alert");
            await agent.WaitUntilAsync(() => Events(watcher, topics).Any(e => e.Kind == "check-failing" && e.Severity == Severity.Alert), 5000, "check-failing event");

            // The check recovers: toggling resumes. Then it fails once more, warm.
            var again = new TcpListener(IPAddress.Loopback, backendPort);
            again.Start();
            await WaitForTogglingAsync(wires, agent);
            (long warmEdgeMs, long warmDecisionMs) = await FailBackendAsync(again, wires, watcher, topics, agent);
            _out.WriteLine("second failure: check failing " + warmDecisionMs + " ms, last heartbeat edge " + warmEdgeMs + " ms after the listener closed");
            AssertStopFollowsDecision(warmEdgeMs, warmDecisionMs);
            // Design bound: one check interval plus the half-period in which an edge may already be
            // due (550 ms); measured 0-165 ms on a quiet machine, 290-413 under three busy
            // processes on 2 cores. The slack is for a loaded test machine; speed is the bench's.
            Assert.True(warmEdgeMs <= CheckIntervalMs * 3, "toggling went on for " + warmEdgeMs + " ms after the check's target went away");

            again = new TcpListener(IPAddress.Loopback, backendPort);
            again.Start();
            try
            {
                await WaitForTogglingAsync(wires, agent);

                // 3. Broker stop and start (no persistence: the broker forgets every retained
                // message). The agent reconnects and publishes its retained status again.
                broker.Stop();
                await Task.Delay(1500);
                broker.Start();
                long restartedAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
                NodeState? restored = null;
                string? status = null;
                await agent.WaitUntilAsync(
                    () =>
                    {
                        (status, restored) = ReadRetained(broker, topics).GetAwaiter().GetResult();
                        return status == "ready" && restored != null && restored.Timestamp >= restartedAt - 500;
                    },
                    20_000,
                    "retained status after the broker restart");
                Assert.True(restored!.Feeding);
                Assert.Equal(Health.Healthy, restored.Health);
                int beforeExit = wires.ReadEdgeCount(HeartbeatPin);
                await Task.Delay(300);
                Assert.True(wires.ReadEdgeCount(HeartbeatPin) > beforeExit, "the heartbeat never depended on the broker");
            }
            finally
            {
                again.Stop();
            }

            // 4. A planned stop says "disconnected" (not the will's "lost") and exits 0.
            Assert.Equal(0, agent.Terminate(TimeSpan.FromSeconds(15)));
            (string? finalStatus, _) = await ReadRetained(broker, topics);
            Assert.Equal("disconnected", finalStatus);
        }
        catch
        {
            _out.WriteLine("agent output:\n" + agent.Output);
            throw;
        }
    }

    [Fact]
    public async Task Killed_agent_leaves_lost_through_its_will()
    {
        using var dir = new TempDirectory();
        using MosquittoProcess broker = MosquittoProcess.Start();
        string config = dir.Write("agent.json", AgentConfigs.Valid(dir.File("wires"), broker.Port));
        var topics = new TopicTree("test");
        using AgentProcess agent = AgentProcess.Start("--config", config);
        await agent.WaitUntilAsync(() => ReadRetained(broker, topics).GetAwaiter().GetResult().Status == "ready", 15_000, "ready");
        Process.Start("kill", "-KILL " + agent.Pid)!.WaitForExit();
        // The broker notices the dead TCP connection at once (RST) and publishes the will.
        await agent.WaitUntilAsync(() => ReadRetained(broker, topics).GetAwaiter().GetResult().Status == "lost", 10_000, "lost");
    }

    [Fact]
    public async Task A_killed_agents_flight_recorder_keeps_every_edge_and_the_next_start_keeps_it_as_previous()
    {
        using var dir = new TempDirectory();
        using MosquittoProcess broker = MosquittoProcess.Start();
        string wireFile = dir.File("wires"), record = dir.File("n1.edges");
        string config = dir.Write("agent.json", AgentConfigs.Valid(wireFile, broker.Port, periodMs: 20, edgeRecordFile: record));
        IReadOnlyList<RecordedEdge> killed;
        uint wireEdges;
        using (AgentProcess agent = AgentProcess.Start("--config", config))
        {
            await agent.WaitUntilAsync(() => Recorded(record) >= 20, 15_000, "20 recorded edges");
            agent.Kill(TimeSpan.FromSeconds(10));
            killed = EdgeRecorder.Read(record);
            using var wires = new VirtualWireDriver(wireFile, WireWriter.Test);
            wireEdges = (uint)wires.ReadEdgeCount(HeartbeatPin);
        }

        // Each edge is written to the line, then recorded: a kill between the two leaves one unrecorded.
        _out.WriteLine($"killed after {wireEdges} edges on the line, {killed.Count} recorded, the last at {killed[^1].WallMs}");
        Assert.True(killed.Count < EdgeRecorder.Capacity, "the test outran the ring");
        Assert.InRange(wireEdges - (uint)killed.Count, 0u, 1u);

        using (AgentProcess again = AgentProcess.Start("--config", config))
        {
            await again.WaitUntilAsync(() => File.Exists(record + ".previous") && Recorded(record) >= 1, 15_000, "an edge recorded by the new agent");
            Assert.Equal(killed, EdgeRecorder.Read(record + ".previous"));
            Assert.True(EdgeRecorder.Read(record)[0].WallMs > killed[^1].WallMs, "the new agent's file holds edges from before its start");
        }
    }

    private static int Recorded(string path)
    {
        try
        {
            return File.Exists(path) ? EdgeRecorder.Read(path).Count : 0;
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException)
        {
            return 0; // moved aside and not yet created again, or created and not yet whole
        }
    }

    private static async Task<(string? Status, NodeState? State)> ReadRetained(MosquittoProcess broker, TopicTree topics)
    {
        try
        {
            await using MqttProbe w = await MqttProbe.ConnectAsync(broker.Host, broker.Port, "watchdog/v1/test/node/n1/+");
            await Task.Delay(300);
            string? status = w.On(topics.NodeStatus("n1")).Where(m => m.Retain).Select(m => m.Payload).LastOrDefault();
            byte[]? state = w.On(topics.NodeState("n1")).Where(m => m.Retain).Select(m => m.Bytes).LastOrDefault();
            NodeState? decoded = null;
            if (state != null)
            {
                MessageCodec.TryDecode(state, out decoded, out _);
            }

            return (status, decoded);
        }
        catch (Exception ex) when (ex is InvalidOperationException or MQTTnet.Exceptions.MqttCommunicationException or SocketException)
        {
            return (null, null); // broker not up yet
        }
    }

    private static NodeState? LastState(MqttProbe w, TopicTree topics)
    {
        byte[]? payload = w.On(topics.NodeState("n1")).Select(m => m.Bytes).LastOrDefault();
        return payload != null && MessageCodec.TryDecode(payload, out NodeState? s, out _) ? s : null;
    }

    private static string? LastText(MqttProbe w, string topic) =>
        w.On(topic).Select(m => m.Payload).LastOrDefault();

    private static IEnumerable<EventMessage> Events(MqttProbe w, TopicTree topics)
    {
        foreach (byte[] payload in w.On(topics.Event("n1")).Select(m => m.Bytes))
        {
            if (MessageCodec.TryDecode(payload, out EventMessage? e, out _) && e != null)
            {
                yield return e;
            }
        }
    }

    /// <summary>
    /// Closes the check's target and watches the line for three check intervals. Returns when the
    /// last heartbeat edge came and when the agent's check-failing event says it decided, both in
    /// ms after the close (the event's timestamp is the agent's wall clock, on this machine).
    /// </summary>
    private static async Task<(long LastEdgeMs, long DecisionMs)> FailBackendAsync(
        TcpListener backend, VirtualWireDriver wires, MqttProbe watcher, TopicTree topics, AgentProcess agent)
    {
        int failingEvents = Events(watcher, topics).Count(e => e.Kind == "check-failing");
        long closedAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        long closedTicks = Stopwatch.GetTimestamp();
        backend.Stop();
        // Three check intervals for the line to stop, then the time of its last change as the
        // agent's write stamped it (CLOCK_MONOTONIC, as this process's Stopwatch): not when this
        // test happened to look, which a loaded machine delays (once by 700 ms).
        await Task.Delay(CheckIntervalMs * 3);
        long lastChangeTicks = wires.Wires.Sample(HeartbeatPin).LastChangeTimestamp;
        long lastChangeMs = Math.Max(0, (long)Stopwatch.GetElapsedTime(closedTicks, lastChangeTicks).TotalMilliseconds);

        await agent.WaitUntilAsync(() => Events(watcher, topics).Count(e => e.Kind == "check-failing") > failingEvents, 5000, "check-failing event");
        EventMessage decided = Events(watcher, topics).Where(e => e.Kind == "check-failing").Skip(failingEvents).First();
        return (lastChangeMs, decided.Timestamp - closedAt);
    }

    /// <summary>
    /// The line stops at the first half-period after the check turned failing, and the agent raises
    /// its event after that turn: so the last edge is at most a half-period (plus the pump
    /// thread's wake-up) after the event's timestamp, however late the probe itself ran.
    /// </summary>
    private static void AssertStopFollowsDecision(long lastEdgeMs, long decisionMs)
    {
        // One half-period may already be due; the rest is how late the agent's heartbeat thread
        // woke for it on a loaded machine.
        const int halfPeriodMs = 50;
        Assert.True(
            lastEdgeMs <= decisionMs + halfPeriodMs + 400,
            "the line toggled " + (lastEdgeMs - decisionMs) + " ms after the agent decided the check was failing");
    }

    private static async Task WaitForTogglingAsync(VirtualWireDriver wires, AgentProcess agent)
    {
        int before = wires.ReadEdgeCount(HeartbeatPin);
        await agent.WaitUntilAsync(() => wires.ReadEdgeCount(HeartbeatPin) > before + 5, 5000, "toggling resumes");
    }
}
