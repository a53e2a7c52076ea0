using System.Diagnostics;
using System.Globalization;
using Watchdog.Lab.Rack;

namespace Watchdog.Lab.Bench;

/// <summary>
/// The board process over one steady window: its own tick statistics line (every tick's start
/// lateness p50/p99/max over the window, from the board's TickClock) and its CPU and RSS from
/// /proc. The window is exactly one statistics window of the board (--stats-interval-ms): it
/// begins at one "ticks:" line and ends at the next, so it holds no part of the settling.
/// </summary>
/// <param name="Ticks">Ticks in the window, as the board counted them.</param>
/// <param name="LateP50Ms">Tick start lateness, median (the board's 50 us histogram: at most one bucket high).</param>
/// <param name="LateP99Ms">Tick start lateness, 99th percentile.</param>
/// <param name="LateMaxMs">The latest tick of the window.</param>
/// <param name="Stalls">Ticks a full period or more late in the window (skipped ticks).</param>
/// <param name="CpuPercent">The board's user + system CPU over the window, % of one core.</param>
/// <param name="RssMb">The board's resident set at the window's end (VmRSS), MiB.</param>
/// <param name="LoadAverage">The machine's 1-minute load average at the window's end.</param>
public sealed record BoardSteadyWindow(long Ticks, double LateP50Ms, double LateP99Ms, double LateMaxMs, long Stalls, double CpuPercent, double RssMb, double LoadAverage, double WindowS)
{
    /// <summary>Waits for the next statistics line of the board (the window's start), then the one after it, sampling /proc at both.</summary>
    public static async Task<BoardSteadyWindow> MeasureAsync(RackCluster cluster, int windowMs, CancellationToken ct)
    {
        var board = cluster.Board(ClusterConfigs.BoardName);
        var log = cluster.BoardLog;
        var bound = TimeSpan.FromMilliseconds(windowMs * 3L);
        var seen = CountStatsLines(log);
        await NextStatsLineAsync(log, seen, bound, ct).ConfigureAwait(false);
        var pid = board.Pid ?? throw new LabFailedException("the board process is not running: no steady window to measure");
        var (cpu0, at0) = (CpuSeconds(pid), Stopwatch.GetTimestamp());
        var line = await NextStatsLineAsync(log, seen + 1, bound, ct).ConfigureAwait(false);
        var (cpu1, at1) = (CpuSeconds(pid), Stopwatch.GetTimestamp());
        if (board.Pid != pid)
        {
            throw new LabFailedException("the board process restarted within the steady window");
        }

        var w = BoardTickWindow.Parse(line, DateTime.UtcNow)
            ?? throw new LabFailedException($"the board's statistics line is not in the form this bench reads: '{line}' ({log})");
        var seconds = Stopwatch.GetElapsedTime(at0, at1).TotalSeconds;
        return new BoardSteadyWindow(w.Ticks, w.LateP50Ms, w.LateP99Ms, w.LateMaxMs, w.Stalls,
            Math.Round((cpu1 - cpu0) / seconds * 100, 2), ReadRssMb(pid), ReadLoadAverage(), Math.Round(seconds, 1));
    }

    private static int CountStatsLines(string log) => BoardTickWindow.LogLines(log).Count(IsStats);

    private static bool IsStats(string line) => line.Contains("ticks: ", StringComparison.Ordinal) && line.Contains("start lateness", StringComparison.Ordinal);

    /// <summary>The statistics line number <paramref name="index"/> (0-based) of the log, once the board has written it.</summary>
    private static async Task<string> NextStatsLineAsync(string log, int index, TimeSpan bound, CancellationToken ct)
    {
        var until = Stopwatch.GetTimestamp() + (long)(bound.TotalSeconds * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < until)
        {
            var lines = BoardTickWindow.LogLines(log).Where(IsStats).ToList();
            if (lines.Count > index)
            {
                return lines[index];
            }

            // The board writes the line once a window; a tenth of a second of reading late costs
            // nothing, as CPU is sampled by this loop at both ends of the same window.
            await Task.Delay(100, ct).ConfigureAwait(false);
        }

        throw new LabFailedException($"the board wrote no statistics line within {bound.TotalSeconds:0} s ({log})");
    }

    private static readonly double ClockTicks = ReadClockTicks();

    private static double ReadClockTicks()
    {
        var p = Process.Start(new ProcessStartInfo("getconf", "CLK_TCK") { RedirectStandardOutput = true })!;
        var text = p.StandardOutput.ReadToEnd().Trim();
        p.WaitForExit();
        return double.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var hz) && hz > 0 ? hz : 100;
    }

    /// <summary>utime + stime of the process (/proc/PID/stat fields 14 and 15, after the command's closing parenthesis).</summary>
    private static double CpuSeconds(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        // fields[0] is field 3 (state): utime is field 14, stime 15.
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / ClockTicks;
    }

    private static double ReadRssMb(int pid)
    {
        var line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        var kb = long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
        return Math.Round(kb / 1024.0, 1);
    }

    private static double ReadLoadAverage() =>
        double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], CultureInfo.InvariantCulture);
}
