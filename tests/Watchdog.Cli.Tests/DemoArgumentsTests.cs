namespace Watchdog.Cli.Tests;

/// <summary>Demo options that cannot go together are refused in one line before any rack is built.</summary>
public sealed class DemoArgumentsTests
{
    [Theory]
    [InlineData("--boards", "2", "--fault", "board-crash")]
    [InlineData("--no-namespaces")]
    public async Task A_timeline_is_refused_where_there_is_no_virtual_ip_to_probe(params string[] rest)
    {
        var (exit, stdout, stderr) = await CliProcess.RunAsync(TimeSpan.FromSeconds(60), ["demo", "--timeline", "/nonexistent/t.svg", .. rest]);

        Assert.Equal(2, exit);
        Assert.Contains("--timeline draws the single-board demo in network namespaces", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("virtual rack", stdout, StringComparison.Ordinal);
    }
}
