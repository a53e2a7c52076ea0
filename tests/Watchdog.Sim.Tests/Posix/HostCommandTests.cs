using System.Diagnostics;
using Watchdog.Platform.Posix;

namespace Watchdog.Sim.Tests.Posix;

/// <summary>The rack's way of running ip, bridge and kill: output as printed, stdin for batches, a hard time limit.</summary>
public class HostCommandTests
{
    [Fact]
    public void Output_and_exit_code_come_back_as_printed()
    {
        CommandResult r = HostCommand.Run("sh", ["-c", "echo out; echo err >&2; exit 3"]);
        Assert.Equal(new CommandResult(3, "out\n", "err\n"), r);
        Assert.False(r.Succeeded);
    }

    [Fact]
    public void Standard_input_reaches_the_command_as_for_ip_batch()
    {
        CommandResult r = HostCommand.Run("cat", [], "link set lo up\naddress flush dev lo\n");
        Assert.True(r.Succeeded);
        Assert.Equal("link set lo up\naddress flush dev lo\n", r.StandardOutput);
    }

    [Fact]
    public void Without_input_stdin_is_at_end_of_file_rather_than_the_caller_s()
    {
        Assert.Equal("", HostCommand.Run("cat", [], TimeSpan.FromSeconds(5)).StandardOutput);
    }

    [Fact]
    public void A_stopped_command_is_killed_at_its_time_limit_and_named()
    {
        // As a tool run in a simulated server's namespace is stopped while the server is held in reset.
        var clock = Stopwatch.StartNew();
        var e = Assert.Throws<TimeoutException>(() => HostCommand.Run("sh", ["-c", "kill -STOP $$; echo never"], TimeSpan.FromMilliseconds(300)));
        Assert.Equal("'sh -c 'kill -STOP $$; echo never'' did not finish within 0.3 s", e.Message);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), "waited " + clock.Elapsed);
    }

    [Fact]
    public void A_command_that_cannot_start_is_an_InvalidOperationException_naming_it()
    {
        InvalidOperationException e = Assert.ThrowsAny<InvalidOperationException>(() => HostCommand.Run("watchdog-no-such-tool", ["x"]));
        Assert.StartsWith("could not start watchdog-no-such-tool: watchdog-no-such-tool: not found on PATH", e.Message, StringComparison.Ordinal);
        var start = Assert.IsType<CommandStartException>(e);
        Assert.Equal("watchdog-no-such-tool", start.FileName);
    }

    [Fact]
    public void RunChecked_quotes_the_command_and_its_stderr()
    {
        var e = Assert.Throws<InvalidOperationException>(() => HostCommand.RunChecked("sh", "-c", "echo broken >&2; exit 2"));
        Assert.Equal("'sh -c 'echo broken >&2; exit 2'' failed with exit code 2: broken", e.Message);
        Assert.Equal("ok\n", HostCommand.RunChecked("echo", "ok"));
    }
}
