using System.Text.Json.Nodes;
using JsonNode = System.Text.Json.Nodes.JsonNode;
using System.Text.RegularExpressions;
using Watchdog.Cli.Tests.Dr;

namespace Watchdog.Cli.Tests.Docs;

/// <summary>docs/spof.md shows the example's topology, the command and what it prints: all must be what the files and the program are.</summary>
public sealed partial class SpofDocTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private static string ExampleDir => Path.Combine(DrFiles.Root(), "examples", "spof");

    [GeneratedRegex("```(\\w*)\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex Fences();

    private static List<(string Lang, string Body)> Blocks() =>
        Fences().Matches(File.ReadAllText(Path.Combine(DrFiles.Root(), "docs", "spof.md"))).Select(m => (m.Groups[1].Value, m.Groups[2].Value)).ToList();

    /// <summary>The example's file names, as the doc's command gives them.</summary>
    private static string[] ExampleArgs() =>
        Blocks().Select(b => b.Body.Trim()).First(b => b.StartsWith("watchdogctl spof board.json", StringComparison.Ordinal))
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)[2..];

    [Fact]
    public void The_topology_shown_is_the_shipped_example()
    {
        string shown = Blocks().First(b => b.Lang == "json" && b.Body.Contains("\"topology\"", StringComparison.Ordinal)).Body;
        Assert.Equal(File.ReadAllText(Path.Combine(ExampleDir, "topology.json")).TrimEnd(), shown.TrimEnd());
    }

    [Fact]
    public async Task Running_the_example_prints_what_the_doc_shows_and_exits_1()
    {
        string[] files = ExampleArgs().Select(a => Path.Combine(ExampleDir, a)).ToArray();
        var (exit, stdout, stderr) = await CliProcess.RunAsync(Timeout, ["spof", .. files]);
        Assert.True(exit == 1, stdout + stderr);

        string printed = stdout.Replace(ExampleDir + Path.DirectorySeparatorChar, "", StringComparison.Ordinal).TrimEnd();
        string shown = Blocks().First(b => b.Lang == "text" && b.Body.StartsWith("read ", StringComparison.Ordinal)).Body.TrimEnd();
        Assert.Equal(shown, printed);
    }

    [Fact]
    public async Task The_json_shown_is_the_examples_first_finding()
    {
        string[] files = ExampleArgs().Select(a => Path.Combine(ExampleDir, a)).ToArray();
        var (_, stdout, _) = await CliProcess.RunAsync(Timeout, ["spof", "--json", .. files]);
        var printed = JsonNode.Parse(stdout.Replace(ExampleDir + Path.DirectorySeparatorChar, "", StringComparison.Ordinal))!.AsObject();
        var first = printed["findings"]![0]!.DeepClone();
        printed["findings"] = new JsonArray(first);

        var shown = JsonNode.Parse(Blocks().First(b => b.Lang == "json" && b.Body.Contains("\"by_layer\"", StringComparison.Ordinal)).Body)!;
        Assert.True(JsonNode.DeepEquals(shown, printed), $"doc:\n{shown}\nprinted:\n{printed}");
    }
}
