using Watchdog.Sites.Config;

namespace Watchdog.Sites.Tests.Config;

/// <summary>Site kinds and SHARE tiers from the configuration, and how drills move the tier.</summary>
public sealed class DrClassificationTests
{
    private static DrGroup Group(Replication r, StandbySite s, FailoverMode f, int rto = 60000, int rpo = 0) =>
        new("db", "db", ["east", "west"], TicketTiming.Default, r, s, f, new Objectives(rto, rpo));

    public static TheoryData<Replication, StandbySite, FailoverMode, SiteKind, int> Cases => new()
    {
        { Replication.Sync, StandbySite.Running, FailoverMode.Automatic, SiteKind.Mirror, 6 },
        { Replication.Sync, StandbySite.Running, FailoverMode.Manual, SiteKind.Hot, 5 },
        { Replication.Async, StandbySite.Running, FailoverMode.Automatic, SiteKind.Hot, 4 },
        { Replication.Async, StandbySite.Running, FailoverMode.Manual, SiteKind.Hot, 4 },
        { Replication.LogShipping, StandbySite.Running, FailoverMode.Automatic, SiteKind.Warm, 3 },
        { Replication.LogShipping, StandbySite.Provisioned, FailoverMode.Manual, SiteKind.Warm, 3 },
        { Replication.LogShipping, StandbySite.None, FailoverMode.Manual, SiteKind.Cold, 3 },
        { Replication.Backup, StandbySite.Provisioned, FailoverMode.Manual, SiteKind.Warm, 2 },
        { Replication.Backup, StandbySite.None, FailoverMode.Manual, SiteKind.Cold, 1 },
        { Replication.None, StandbySite.None, FailoverMode.Manual, SiteKind.Cold, 0 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Kind_and_tier_follow_the_documented_rules(Replication r, StandbySite s, FailoverMode f, SiteKind kind, int tier)
    {
        var g = Group(r, s, f);
        Assert.Equal(kind, DrClassification.Kind(g));
        Assert.Equal(tier, DrClassification.ConfiguredTier(g));
    }

    private static DrillFigure Drill(string scenario, long rto, long rows = 0, long rpoMs = 0, long overlap = 0, int day = 1) =>
        new("db", scenario, rto, rows, rpoMs, overlap, 6, new DateTimeOffset(2026, 12, day, 12, 0, 0, TimeSpan.Zero), "abc1234");

    private static DrConfig Config(DrGroup g) => new("lab", [], [], [g]);

    [Fact]
    public void A_mirror_that_met_its_objectives_in_an_unplanned_drill_earns_tier_7()
    {
        var r = Assert.Single(DrReport.Build(Config(Group(Replication.Sync, StandbySite.Running, FailoverMode.Automatic)), [Drill("unplanned", 20000)]));
        Assert.Empty(r.Flags);
        Assert.Equal((6, 7), (r.ConfiguredTier, r.Tier));
    }

    [Fact]
    public void A_group_never_drilled_is_flagged_and_keeps_its_configured_tier()
    {
        var r = Assert.Single(DrReport.Build(Config(Group(Replication.Sync, StandbySite.Running, FailoverMode.Automatic)), []));
        Assert.Equal("never drilled: its objectives are a promise nobody measured", Assert.Single(r.Flags));
        Assert.Equal(6, r.Tier);
    }

    [Fact]
    public void Only_a_planned_drill_is_flagged_as_not_proving_a_site_loss()
    {
        var r = Assert.Single(DrReport.Build(Config(Group(Replication.Sync, StandbySite.Running, FailoverMode.Automatic)), [Drill("planned", 5000)]));
        Assert.StartsWith("no unplanned drill", Assert.Single(r.Flags), StringComparison.Ordinal);
        Assert.Equal(6, r.Tier);
    }

    [Fact]
    public void The_latest_drill_of_each_scenario_counts_and_each_missed_objective_is_flagged()
    {
        var figures = new[]
        {
            Drill("unplanned", 90000, day: 1),          // old and slow: superseded
            Drill("unplanned", 70000, rows: 3, rpoMs: 120, overlap: 40, day: 2),
            Drill("planned", 5000, day: 2),
        };
        var r = Assert.Single(DrReport.Build(Config(Group(Replication.Sync, StandbySite.Running, FailoverMode.Automatic)), figures));
        Assert.Equal(70000, r.LastUnplanned!.SiteRtoMs);
        Assert.Equal(
            [
                "unplanned drill of 2026-12-02 12:00: site RTO 70000 ms is more than the objective 60000 ms",
                "unplanned drill of 2026-12-02 12:00: lost 3 row(s), 120 ms of writes; the objective is 0 ms",
                "unplanned drill of 2026-12-02 12:00: both sites ran the active for 40 ms",
            ],
            r.Flags);
        // Commits were lost: whatever the configuration says, the copy behaved like an asynchronous one.
        Assert.Equal(4, r.Tier);
    }

    [Fact]
    public void Figures_naming_an_unknown_group_are_listed_not_dropped()
    {
        var config = Config(Group(Replication.Async, StandbySite.Running, FailoverMode.Manual, rpo: 1000));
        var other = Drill("unplanned", 1000) with { Group = "old-db" };
        Assert.Equal(["old-db"], DrReport.Unmatched(config, [other]));
    }
}
