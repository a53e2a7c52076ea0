using Watchdog.Sites.Config;

namespace Watchdog.Sites.Tests.Config;

/// <summary>The drill figures file: one JSON object per line, written and read back, bad lines named.</summary>
public sealed class DrillFigureTests
{
    [Fact]
    public void A_figure_round_trips_through_its_json_line()
    {
        var figure = new DrillFigure("db", "unplanned", 15230, 0, 0, 0, 6, new DateTimeOffset(2026, 12, 2, 14, 0, 0, TimeSpan.Zero), "f84a626");
        string line = figure.ToJsonLine();
        Assert.Equal("""{"group":"db","scenario":"unplanned","site_rto_ms":15230,"rpo_rows":0,"rpo_ms":0,"overlap_ms":0,"tier":6,"date":"2026-12-02T14:00:00Z","commit":"f84a626"}""", line);
        var (figures, errors) = DrillFigure.ReadLines([line, "", figure.ToJsonLine()]);
        Assert.Empty(errors);
        Assert.Equal([figure, figure], figures);
    }

    [Fact]
    public void Every_bad_line_is_named_by_its_number_and_field()
    {
        string good = new DrillFigure("db", "planned", 1, 0, 0, 0, 3, DateTimeOffset.UnixEpoch, "x").ToJsonLine();
        var (figures, errors) = DrillFigure.ReadLines(
        [
            good,
            """{"group":"db","scenario":"sometimes","site_rto_ms":1,"rpo_rows":0,"rpo_ms":0,"overlap_ms":0,"tier":9,"date":"yesterday","commit":"x","extra":1}""",
            "not json",
            """{"group":"db"}""",
        ]);
        Assert.Single(figures);
        Assert.Contains("line 2.extra: unknown field (known here: group, scenario, site_rto_ms, rpo_rows, rpo_ms, rpo_measured, rpo_reason, overlap_ms, tier, configured_tier, epoch_before, epoch_after, date, commit, planned)", errors);
        Assert.Contains("line 2.scenario: 'sometimes' is not planned or unplanned", errors);
        Assert.Contains("line 2.date: 'yesterday' is not a date like 2026-12-02T14:00:00Z", errors);
        Assert.Contains("line 2.tier: 9 is not a tier (0-7)", errors);
        Assert.Contains(errors, e => e.StartsWith("line 3: not a JSON object", StringComparison.Ordinal));
        Assert.Contains("line 4.site_rto_ms: is missing", errors);
        Assert.Contains("line 4.commit: is missing", errors);
    }

    private static readonly DateTimeOffset When = new(2026, 12, 3, 5, 0, 0, TimeSpan.Zero);

    private static DrillFigure Unmeasured(string scenario, long rto) =>
        new("web", scenario, rto, null, null, 0, 6, When, "abc1234") { RpoNotMeasured = "no database", ConfiguredTier = 6, EpochBefore = 2, EpochAfter = 1001 };

    [Fact]
    public void A_drill_line_with_an_unmeasured_rpo_and_its_planned_switch_round_trips_as_two_figures()
    {
        DrillFigure planned = Unmeasured("planned", 7000);
        DrillFigure drill = Unmeasured("unplanned", 19000) with { EpochBefore = 1001, EpochAfter = 2001, PlannedSwitch = planned };
        string line = drill.ToJsonLine();
        Assert.StartsWith("""{"group":"web","scenario":"unplanned","site_rto_ms":19000,"rpo_rows":null,"rpo_ms":null,"rpo_measured":false,"rpo_reason":"no database","overlap_ms":0,"tier":6,"configured_tier":6,"epoch_before":1001,"epoch_after":2001,"date":"2026-12-03T05:00:00Z","commit":"abc1234","planned":{"group":"web","scenario":"planned",""", line, StringComparison.Ordinal);

        var (figures, errors) = DrillFigure.ReadLines([line]);
        Assert.Empty(errors);
        Assert.Equal([planned, drill], figures);
        Assert.All(figures, f => Assert.False(f.RpoMeasured));
        Assert.All(figures, f => Assert.Null(f.RpoRows));
    }

