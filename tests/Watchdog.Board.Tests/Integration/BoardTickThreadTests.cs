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
    private const int SchedOther = ThreadScheduling.Other;
    private const int SchedRoundRobin = ThreadScheduling.RoundRobin;

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
        (int policy, int rtPriority) = ThreadScheduling.Of(board.Id.ToString(CultureInfo.InvariantCulture), "watchdog-tick")
            ?? throw new Xunit.Sdk.XunitException($"board pid {board.Id} has no thread named watchdog-tick");

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
}
