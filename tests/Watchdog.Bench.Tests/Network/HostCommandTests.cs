using System.Diagnostics;
using Watchdog.Bench.Network;

namespace Watchdog.Bench.Tests.Network;

/// <summary>Host tools that never finish (stopped with a simulated server held in reset) must not hang the bench.</summary>
public class HostCommandTests
{
    [Fact]
    public void A_tool_that_finishes_returns_its_output()
    {
        Assert.Equal("hello\n", HostCommand.Run(TimeSpan.FromSeconds(10), "echo", "hello"));
    }

    [Fact]
    public void A_stopped_tool_is_killed_at_its_time_limit_with_an_error_naming_it()
    {
        // The shell stops itself, as `ip -n NS ...` is stopped by a simulated reset of NS.
        var clock = Stopwatch.StartNew();
        var e = Assert.Throws<BenchSetupException>(() => HostCommand.Run(TimeSpan.FromMilliseconds(300), "sh", "-c", "kill -STOP $$; echo never"));
        Assert.Contains("did not finish within 0.3 s", e.Message, StringComparison.Ordinal);
        Assert.Contains("sh -c kill -STOP", e.Message, StringComparison.Ordinal);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), "waited " + clock.Elapsed);
    }

    [Fact]
    public void A_failing_tool_names_its_exit_code_and_stderr()
    {
        var e = Assert.Throws<BenchSetupException>(() => HostCommand.Run("sh", "-c", "echo broken >&2; exit 3"));
        Assert.Contains("exited with 3: broken", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_tool_that_is_not_installed_says_so_and_TryRun_returns_false()
    {
        var e = Assert.Throws<BenchSetupException>(() => HostCommand.Run("watchdog-no-such-tool", "x"));
        Assert.StartsWith("could not start 'watchdog-no-such-tool x': ", e.Message, StringComparison.Ordinal);
        Assert.EndsWith("(is watchdog-no-such-tool installed?)", e.Message, StringComparison.Ordinal);
        Assert.False(HostCommand.TryRun("watchdog-no-such-tool"));
        Assert.False(HostCommand.TryRun("sh", "-c", "exit 1"));
        Assert.True(HostCommand.TryRun("sh", "-c", "exit 0"));
    }

    [Fact]
    public void RunWithStdErr_returns_stdout_then_stderr_as_printed()
    {
        Assert.Equal("out\nerr\n", HostCommand.RunWithStdErr("sh", "-c", "echo out; echo err >&2"));
    }
}
