using Watchdog.Protocol.Json;

namespace Watchdog.Agent.Tests;

/// <summary>
/// A check required only while active (RequiredWhen = active): on a standby its failure degrades
/// the health and leaves the heartbeat fed, so a database rejoining the new primary is not reset
/// in the middle of its rejoin; on the active it stops the heartbeat as any required check does.
/// </summary>
public sealed class RequiredWhileActiveTests
{
    private static (CheckRunner Runner, ScriptedProbe Probe, AgentStatus Status, RecordingEvents Events) Port(string requiredWhen)
    {
        var options = new CheckOptions { Name = "db-port", Kind = "tcp", Host = "127.0.0.1", Port = 5432, Required = true, RequiredWhen = requiredWhen, FailThreshold = 1, SuccessThreshold = 1 };
        var status = new AgentStatus();
        var events = new RecordingEvents();
        var probe = new ScriptedProbe("connected", "connect failed: ConnectionRefused");
        return (new CheckRunner(options, probe, status, new CheckActions(options, events), TimeProvider.System), probe, status, events);
    }

    [Fact]
    public async Task On_a_standby_the_failure_degrades_and_the_heartbeat_goes_on()
    {
        var (runner, probe, status, events) = Port(RequiredWhenWords.Active);
        using (runner)
        {
            status.SetRole(NodeRole.Standby, 3, "rejoining");
            Assert.True(status.RequiredChecksPass, "before its first result, on a standby");

            probe.Ok = false;
            await runner.RunOnceAsync(CancellationToken.None);
            Assert.True(status.RequiredChecksPass);
            NodeState s = status.Snapshot("db1", "db", 1);
            Assert.Equal(Health.Degraded, s.Health);
            Assert.Contains("db-port: connect failed", s.Reason, StringComparison.Ordinal);
            Assert.Contains(events.All, e => e.Kind == "check-failing" && e.Detail.Contains("required while active", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task On_the_active_the_failure_stops_the_heartbeat()
    {
        var (runner, probe, status, _) = Port(RequiredWhenWords.Active);
        using (runner)
        {
            status.SetRole(NodeRole.Standby, 3, "standing by");
            probe.Ok = false;
            await runner.RunOnceAsync(CancellationToken.None);
            Assert.True(status.RequiredChecksPass);

            // The same failing check, once this node holds the active role: read at the next
            // heartbeat period, so the board sees the active fail at once.
            status.SetRole(NodeRole.Active, 4, "granted");
            Assert.False(status.RequiredChecksPass);
            Assert.Equal(Health.Failing, status.Snapshot("db1", "db", 2).Health);

            probe.Ok = true;
            await runner.RunOnceAsync(CancellationToken.None);
            Assert.True(status.RequiredChecksPass);
            Assert.Equal(Health.Healthy, status.Snapshot("db1", "db", 3).Health);
        }
    }

    [Fact]
    public void On_the_active_no_result_yet_keeps_the_heartbeat_stopped()
    {
        var (runner, _, status, _) = Port(RequiredWhenWords.Active);
        using (runner)
        {
            status.SetRole(NodeRole.Active, 4, "granted");
            Assert.False(status.RequiredChecksPass);
            Assert.Equal(Health.Unknown, status.Snapshot("db1", "db", 1).Health);
        }
    }

    [Fact]
    public async Task Always_required_stops_the_heartbeat_on_a_standby_too()
    {
        var (runner, probe, status, _) = Port(RequiredWhenWords.Always);
        using (runner)
        {
            status.SetRole(NodeRole.Standby, 3, "standing by");
            probe.Ok = false;
            await runner.RunOnceAsync(CancellationToken.None);
            Assert.False(status.RequiredChecksPass);
            Assert.Equal(Health.Failing, status.Snapshot("db1", "db", 1).Health);
        }
    }
}
