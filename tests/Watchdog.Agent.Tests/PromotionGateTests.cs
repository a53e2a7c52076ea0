using Watchdog.Protocol.Json;
using Watchdog.Protocol.Topics;
using Watchdog.Sim.Broker;
using Watchdog.VirtualWires;
using Xunit.Abstractions;

namespace Watchdog.Agent.Tests;

/// <summary>
/// A check that gates promotion (GatesPromotion): its failure marks the node not ready in its
/// state and leaves the heartbeat and the health alone; its recovery marks it ready again.
/// </summary>
public sealed class PromotionGateTests
{
    private static (CheckRunner Runner, ScriptedProbe Probe, AgentStatus Status, RecordingEvents Events) Gate(int successThreshold = 1)
    {
        var options = new CheckOptions { Name = "pg-sync", Kind = "postgres", GatesPromotion = true, FailThreshold = 1, SuccessThreshold = successThreshold };
        var status = new AgentStatus();
        var required = new CheckOptions { Name = "port", Kind = "tcp", Required = true };
        status.Declare(required.Name, required.Required, required.GatesPromotion);
        status.SetCheck("port", true, "open");
        var events = new RecordingEvents();
        var probe = new ScriptedProbe("in sync", "replay 40 MB behind");
        return (new CheckRunner(options, probe, status, new CheckActions(options, events), TimeProvider.System), probe, status, events);
    }

    [Fact]
    public void Before_its_first_result_the_node_is_not_ready_but_feeds()
    {
        var (runner, _, status, _) = Gate();
        using (runner)
        {
            NodeState s = status.Snapshot("db2", "db", 1);
            Assert.False(s.Ready);
            Assert.StartsWith("not ready: pg-sync: no result yet", s.Reason, StringComparison.Ordinal);
            Assert.True(status.RequiredChecksPass);
            Assert.Equal(Health.Healthy, s.Health);
            Assert.True(s.Checks.Single(c => c.Name == "pg-sync").GatesPromotion);
            Assert.False(s.Checks.Single(c => c.Name == "port").GatesPromotion);
        }
    }

    [Fact]
    public async Task Failure_marks_not_ready_without_touching_heartbeat_or_health_and_recovery_marks_ready()
    {
        var (runner, probe, status, events) = Gate(successThreshold: 2);
        using (runner)
        {
            probe.Ok = true;
            await runner.RunOnceAsync(CancellationToken.None);
            NodeState ready = status.Snapshot("db2", "db", 1);
            Assert.True(ready.Ready);
            Assert.Equal("all checks pass", ready.Reason);

            probe.Ok = false;
            await runner.RunOnceAsync(CancellationToken.None);
            NodeState lagging = status.Snapshot("db2", "db", 2);
            Assert.False(lagging.Ready);
            Assert.False(status.Ready);
            Assert.StartsWith("not ready: pg-sync: replay 40 MB behind", lagging.Reason, StringComparison.Ordinal);
            Assert.Equal(Health.Healthy, lagging.Health);
            Assert.True(status.RequiredChecksPass, "a check that gates promotion must never stop the heartbeat");
            Assert.Contains(events.All, e => e.Kind == "check-failing" && e.Severity == Severity.Warning && e.Detail.Contains("gates promotion", StringComparison.Ordinal));

            // Back in sync: the success threshold applies as for any check.
            probe.Ok = true;
            await runner.RunOnceAsync(CancellationToken.None);
            Assert.False(status.Snapshot("db2", "db", 3).Ready);
            await runner.RunOnceAsync(CancellationToken.None);
            NodeState caughtUp = status.Snapshot("db2", "db", 4);
            Assert.True(caughtUp.Ready);
            Assert.Equal("all checks pass", caughtUp.Reason);
            Assert.Contains(events.All, e => e.Kind == "check-recovered" && e.Detail.Contains("ready again", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void Combined_with_Required_it_is_refused_with_the_reason()
    {
        var o = new AgentOptions
        {
            Cluster = "c",
            Node = "n1",
            Heartbeat = new HeartbeatOptions { Driver = "virtual", WireFile = "/tmp/w", Pin = 1 },
            Mqtt = new MqttOptions { Brokers = { new BrokerOptions { Host = "127.0.0.1", Port = 1883 } } },
        };
        o.Checks.Add(new CheckOptions { Name = "pg", Kind = "tcp", Host = "h", Port = 5432, GatesPromotion = true });
        Assert.Empty(ConfigValidator.Validate(o));

        o.Checks[0].Required = true;
        string problem = Assert.Single(ConfigValidator.Validate(o));
        Assert.StartsWith("Checks:0:GatesPromotion = True: cannot be combined with Required", problem, StringComparison.Ordinal);
    }
}

/// <summary>The real agent process on the virtual wire and a real mosquitto: readiness travels in the state while the line keeps toggling.</summary>
[Collection("timing")]
public sealed class PromotionGateProcessTests(ITestOutputHelper output)
{
    private const int HeartbeatPin = 2;

    [Fact]
    public async Task A_failing_gate_publishes_not_ready_and_the_heartbeat_goes_on()
    {
        using var dir = new TempDirectory();
        using MosquittoProcess broker = MosquittoProcess.Start();
        string wireFile = dir.File("wires");
        string flag = dir.File("in-sync");
        string checks = $$"""
            [ { "Name": "sync", "Kind": "command", "Command": "test -f {{flag}}", "GatesPromotion": true,
                "IntervalMs": 300, "TimeoutMs": 250, "FailThreshold": 1, "SuccessThreshold": 1 } ]
            """;
        string config = dir.Write("agent.json", AgentConfigs.Valid(wireFile, broker.Port, checks, periodMs: 100));
        var topics = new TopicTree("test");
        await using MqttProbe watcher = await MqttProbe.ConnectAsync(broker.Host, broker.Port, topics.Everything());
        using AgentProcess agent = AgentProcess.Start("--config", config);
        try
        {
            NodeState? Last()
            {
                byte[]? payload = watcher.On(topics.NodeState("n1")).Select(m => m.Bytes).LastOrDefault();
                return payload != null && MessageCodec.TryDecode(payload, out NodeState? s, out _) ? s : null;
            }

            await agent.WaitUntilAsync(() => File.Exists(wireFile), 15_000, "wire file created");
            using var wires = new VirtualWireDriver(wireFile, WireWriter.Test);

            // Not in sync from the start: not ready, yet feeding and healthy.
            await agent.WaitUntilAsync(() => Last() is { Ready: false, Feeding: true } s && s.Reason.Contains("not ready: sync", StringComparison.Ordinal), 15_000, "a not-ready feeding state");
            Assert.Equal(Health.Healthy, Last()!.Health);
            int edges = wires.ReadEdgeCount(HeartbeatPin);
            await agent.WaitUntilAsync(() => wires.ReadEdgeCount(HeartbeatPin) > edges + 5, 10_000, "heartbeat edges while not ready");

            File.WriteAllText(flag, "");
            await agent.WaitUntilAsync(() => Last() is { Ready: true, Feeding: true }, 10_000, "a ready state");

            File.Delete(flag);
            await agent.WaitUntilAsync(() => Last() is { Ready: false }, 10_000, "not ready again");
            edges = wires.ReadEdgeCount(HeartbeatPin);
            await agent.WaitUntilAsync(() => wires.ReadEdgeCount(HeartbeatPin) > edges + 5, 10_000, "heartbeat edges after the gate failed again");
            Assert.True(Last()!.Feeding);
        }
        catch
        {
            output.WriteLine("agent output:\n" + agent.Output);
            throw;
        }
    }
}
