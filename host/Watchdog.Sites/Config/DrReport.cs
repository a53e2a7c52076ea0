namespace Watchdog.Sites.Config;

/// <summary>One DR group in the report: what it is, what it promises, what its drills showed, and what is wrong.</summary>
public sealed record DrGroupReport(
    DrGroup Group,
    SiteKind Kind,
    int ConfiguredTier,
    int Tier,
    DrillFigure? LastUnplanned,
    DrillFigure? LastPlanned,
    IReadOnlyList<string> Flags);

/// <summary>
/// Sets each DR group's configuration beside its latest drills and raises a flag for every
/// objective a drill missed, every safety failure it showed, and every group never drilled.
/// A flag is what makes <c>watchdogctl dr report</c> exit non-zero.
/// </summary>
public static class DrReport
{
    public static IReadOnlyList<DrGroupReport> Build(DrConfig config, IReadOnlyList<DrillFigure> figures)
    {
        return config.DrGroups.Select(g => ForGroup(g, figures.Where(f => f.Group == g.Name).ToList())).ToList();
    }

    /// <summary>Figures naming no DR group of the configuration (a renamed or removed group): the report lists them rather than drop them unseen.</summary>
    public static IReadOnlyList<string> Unmatched(DrConfig config, IReadOnlyList<DrillFigure> figures) =>
        figures.Select(f => f.Group).Distinct().Where(name => !config.DrGroups.Any(g => g.Name == name)).ToList();

    private static DrGroupReport ForGroup(DrGroup g, List<DrillFigure> figures)
    {
        var kind = DrClassification.Kind(g);
        int configured = DrClassification.ConfiguredTier(g);
        var unplanned = Latest(figures, DrillFigure.Unplanned);
        var planned = Latest(figures, DrillFigure.Planned);
        var flags = new List<string>();
        if (unplanned is null && planned is null)
        {
            flags.Add("never drilled: its objectives are a promise nobody measured");
        }
        else if (unplanned is null)
        {
            flags.Add("no unplanned drill: only a planned switch was measured, not the loss of a site");
        }

        foreach (var f in new[] { unplanned, planned }.OfType<DrillFigure>())
        {
            if (f.SiteRtoMs > g.Objectives.RtoMs)
            {
                flags.Add($"{f.Scenario} drill of {Day(f)}: site RTO {f.SiteRtoMs} ms is more than the objective {g.Objectives.RtoMs} ms");
            }

            if (!f.RpoMeasured)
            {
                // Unmeasured is not "nothing lost": the objective stays a promise, and tier 7
                // (below) needs no flag, so it cannot be earned on such a drill.
                flags.Add($"{f.Scenario} drill of {Day(f)}: RPO not measured ({f.RpoNotMeasured}); the objective of {g.Objectives.RpoMs} ms is unproven");
            }
            else if (f.RpoMs > g.Objectives.RpoMs || (g.Objectives.RpoMs == 0 && f.RpoRows > 0))
            {
                flags.Add($"{f.Scenario} drill of {Day(f)}: lost {f.RpoRows} row(s), {f.RpoMs} ms of writes; the objective is {g.Objectives.RpoMs} ms");
            }

            if (f.OverlapMs > 0)
            {
                flags.Add($"{f.Scenario} drill of {Day(f)}: both sites ran the active for {f.OverlapMs} ms");
            }
        }

        int tier = configured;
        if (configured >= 5 && new[] { unplanned, planned }.OfType<DrillFigure>().Any(f => f.RpoRows > 0))
        {
            // Tiers 5 and 6 promise no lost commit; a drill that lost some shows the copy behaves
            // like an asynchronous one, whatever the configuration says.
            tier = 4;
        }
        else if (configured == 6 && unplanned is not null && flags.Count == 0)
        {
            // Tier 7 is earned: a mirror whose last loss of a site was survived within the
            // objectives, with nothing lost and never two actives.
            tier = 7;
        }

        return new DrGroupReport(g, kind, configured, tier, unplanned, planned, flags);
    }

    private static DrillFigure? Latest(List<DrillFigure> figures, string scenario) =>
        figures.Where(f => f.Scenario == scenario).OrderBy(f => f.Date).LastOrDefault();

    private static string Day(DrillFigure f) => f.Date.UtcDateTime.ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture);
}
