using System.Text;
using System.Text.RegularExpressions;
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
}
