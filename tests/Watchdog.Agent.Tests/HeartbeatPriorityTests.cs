using Watchdog.Platform.Posix;

namespace Watchdog.Agent.Tests;

/// <summary>
/// The heartbeat thread runs SCHED_RR when the agent may (root or CAP_SYS_NICE), so a busy server
/// does not delay its heartbeat past the board's timeout; otherwise it says why it cannot.
/// Read from the kernel's own view of the thread (/proc/self/task/*/stat, field 41: policy).
/// </summary>
public sealed class HeartbeatPriorityTests
{
    private const int SchedOther = 0;
    private const int SchedRoundRobin = 2;

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
            policy = HeartbeatThreadPolicy();
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

    // The scheduling policy of this process's thread named "heartbeat", or null before it runs.
    private static int? HeartbeatThreadPolicy()
    {
        foreach (string task in Directory.GetDirectories("/proc/self/task"))
        {
            string comm;
            string stat;
            try
            {
                comm = File.ReadAllText(Path.Combine(task, "comm")).Trim();
                stat = File.ReadAllText(Path.Combine(task, "stat"));
            }
            catch (IOException)
            {
                continue; // the thread ended meanwhile
            }

            if (comm != "heartbeat")
            {
                continue;
            }

            // Fields after the ")" that closes the command name: field 3 is the first; policy is field 41.
            string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return int.Parse(fields[41 - 3], System.Globalization.CultureInfo.InvariantCulture);
        }

        return null;
    }
}
