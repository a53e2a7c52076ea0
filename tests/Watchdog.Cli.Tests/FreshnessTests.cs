namespace Watchdog.Cli.Tests;

public class FreshnessTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeMilliseconds(1_764_000_000_000);

    [Theory]
    [InlineData(0, "never", true)]
    [InlineData(1_764_000_000_000 - 250, "250 ms ago", false)]
    [InlineData(1_764_000_000_000 - 14_000, "14 s ago", false)]
    [InlineData(1_764_000_000_000 - 16_000, "16 s ago", true)]
    [InlineData(1_764_000_000_000 - 600_000, "10 min ago", true)]
    [InlineData(1_764_000_000_000 + 5_000, "in the future (clock skew)", false)]
    public void Describes_age_and_judges_staleness(long ts, string description, bool stale)
    {
        Assert.Equal(description, Freshness.Describe(ts, Now));
        Assert.Equal(stale, Freshness.IsStale(ts, Now, TimeSpan.FromSeconds(15)));
    }
}
