using Watchdog.Lab.Bench;
using Watchdog.Testing;

namespace Watchdog.Lab.Tests.Bench;

/// <summary>The board's tick statistics lines as a soak reads them: each window's lateness, dated across midnight, and the window holding a moment.</summary>
public sealed class BoardTickWindowTests
{
    // As the Linux board logs them (a soak of the frontier run), with the other lines of its log between.
    private const string Log = """
        23:58:04.890 board rack1 started, tick 5 ms
        23:59:04.892 ticks: 12000 in 60 s, worst late 16.4 ms, start lateness p50 0.60 ms, p99 1.20 ms, max 16.40 ms over 12000 ticks, 3 a period or more late (skipped), 3 since start, mqtt connected, 0 outbox drop(s), 0 message(s) refused
        00:00:04.890 ticks: 12000 in 60 s, worst late 0.0 ms, start lateness p50 0.60 ms, p99 1.20 ms, max 3.00 ms over 12000 ticks, 0 a period or more late (skipped), 3 since start, mqtt connected, 0 outbox drop(s), 0 message(s) refused
        00:00:05.001 state web1 healthy -> suspect
        00:01:04.891 ticks: 11998 in 60 s, worst late 0.0 ms, start lateness p50 0.55 ms, p99 1.10 ms, max 2.50 ms over 11998 ticks, 0 a period or more late (skipped), 3 since start, mqtt connected, 0 outbox drop(s), 0 message(s) refused
        """;

    [Fact]
    public void Each_statistics_line_is_a_window_dated_across_midnight()
    {
        using var dir = new TempDirectory();
        string log = dir.Write("board.log", Log);
        var from = new DateTime(2026, 12, 4, 23, 58, 30, DateTimeKind.Utc);

        var windows = BoardTickWindow.Read(log, from, from.AddMinutes(5));

        Assert.Equal(
            [
                new BoardTickWindow(new DateTime(2026, 12, 4, 23, 59, 4, 892, DateTimeKind.Utc), 12000, 0.60, 1.20, 16.40, 3),
                new BoardTickWindow(new DateTime(2026, 12, 5, 0, 0, 4, 890, DateTimeKind.Utc), 12000, 0.60, 1.20, 3.00, 0),
                new BoardTickWindow(new DateTime(2026, 12, 5, 0, 1, 4, 891, DateTimeKind.Utc), 11998, 0.55, 1.10, 2.50, 0),
            ],
            windows);
        Assert.Equal(3.00, BoardTickWindow.Holding(windows, new DateTime(2026, 12, 5, 0, 0, 0, DateTimeKind.Utc))!.LateMaxMs);
        Assert.Null(BoardTickWindow.Holding(windows, new DateTime(2026, 12, 5, 0, 2, 0, DateTimeKind.Utc)));
        Assert.Equal(
            "3 statistics windows, the latest tick 16.4 ms late (window ending +35 s), p99 at most 1.20 ms, 3 tick(s) a period or more late; latest per window: 16.4, 3.0, 2.5 ms",
            BoardTickWindow.Summary(windows, from));
        Assert.Null(BoardTickWindow.Summary([], from));
    }

    [Fact]
    public void Windows_outside_the_soak_and_a_missing_log_give_none()
    {
        using var dir = new TempDirectory();
        string log = dir.Write("board.log", Log);
        var from = new DateTime(2026, 12, 5, 0, 0, 30, DateTimeKind.Utc);

        Assert.Equal([2.50], BoardTickWindow.Read(log, from, from.AddSeconds(40)).Select(w => w.LateMaxMs));
        Assert.Empty(BoardTickWindow.Read(dir.File("none.log"), from, from.AddMinutes(1)));
    }
}
