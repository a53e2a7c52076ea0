using System.Text.Json;
using System.Text.RegularExpressions;

namespace Watchdog.Cli.Tests.Docs;

/// <summary>
/// docs/safety-rules.md is the one home of the safety rules, and it names what keeps and guards
/// each: those names must exist, or the page drifts from the code as things move. The raw bench
/// results are named and stamped by date and commit (docs/results/README.md).
/// </summary>
public partial class SafetyRulesDocTests
{
    private static readonly string Root = FindRoot(new DirectoryInfo(AppContext.BaseDirectory));

    [Fact]
    public void Every_type_test_and_scenario_the_rules_name_exists()
    {
        var doc = File.ReadAllText(Path.Combine(Root, "docs", "safety-rules.md"));
        var items = CitingItem().Matches(doc).Select(m => (Kind: m.Groups[1].Value, Text: m.Groups[2].Value)).ToList();
        Assert.True(items.Count >= 20, $"expected a Kept by and a Guarded by line per rule, found {items.Count}");

        var declarations = DeclaringFiles();
        var missing = new List<string>();
        foreach (var (kind, text) in items)
        {
            foreach (var name in Quoted().Matches(text).Select(m => m.Groups[1].Value))
            {
                if (TypeOrMember().IsMatch(name))
                {
                    var parts = name.Split('.');
                    if (!declarations.TryGetValue(parts[0], out var files)
                        || (parts.Length == 2 && !files.Any(f => Regex.IsMatch(File.ReadAllText(f), $@"\b{parts[1]}\b"))))
                    {
                        missing.Add(name);
                    }
                }
                else if (kind == "Guarded" && ScenarioName().IsMatch(name) && !Scenarios(name).Any())
                {
                    missing.Add("scenario " + name);
                }
            }
        }

        Assert.True(missing.Count == 0, "docs/safety-rules.md names what the repository does not have: " + string.Join(", ", missing));
    }

    [Fact]
    public void No_file_cites_a_design_document_outside_the_repository()
    {
        var cited = "DESIGN" + ".md";
        var citing = SourceFiles(Root, [".cs", ".md", ".txt", ".sh", ".csproj", ".props", ".targets", ".json", ".yml", ".dot"])
            .Where(f => File.ReadAllText(f).Contains(cited, StringComparison.Ordinal))
            .Select(f => Path.GetRelativePath(Root, f));
        Assert.Empty(citing);
    }

    [Fact]
    public void Raw_results_are_named_and_stamped_by_date_and_commit_and_listed()
    {
        var results = Path.Combine(Root, "docs", "results");
        var index = File.ReadAllText(Path.Combine(results, "README.md"));
        var files = Directory.GetFiles(results).Where(f => Path.GetFileName(f) != "README.md").ToList();
        Assert.NotEmpty(files);
        foreach (var file in files)
        {
            var name = Path.GetFileName(file);
            var m = ResultName().Match(name);
            Assert.True(m.Success, $"{name}: not <what>-<YYYY-MM-DD>-<commit>.<ext>");
            string date = m.Groups[1].Value, commit = m.Groups[2].Value;
            if (name.EndsWith(".json", StringComparison.Ordinal))
            {
                using var json = JsonDocument.Parse(File.ReadAllText(file));
                // Hand-stamped files hold the bare day and short commit; the bench writes the UTC
                // time (2026-12-01T09:30:00Z) and the full hash, which must agree with the name.
                var stampedDate = json.RootElement.GetProperty("date").GetString() ?? string.Empty;
                var stampedCommit = json.RootElement.GetProperty("commit").GetString() ?? string.Empty;
                Assert.True(stampedDate == date || stampedDate.StartsWith(date + "T", StringComparison.Ordinal), $"{name}: date {stampedDate} is not {date}");
                Assert.True(stampedCommit.StartsWith(commit, StringComparison.Ordinal) && !stampedCommit.EndsWith("-dirty", StringComparison.Ordinal), $"{name}: commit {stampedCommit} is not {commit}");
            }
            else
            {
                var header = File.ReadLines(file).First();
                Assert.True(header.Contains(date, StringComparison.Ordinal) && header.Contains(commit, StringComparison.Ordinal), $"{name}: the first line names neither its date nor its commit");
            }

            Assert.Contains($"({name})", index, StringComparison.Ordinal);
        }

        Assert.DoesNotContain(Directory.GetFiles(Path.Combine(Root, "docs"), "*", SearchOption.AllDirectories), f => Path.GetFileName(f).Contains("session", StringComparison.OrdinalIgnoreCase));
    }

    private static Dictionary<string, List<string>> DeclaringFiles()
    {
        var byType = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var file in SourceFiles(Root, [".cs"]))
        {
            foreach (var type in Declaration().Matches(File.ReadAllText(file)).Select(m => m.Groups[1].Value).Distinct())
            {
                if (!byType.TryGetValue(type, out var files))
                {
                    byType[type] = files = [];
                }

                files.Add(file);
            }
        }

        return byType;
    }

    private static IEnumerable<string> Scenarios(string name) =>
        Directory.EnumerateFiles(Path.Combine(Root, "tests"), name + ".txt", SearchOption.AllDirectories)
            .Where(f => Path.GetFileName(Path.GetDirectoryName(f)) == "Scenarios");

    private static IEnumerable<string> SourceFiles(string dir, string[] extensions)
    {
        foreach (var file in Directory.EnumerateFiles(dir).Where(f => extensions.Contains(Path.GetExtension(f))))
        {
            yield return file;
        }

        foreach (var sub in Directory.EnumerateDirectories(dir).Where(d => Path.GetFileName(d) is not ("bin" or "obj") && !Path.GetFileName(d).StartsWith('.')))
        {
            foreach (var file in SourceFiles(sub, extensions))
            {
                yield return file;
            }
        }
    }

    private static string FindRoot(DirectoryInfo dir) =>
        File.Exists(Path.Combine(dir.FullName, "Watchdog.sln")) ? dir.FullName : FindRoot(dir.Parent ?? throw new DirectoryNotFoundException("Watchdog.sln not found above " + AppContext.BaseDirectory));

    /// <summary>A "- Kept by:" or "- Guarded by:" item with its continuation lines.</summary>
    [GeneratedRegex(@"^\s*- (Kept|Guarded) by:((?:.|\n(?!\s*(?:- |\d+\. |\n)))*)", RegexOptions.Multiline)]
    private static partial Regex CitingItem();

    [GeneratedRegex("`([^`]+)`")]
    private static partial Regex Quoted();

    [GeneratedRegex(@"^[A-Z][A-Za-z0-9]*(\.[A-Za-z_][A-Za-z0-9_]*)?$")]
    private static partial Regex TypeOrMember();

    [GeneratedRegex(@"^[a-z0-9]+(-[a-z0-9]+)*(-\*)?$")]
    private static partial Regex ScenarioName();

    [GeneratedRegex(@"\b(?:class|struct|interface|record|enum)\s+([A-Za-z_][A-Za-z0-9_]*)")]
    private static partial Regex Declaration();

    [GeneratedRegex(@"^[a-z0-9-]+-(\d{4}-\d{2}-\d{2})-([0-9a-f]{7,40})\.[a-z]+$")]
    private static partial Regex ResultName();
}