    [Fact]
    public void An_unmeasured_rpo_is_never_read_as_a_number_and_needs_a_reason()
    {
        const string head = """{"group":"web","scenario":"unplanned","site_rto_ms":19000,""";
        const string tail = ""","overlap_ms":0,"tier":6,"date":"2026-12-03T05:00:00Z","commit":"x"}""";
        var (figures, errors) = DrillFigure.ReadLines(
        [
            head + "\"rpo_rows\":0,\"rpo_ms\":null,\"rpo_measured\":false,\"rpo_reason\":\"none\"" + tail,
            head + "\"rpo_rows\":null,\"rpo_ms\":null,\"rpo_measured\":false" + tail,
            head + "\"rpo_rows\":null,\"rpo_ms\":null" + tail,
            head + "\"rpo_rows\":0,\"rpo_ms\":0,\"rpo_measured\":true,\"rpo_reason\":\"why\"" + tail,
            head + "\"rpo_rows\":null,\"rpo_ms\":null,\"rpo_measured\":\"no\",\"rpo_reason\":\"x\"" + tail,
        ]);
        Assert.Empty(figures);
        Assert.Contains("line 1.rpo_rows: is 0, but rpo_measured is false: it must be null when nothing was measured", errors);
        Assert.Contains("line 2.rpo_reason: is missing: rpo_measured is false, so the line must say why the RPO was not measured", errors);
        Assert.Contains("line 3.rpo_rows: is null: a line whose RPO was not measured says \"rpo_measured\": false and why, in rpo_reason", errors);
        Assert.DoesNotContain("line 3.rpo_rows: is missing", errors);
        Assert.Contains("line 4.rpo_reason: is given, but rpo_measured is not false: a measured RPO needs no reason", errors);
        Assert.Contains("line 5.rpo_measured: must be true or false, not the string \"no\"", errors);
    }

    [Fact]
    public void A_nested_planned_figure_must_be_a_planned_one_of_the_same_group_under_an_unplanned_one()
    {
        DrillFigure planned = Unmeasured("planned", 7000);
        string wrongScenario = (Unmeasured("unplanned", 19000) with { PlannedSwitch = planned with { Scenario = "unplanned" } }).ToJsonLine();
        string wrongGroup = (Unmeasured("unplanned", 19000) with { PlannedSwitch = planned with { Group = "db" } }).ToJsonLine();
        string underPlanned = (planned with { PlannedSwitch = planned }).ToJsonLine();
        string badInner = Unmeasured("unplanned", 19000).ToJsonLine().Replace("}", ""","planned":{"group":"web"}}""", StringComparison.Ordinal);
        var (figures, errors) = DrillFigure.ReadLines([wrongScenario, wrongGroup, underPlanned, badInner]);
        Assert.Empty(figures);
        Assert.Contains("line 1.planned.scenario: 'unplanned' under planned: must be planned", errors);
        Assert.Contains("line 2.planned.group: 'db' is not the line's group 'web'", errors);
        Assert.Contains("line 3.planned: only an unplanned figure carries the planned switch of its drill", errors);
        Assert.Contains("line 4.planned.site_rto_ms: is missing", errors);
    }

    [Fact]
    public void A_drill_whose_rpo_was_not_measured_is_flagged_and_earns_no_tier_7()
    {
        var config = DrConfigLoader.Parse(DrConfigSamples.Valid).Config!;
        string group = config.DrGroups[0].Name;
        DrillFigure drill = Unmeasured("unplanned", 19000) with { Group = group };
        DrGroupReport r = DrReport.Build(config, [drill])[0];
        Assert.Equal((6, 6), (r.ConfiguredTier, r.Tier));
        Assert.Contains(r.Flags, f => f.Contains("RPO not measured (no database); the objective of 0 ms is unproven", StringComparison.Ordinal));

        DrGroupReport measured = DrReport.Build(config, [drill with { RpoRows = 0, RpoMs = 0, RpoNotMeasured = null }])[0];
        Assert.Equal(7, measured.Tier);
    }
}
