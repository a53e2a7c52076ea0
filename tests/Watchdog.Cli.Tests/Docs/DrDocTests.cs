using System.Text.RegularExpressions;
using Watchdog.Cli.Commands.Dr;
using Watchdog.Cli.Tests.Dr;
using Watchdog.Sites.Config;

namespace Watchdog.Cli.Tests.Docs;

/// <summary>docs/dr.md shows a configuration, what `dr check` prints for it and a figures line: all three must be what the code does.</summary>
public sealed partial class DrDocTests
{
    private static string Doc() => File.ReadAllText(DrFiles.Doc);

    [GeneratedRegex("```(json)?\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex Fences();

    [Fact]
    public void The_configuration_shown_is_valid_and_check_prints_what_the_doc_shows()
    {
        var blocks = Fences().Matches(Doc()).Select(m => m.Groups[2].Value).ToList();
        var load = DrConfigLoader.Parse(blocks.First(b => b.TrimStart().StartsWith('{') && b.Contains("dr_groups", StringComparison.Ordinal)));
        Assert.True(load.Ok, string.Join("\n", load.Errors));

        string printed = DrCheckText.Render("dr.json", load.Config!);
        string shown = blocks.First(b => b.StartsWith("group db", StringComparison.Ordinal));
        Assert.Contains(shown.TrimEnd(), printed.ReplaceLineEndings("\n"), StringComparison.Ordinal);
    }

    [Fact]
    public void The_figures_line_shown_reads_back()
    {
        string line = Fences().Matches(Doc()).Select(m => m.Groups[2].Value.Trim()).First(b => b.StartsWith("{\"group\"", StringComparison.Ordinal));
        var (figures, errors) = DrillFigure.ReadLines([line]);
        Assert.Empty(errors);
        Assert.Equal(line, Assert.Single(figures).ToJsonLine());
    }

    [Fact]
    public void The_drill_line_shown_reads_back_as_its_two_figures()
    {
        // The real run shown under "The drill": the one line of the doc that nests a planned figure.
        string line = Doc().Split('\n').Single(l => l.StartsWith("{\"group\"", StringComparison.Ordinal) && l.Contains("\"planned\":{", StringComparison.Ordinal));
        var (figures, errors) = DrillFigure.ReadLines([line]);
        Assert.Empty(errors);
        Assert.Equal([DrillFigure.Planned, DrillFigure.Unplanned], figures.Select(f => f.Scenario));
        // The drill runs PostgreSQL across the sites: both switches measured their lost rows.
        Assert.All(figures, f => Assert.True(f.RpoMeasured && f.RpoRows == 0, $"{f.Scenario}: rpo_rows {f.RpoRows}, measured {f.RpoMeasured}"));
        Assert.Equal(line, figures[1].ToJsonLine());
    }
}
