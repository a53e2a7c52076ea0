using System.Globalization;
using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using Watchdog.Bench.Results;

namespace Watchdog.Bench.Tests.Results;

/// <summary>The report carries its date and commit (docs/results/README.md); the commit is the build's, from assembly metadata.</summary>
public class ReportStampTests
{
    private static readonly DateTimeOffset Started = new(2026, 12, 1, 9, 30, 5, TimeSpan.FromHours(1));

    private static BenchReport Report()
    {
        List<BenchResult> runs = [new("soak", "watchdog", 0, null, null, null, null, 0, null, 0, null, null, 600_000)];
        return BenchReport.Stamped(Started, new MachineInfo(2, "6.1", "Linux", ".NET 10", null), "bench --soak 00:10:00", runs, ScenarioSummary.Summarize(runs));
    }

    [Fact]
    public void Json_report_starts_with_its_utc_date_and_the_build_commit()
    {
        using JsonDocument doc = JsonDocument.Parse(BenchJson.Write(Report()));
        List<JsonProperty> top = doc.RootElement.EnumerateObject().ToList();

        Assert.Equal(["date", "commit"], top.Take(2).Select(p => p.Name));
        Assert.Equal("2026-12-01T08:30:05Z", top[0].Value.GetString());
        Assert.Equal(Started, DateTimeOffset.Parse(top[0].Value.GetString()!, CultureInfo.InvariantCulture));
        Assert.Equal(SourceStamp.Commit, top[1].Value.GetString());
        Assert.DoesNotContain(top, p => p.Name == "header");

        BenchReport back = BenchJson.Read(doc.RootElement.GetRawText());
        Assert.Equal("2026-12-01T08:30:05Z", back.Date);
        Assert.Equal(SourceStamp.Commit, back.Commit);
    }

    [Fact]
    public void Text_header_names_the_date_and_commit() =>
        Assert.Equal($"date 2026-12-01T08:30:05Z, commit {SourceStamp.Commit}", Report().Header);

    [Fact]
    public void Commit_is_the_source_commit_metadata_the_build_embedded()
    {
        Assembly bench = typeof(BenchReport).Assembly;
        string? embedded = bench.GetCustomAttributes<AssemblyMetadataAttribute>().SingleOrDefault(a => a.Key == "SourceCommit")?.Value;

        Assert.NotNull(embedded); // build/SourceStamp.targets ran, whatever git said
        Assert.Equal(embedded, SourceStamp.Commit);
        Assert.Equal(embedded, SourceStamp.CommitOf(bench));
        Assert.Matches(new Regex("^([0-9a-f]{40,64}(-dirty)?|unknown)$"), SourceStamp.Commit);
    }

    [Fact]
    public void An_assembly_without_the_metadata_has_an_unknown_commit() =>
        Assert.Equal("unknown", SourceStamp.CommitOf(typeof(object).Assembly));

    [Theory]
    [InlineData("a978c35e0c1d2b3a4f5e6d7c8b9a0f1e2d3c4b5a", "soak-2026-12-01-a978c35.json")]
    [InlineData("a978c35e0c1d2b3a4f5e6d7c8b9a0f1e2d3c4b5a-dirty", "soak-2026-12-01-a978c35-dirty.json")]
    [InlineData("unknown", "soak-2026-12-01-unknown.json")]
    public void File_name_follows_the_results_convention(string commit, string expected) =>
        Assert.Equal(expected, SourceStamp.FileName("soak", Started, commit, "json"));
}
