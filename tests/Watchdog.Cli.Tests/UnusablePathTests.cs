namespace Watchdog.Cli.Tests;

/// <summary>A temp folder or lock the demo cannot use safely is one error line naming it, not a stack trace.</summary>
public sealed class UnusablePathTests
{
    [Fact]
    public async Task A_temp_folder_the_demo_cannot_use_is_one_clear_line()
    {
        var missing = Path.Combine(Path.GetTempPath(), $"wd-cli-missing-{Guid.NewGuid():N}");

        var result = await CliProcess.RunAsync(TimeSpan.FromSeconds(60), new Dictionary<string, string> { ["TMPDIR"] = missing }, "demo", "--no-namespaces");

        Assert.Equal(2, result.ExitCode);
        var line = Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"watchdogctl: cannot create a private directory in {missing}/ (", line, StringComparison.Ordinal);
        Assert.EndsWith("; set TMPDIR to a directory you can write to", line, StringComparison.Ordinal);
        Assert.False(Directory.Exists(missing));
    }
}
