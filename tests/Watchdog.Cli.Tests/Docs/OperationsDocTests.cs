using System.Text;
using JsonNode = System.Text.Json.Nodes.JsonNode;
using System.Text.RegularExpressions;
using Watchdog.Cli.Commands;
using Watchdog.Firmware.Core.Config;

namespace Watchdog.Cli.Tests.Docs;

/// <summary>The example configuration in docs/operations.md must be one the board accepts.</summary>
public partial class OperationsDocTests
{
    [Fact]
    public void The_board_configuration_example_is_valid()
    {
        var doc = File.ReadAllText(Path.Combine(RepoRoot(), "docs", "operations.md"));
        var blocks = JsonBlock().Matches(doc).Select(m => m.Groups[1].Value).ToList();
        var board = blocks.First(b => b.Contains("\"groups\"", StringComparison.Ordinal));
        Assert.True(BoardConfigReader.TryRead(Encoding.UTF8.GetBytes(board), out var config, out var error), error);
        Assert.Equal(2, config!.Channels.Length);
    }

    [Fact]
    public void The_settle_wait_is_documented_as_watchdogctl_does_it()
    {
        var doc = File.ReadAllText(Path.Combine(RepoRoot(), "docs", "operations.md"));
        Assert.Contains(BoardSettleWait.Progress("rack1", TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(34)), doc, StringComparison.Ordinal);
        Assert.Contains($"the time left plus {BoardSettleWait.Margin.TotalSeconds:0} s", doc, StringComparison.Ordinal);
        Assert.Contains("`--settle-timeout <s>`", doc, StringComparison.Ordinal);
        Assert.Contains($"exits with code {ControlCommands.ExitNotSettled}", doc, StringComparison.Ordinal);
        Assert.Contains(Watchdog.Protocol.Messages.CommandRefusals.Settling, doc, StringComparison.Ordinal);
    }

    [Fact]
    public void The_broker_config_synopsis_is_the_verbs_own()
    {
        var doc = File.ReadAllText(Path.Combine(RepoRoot(), "docs", "operations.md"));
        Assert.Contains(BrokerCommand.Usage, doc, StringComparison.Ordinal);
        var config = BrokerCommand.Create().Subcommands.Single(c => c.Name == "config");
        var inSynopsis = OptionName().Matches(BrokerCommand.Usage).Select(m => m.Value).Order(StringComparer.Ordinal);
        var onCommand = config.Options.Select(o => o.Name).Order(StringComparer.Ordinal);
        Assert.Equal(onCommand, inSynopsis.Distinct());
        foreach (var user in new[] { BrokerPlan.BoardUserPrefix, BrokerPlan.AgentUserPrefix, BrokerPlan.OperatorUserPrefix })
        {
            Assert.Contains($"`{user}<", doc, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void The_two_board_examples_make_a_valid_pair_with_one_preferred_board()
    {
        var doc = File.ReadAllText(Path.Combine(RepoRoot(), "docs", "operations.md"));
        var blocks = JsonBlock().Matches(doc).Select(m => m.Groups[1].Value).ToList();
        var board = JsonNode.Parse(blocks.First(b => b.Contains("\"groups\"", StringComparison.Ordinal)))!;
        var pairs = blocks.Where(b => b.Contains("\"pair\"", StringComparison.Ordinal) && !b.Contains("\"groups\"", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, pairs.Count);
        var configs = pairs.Select(text =>
        {
            // Each example is section 3's file with its own board name and pair section.
            var merged = board.DeepClone().AsObject();
            foreach (var (key, value) in JsonNode.Parse(text)!.AsObject())
            {
                merged[key] = value?.DeepClone();
            }

            Assert.True(BoardConfigReader.TryRead(Encoding.UTF8.GetBytes(merged.ToJsonString()), out var config, out var error), error);
            return config!;
        }).ToList();
        Assert.Single(configs, c => c.Pair!.Preferred);
        Assert.Equal(configs[1].Board, configs[0].Pair!.Peer);
        Assert.Equal(configs[0].Board, configs[1].Pair!.Peer);
    }

    [Fact]
    public void Every_pair_event_is_in_the_alert_tables()
    {
        var doc = File.ReadAllText(Path.Combine(RepoRoot(), "docs", "operations.md"));
        int alerts = doc.IndexOf("## 5. ", StringComparison.Ordinal);
        int settling = doc.IndexOf("## 6. ", StringComparison.Ordinal);
        int pair = doc.IndexOf("## 8. Two boards", StringComparison.Ordinal);
        Assert.True(alerts >= 0 && settling > alerts && pair > settling, "operations.md has no sections 5, 6 and 8 in that order");
        var source = string.Concat(Directory.GetFiles(Path.Combine(RepoRoot(), "firmware", "Watchdog.Firmware.Core", "Pair"), "*.cs").Select(File.ReadAllText));
        var kinds = PairEvent().Matches(source).Select(m => m.Groups[1].Value).Distinct().ToList();
        Assert.True(kinds.Count >= 10, $"only {kinds.Count} pair events found in BoardPair: the pattern lost them");
        foreach (var kind in kinds)
        {
            Assert.Contains($"`{kind}`", EventRows(doc[alerts..settling]), StringComparison.Ordinal);
            Assert.Contains($"`{kind}`", EventRows(doc[pair..]), StringComparison.Ordinal);
        }
    }

    // The first cell of every table row that names an event (one or several kinds, each in backquotes).
    private static string EventRows(string section) =>
        string.Join("\n", section.Split('\n').Where(l => l.StartsWith("| `", StringComparison.Ordinal)).Select(l => l.Split(" | ")[0]));

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Watchdog.sln")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException("Watchdog.sln not found above " + AppContext.BaseDirectory);
    }

    [GeneratedRegex("```json\\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex JsonBlock();

    [GeneratedRegex("--[a-z-]+[a-z]")]
    private static partial Regex OptionName();

    [GeneratedRegex("\"(pair-[a-z-]+)\"")]
    private static partial Regex PairEvent();
}
