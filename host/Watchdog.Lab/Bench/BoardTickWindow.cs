using System.Globalization;
using System.Text.RegularExpressions;

namespace Watchdog.Lab.Bench;

/// <summary>
/// One of the board's tick statistics lines ("ticks: ..." in its log, one per --stats-interval-ms,
/// a minute by default): when the window ended and its ticks' start lateness. A soak reads them
/// to say whether the board itself was late when an agent's edge was: a board that stalls with
/// its servers sees their late edges late too, and does not suspect them.
/// </summary>
/// <param name="EndUtc">When the board wrote the line (its log's time of day, on the day of the soak).</param>
/// <param name="Ticks">Ticks in the window, as the board counted them.</param>
/// <param name="LateP50Ms">Tick start lateness, median (the board's 50 us histogram: at most one bucket high).</param>
/// <param name="LateP99Ms">Tick start lateness, 99th percentile.</param>
/// <param name="LateMaxMs">The latest tick of the window.</param>
/// <param name="Stalls">Ticks a full period or more late in the window (skipped ticks).</param>
public sealed record BoardTickWindow(DateTime EndUtc, long Ticks, double LateP50Ms, double LateP99Ms, double LateMaxMs, long Stalls)
{
    private static readonly Regex StatsLine = new(
        @"^(?<at>\d\d:\d\d:\d\d\.\d\d\d) .*ticks: \d+ in [\d.]+ s, worst late [\d.]+ ms, start lateness p50 (?<p50>[\d.]+) ms, p99 (?<p99>[\d.]+) ms, max (?<max>[\d.]+) ms over (?<n>\d+) ticks, (?<stalls>\d+) a period or more late",
        RegexOptions.CultureInvariant);

    /// <summary>The window of a statistics line written on <paramref name="day"/>, or null for any other line.</summary>
    public static BoardTickWindow? Parse(string line, DateTime day)
    {
        var m = StatsLine.Match(line);
        if (!m.Success)
        {
            return null;
        }

        double Num(string g) => double.Parse(m.Groups[g].Value, CultureInfo.InvariantCulture);
        var at = day.Date + TimeSpan.ParseExact(m.Groups["at"].Value, @"hh\:mm\:ss\.fff", CultureInfo.InvariantCulture);
        return new BoardTickWindow(DateTime.SpecifyKind(at, DateTimeKind.Utc), (long)Num("n"), Num("p50"), Num("p99"), Num("max"), (long)Num("stalls"));
    }

    /// <summary>
    /// The windows that ended from <paramref name="fromUtc"/> to <paramref name="toUtc"/> in the
    /// board's log, oldest first. The log says only the time of day: the first line is dated
    /// within 12 hours of <paramref name="fromUtc"/>, and a line earlier in the day than the one
    /// before it was written after midnight.
    /// </summary>
    public static IReadOnlyList<BoardTickWindow> Read(string log, DateTime fromUtc, DateTime toUtc)
    {
        var windows = new List<BoardTickWindow>();
        var day = fromUtc.Date;
        foreach (string line in LogLines(log))
        {
            if (Parse(line, day) is not { } w)
            {
                continue;
            }

            var shift = windows.Count == 0
                ? (w.EndUtc - fromUtc).TotalHours switch { > 12 => -1, < -12 => 1, _ => 0 }
                : w.EndUtc < windows[^1].EndUtc ? 1 : 0;
            day = day.AddDays(shift);
            windows.Add(w with { EndUtc = w.EndUtc.AddDays(shift) });
        }

        return windows.Where(w => w.EndUtc >= fromUtc && w.EndUtc <= toUtc).ToList();
    }

    /// <summary>
    /// One line about <paramref name="windows"/>: the latest tick of all and when its window
    /// ended (seconds after <paramref name="sinceUtc"/>), the highest p99, the ticks skipped, and
    /// each window's latest tick; null when there is none.
    /// </summary>
    public static string? Summary(IReadOnlyList<BoardTickWindow> windows, DateTime sinceUtc)
    {
        if (windows.Count == 0)
        {
            return null;
        }

        var worst = windows.MaxBy(w => w.LateMaxMs)!;
        return string.Create(CultureInfo.InvariantCulture,
            $"{windows.Count} statistics windows, the latest tick {worst.LateMaxMs:0.0} ms late (window ending +{(worst.EndUtc - sinceUtc).TotalSeconds:0} s), " +
            $"p99 at most {windows.Max(w => w.LateP99Ms):0.00} ms, {windows.Sum(w => w.Stalls)} tick(s) a period or more late; " +
            $"latest per window: {string.Join(", ", windows.Select(w => w.LateMaxMs.ToString("0.0", CultureInfo.InvariantCulture)))} ms");
    }

    /// <summary>
    /// The lines of a board's log (none when it is not there yet). The lab's pipe reader writes it
    /// line by line while the board runs, so it is read shared.
    /// </summary>
    public static List<string> LogLines(string log)
    {
        var lines = new List<string>();
        if (!File.Exists(log))
        {
            return lines;
        }

        using var stream = new FileStream(log, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        while (reader.ReadLine() is { } l)
        {
            lines.Add(l);
        }

        return lines;
    }

    /// <summary>The window holding <paramref name="atUtc"/>: the first that ended at or after it.</summary>
    public static BoardTickWindow? Holding(IReadOnlyList<BoardTickWindow> windows, DateTime atUtc) =>
        windows.FirstOrDefault(w => w.EndUtc >= atUtc);
}
