using Watchdog.Firmware.Glue;

namespace Watchdog.Board.Tests.Glue;

public sealed class TickSupervisorTests
{
    [Fact]
    public void A_beating_loop_is_left_alone_and_a_stalled_one_triggers_the_handler()
    {
        long stalledFor = -1;
        var supervisor = new TickSupervisor(limitMs: 100, checkEveryMs: 10, onStall: ms => stalledFor = ms);

        for (int i = 0; i < 10; i++)
        {
            supervisor.Beat();
            Thread.Sleep(20);
            Assert.False(supervisor.Check());
        }

        Assert.Equal(-1, stalledFor);
        Thread.Sleep(150); // the loop stalls
        Assert.True(supervisor.Check());
        Assert.True(stalledFor > 100, $"handler saw {stalledFor} ms");
    }

    [Fact]
    public void The_supervisor_thread_fires_once_and_ends()
    {
        int calls = 0;
        var supervisor = new TickSupervisor(limitMs: 50, checkEveryMs: 10, onStall: _ => Interlocked.Increment(ref calls));
        var thread = new Thread(supervisor.Run);
        thread.Start();
        Assert.True(thread.Join(TimeSpan.FromSeconds(5)), "the supervisor thread did not end after the stall");
        Assert.Equal(1, calls);
    }
}
