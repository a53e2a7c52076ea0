using System.Text;
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
}
