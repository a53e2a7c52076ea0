using Watchdog.Platform.Posix;

namespace Watchdog.Agent.Tests;

/// <summary>
/// The heartbeat thread runs SCHED_RR when the agent may (root or CAP_SYS_NICE), so a busy server
/// does not delay its heartbeat past the board's timeout; otherwise it says why it cannot.
/// Read from the kernel's own view of the thread (/proc/self/task/*/stat, field 41: policy).
/// </summary>
public sealed class HeartbeatPriorityTests
{
    private const int SchedOther = ThreadScheduling.Other;
    private const int SchedRoundRobin = ThreadScheduling.RoundRobin;

    [Theory]
    [InlineData(10)]
    [InlineData(0)]
    public void The_heartbeat_thread_is_real_time_when_configured_and_permitted(int priority)
    {
        using var dir = new TempDirectory();
        var o = new AgentOptions { Heartbeat = new HeartbeatOptions { Driver = "virtual", WireFile = dir.File("wires"), Pin = 4 } };
        var events = new RecordingEvents();
        using var pump = new HeartbeatPump(HeartbeatHardwareFactory.Create(o), () => true, new AgentStatus(), events, periodMs: 40, retryMinMs: 100, retryMaxMs: 100, realtimePriority: priority);
        pump.Start();
        int? policy = null;
        for (int i = 0; i < 100 && policy is null; i++)
        {
            Thread.Sleep(20);
            policy = ThreadScheduling.Of("self", "heartbeat")?.Policy;
        }

        Assert.NotNull(policy);
        if (priority == 0)
        {
            Assert.Equal(SchedOther, policy);
            Assert.False(events.Has("heartbeat-priority"));
        }
        else if (PosixSignals.IsRoot)
        {
            Assert.Equal(SchedRoundRobin, policy);
            Assert.False(events.Has("heartbeat-priority"));
        }
        else
        {
            Assert.Equal(SchedOther, policy);
            Assert.True(events.Has("heartbeat-priority"), "an unprivileged agent says that its heartbeat runs at normal priority");
        }
    }
}
