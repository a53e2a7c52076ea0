using System.Globalization;
using Watchdog.Platform.Posix;

namespace Watchdog.Board.Tests.Integration;

/// <summary>
/// The tick thread's scheduling class, read from the kernel (/proc), not from the board's own
/// word: SCHED_RR at --realtime-priority when the process may switch (root, as CI runs), normal
/// with 0 or without the privilege, and then the board says so.
/// </summary>
public sealed class BoardTickThreadTests
{
    private const int SchedOther = 0;
    private const int SchedRoundRobin = 2;

    [Theory]
    [InlineData(null, 10)]
    [InlineData("7", 7)]
    [InlineData("0", 0)]
    public async Task The_tick_thread_runs_in_the_scheduling_class_asked_for(string? option, int priority)
    {
        using var rig = new BoardRig();
        string config = rig.WriteConfig(BoardRig.Config(""));
        using BoardProcess board = BoardProcess.Start(option is null ? rig.BoardArgs(config) : rig.BoardArgs(config, "--realtime-priority", option));

        // The tick loop announces itself once it runs; by then its thread has switched (or not).
        await board.WaitForLineAsync("channel(s), tick", BoardRig.Wait);
        (int policy, int rtPriority) = TickThreadScheduling(board.Id);

        if (priority == 0)
        {
            Assert.Equal((SchedOther, 0), (policy, rtPriority));
            Assert.DoesNotContain("tick thread:", board.Output, StringComparison.Ordinal);
        }
        else if (PosixSignals.IsRoot)
        {
            Assert.Equal((SchedRoundRobin, priority), (policy, rtPriority));
            Assert.Contains("tick thread: SCHED_RR " + priority, board.Output, StringComparison.Ordinal);
        }
        else
        {
            Assert.Equal((SchedOther, 0), (policy, rtPriority));
            Assert.Contains("tick thread: could not switch to real-time scheduling", board.Output, StringComparison.Ordinal);
        }
    }

    // Fields 40 and 41 of /proc/<pid>/task/<tid>/stat (rt_priority, policy), counted after the
    // command name's closing parenthesis, which may itself hold spaces.
    private static (int Policy, int Priority) TickThreadScheduling(int pid)
    {
        foreach (string task in Directory.GetDirectories($"/proc/{pid}/task"))
        {
            if (File.ReadAllText(Path.Combine(task, "comm")).Trim() != "watchdog-tick")
            {
                continue;
            }

            string stat = File.ReadAllText(Path.Combine(task, "stat"));
            string[] after = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            // after[0] is field 3 (state): field n is after[n - 3].
            return (int.Parse(after[41 - 3], CultureInfo.InvariantCulture), int.Parse(after[40 - 3], CultureInfo.InvariantCulture));
        }

        throw new Xunit.Sdk.XunitException($"board pid {pid} has no thread named watchdog-tick");
    }
}
