namespace Watchdog.Operator.Status;

/// <summary>
/// How old a retained value is. A broker killed with SIGKILL leaves "online" behind for dead
/// clients, so every value is shown with its age and marked stale past a threshold.
/// </summary>
public static class Freshness
{
    public static long AgeMs(long timestampMs, DateTimeOffset now) => now.ToUnixTimeMilliseconds() - timestampMs;

    public static bool IsStale(long timestampMs, DateTimeOffset now, TimeSpan staleAfter) =>
        timestampMs <= 0 || AgeMs(timestampMs, now) > (long)staleAfter.TotalMilliseconds;

    public static string Describe(long timestampMs, DateTimeOffset now)
    {
        if (timestampMs <= 0)
        {
            return "never";
        }

        var age = AgeMs(timestampMs, now);
        return age switch
        {
            < 0 => "in the future (clock skew)",
            < 1_000 => $"{age} ms ago",
            < 120_000 => $"{age / 1000} s ago",
            < 7_200_000 => $"{age / 60_000} min ago",
            _ => $"{age / 3_600_000} h ago",
        };
    }
}
