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
        Assert.Contains("line 2.extra: unknown field (known here: group, scenario, site_rto_ms, rpo_rows, rpo_ms, overlap_ms, tier, date, commit)", errors);
        Assert.Contains("line 2.scenario: 'sometimes' is not planned or unplanned", errors);
        Assert.Contains("line 2.date: 'yesterday' is not a date like 2026-12-02T14:00:00Z", errors);
        Assert.Contains("line 2.tier: 9 is not a tier (0-7)", errors);
        Assert.Contains(errors, e => e.StartsWith("line 3: not a JSON object", StringComparison.Ordinal));
        Assert.Contains("line 4.site_rto_ms: is missing", errors);
        Assert.Contains("line 4.commit: is missing", errors);
    }
}
