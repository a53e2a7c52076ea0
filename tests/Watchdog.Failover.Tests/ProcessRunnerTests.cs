using Watchdog.Failover.Tests.Support;
using Watchdog.Platform.Processes;

namespace Watchdog.Failover.Tests;

/// <summary>The real process runner: exit codes, environment, bounded output, timeouts and group kill.</summary>
public sealed class ProcessRunnerTests : IDisposable
{
    private static readonly IReadOnlyDictionary<string, string> NoEnv = new Dictionary<string, string>();
    private readonly ScriptDir _dir = new();
    private readonly ProcessRunner _runner = new(TimeProvider.System);

    public void Dispose() => _dir.Dispose();

    private static ProcessRequest Request(string file, int timeoutMs = 5000, int graceMs = 500, int limit = 8192, IReadOnlyDictionary<string, string>? env = null, params string[] args) =>
        new(file, args, env ?? NoEnv, TimeSpan.FromMilliseconds(timeoutMs), TimeSpan.FromMilliseconds(graceMs), limit);

    [Fact]
    public async Task Exit_code_output_arguments_and_environment_come_back()
    {
        string script = _dir.Script("echo.sh", "echo \"out:$1:$2:$WATCHDOG_X\"; echo 'to stderr' >&2; exit 3");
        var env = new Dictionary<string, string> { ["WATCHDOG_X"] = "x value" };
        ProcessOutcome o = await _runner.RunAsync(Request(script, env: env, args: new[] { "a b", "c" }), CancellationToken.None);
        Assert.Equal(3, o.ExitCode);
        Assert.False(o.Succeeded);
        Assert.False(o.TimedOut);
        Assert.Equal("out:a b:c:x value", o.Stdout);
        Assert.Equal("to stderr", o.Stderr);
        Assert.Equal("exit 3", o.Describe(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task Stdin_is_closed_so_a_hook_reading_it_does_not_hang()
    {
        string script = _dir.Script("cat.sh", "cat; echo done");
        ProcessOutcome o = await _runner.RunAsync(Request(script, timeoutMs: 3000), CancellationToken.None);
        Assert.True(o.Succeeded, o.Describe(TimeSpan.FromSeconds(3)));
        Assert.Equal("done", o.Stdout);
    }

    [Fact]
    public async Task Standard_input_is_written_then_closed()
    {
        var request = Request("cat", timeoutMs: 3000) with { StandardInput = "line 1\nzwei – 2\n", KeepOutputVerbatim = true };
        ProcessOutcome o = await _runner.RunAsync(request, CancellationToken.None);
        Assert.True(o.Succeeded, o.Describe(TimeSpan.FromSeconds(3)) + o.StartError);
        Assert.Equal("line 1\nzwei – 2\n", o.Stdout);
    }

    [Fact]
    public async Task A_large_input_echoed_back_does_not_deadlock_because_output_is_read_meanwhile()
    {
        // 1 MiB in and out: far more than a pipe holds, so writing all of stdin before reading
        // stdout would leave cat blocked on a full stdout and us blocked on a full stdin.
        string input = new('y', 1 << 20);
        var request = Request("cat", timeoutMs: 10000, limit: int.MaxValue) with { StandardInput = input, KeepOutputVerbatim = true };
        ProcessOutcome o = await _runner.RunAsync(request, CancellationToken.None);
        Assert.False(o.TimedOut, "deadlocked until the timeout");
        Assert.True(o.Succeeded, o.Describe(TimeSpan.FromSeconds(10)));
        Assert.Equal(input.Length, o.Stdout.Length);
        Assert.Equal(input, o.Stdout);
    }

    [Fact]
    public async Task A_program_that_exits_without_reading_its_input_is_not_an_error()
    {
        // The write then meets a broken pipe; the outcome is the program's exit, nothing thrown.
        var request = Request("sh", timeoutMs: 5000, args: new[] { "-c", "exit 4" }) with { StandardInput = new string('z', 1 << 20) };
        ProcessOutcome o = await _runner.RunAsync(request, CancellationToken.None);
        Assert.Equal(4, o.ExitCode);
        Assert.False(o.TimedOut);
    }

    [Fact]
    public async Task Output_is_bounded_and_the_rest_is_counted()
    {
        // 100000 bytes: far more than the pipe buffer, so this also proves the pipe is drained.
        string script = _dir.Script("chatty.sh", "head -c 100000 /dev/zero | tr '\\0' 'x'; echo");
        ProcessOutcome o = await _runner.RunAsync(Request(script, limit: 256), CancellationToken.None);
        Assert.True(o.Succeeded);
        Assert.StartsWith(new string('x', 256) + " [... ", o.Stdout, StringComparison.Ordinal);
        Assert.EndsWith("99745 more bytes]", o.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_program_is_a_failure_not_an_exception()
    {
        ProcessOutcome o = await _runner.RunAsync(Request("/nonexistent/hook.sh"), CancellationToken.None);
        Assert.False(o.Succeeded);
        Assert.Null(o.ExitCode);
        Assert.Contains("/nonexistent/hook.sh", o.StartError, StringComparison.Ordinal);
        Assert.StartsWith("could not start: ", o.Describe(TimeSpan.FromSeconds(5)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_program_name_not_on_PATH_could_not_start_rather_than_exiting_127()
    {
        ProcessOutcome o = await _runner.RunAsync(Request("watchdog-no-such-tool", args: new[] { "x" }), CancellationToken.None);
        Assert.Null(o.ExitCode);
        Assert.Contains("watchdog-no-such-tool: not found on PATH", o.StartError, StringComparison.Ordinal);

        ProcessOutcome found = await _runner.RunAsync(Request("sh", args: new[] { "-c", "exit 0" }), CancellationToken.None);
        Assert.True(found.Succeeded, found.Describe(TimeSpan.FromSeconds(5)) + found.StartError);
    }

    [Fact]
    public async Task A_file_without_an_execute_bit_could_not_start()
    {
        string script = _dir.Script("plain.sh", "exit 0");
        if (OperatingSystem.IsWindows())
        {
            return; // Script() has already refused; this tells the analyzer.
        }

        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        ProcessOutcome o = await _runner.RunAsync(Request(script), CancellationToken.None);
        Assert.Null(o.ExitCode);
        Assert.Contains(script, o.StartError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verbatim_output_keeps_trailing_line_ends_and_a_large_limit_keeps_everything()
    {
        // int.MaxValue as the limit must not allocate it: the capture grows with the output.
        string script = _dir.Script("lines.sh", "head -c 100000 /dev/zero | tr '\\0' 'x'; echo; echo err >&2");
        var request = Request(script, limit: int.MaxValue) with { KeepOutputVerbatim = true };
        ProcessOutcome o = await _runner.RunAsync(request, CancellationToken.None);
        Assert.True(o.Succeeded);
        Assert.Equal(new string('x', 100000) + "\n", o.Stdout);
        Assert.Equal("err\n", o.Stderr);
    }

    [Fact]
    public async Task Timeout_kills_a_stopped_program_with_no_grace()
    {
        // A stopped process keeps SIGTERM pending; only SIGKILL ends it. The bench's tools are
        // stopped like this when a simulated server is held in reset.
        var request = Request("sh", timeoutMs: 300, graceMs: 0, args: new[] { "-c", "kill -STOP $$; echo never" });
        ProcessOutcome o = await _runner.RunAsync(request, CancellationToken.None);
        Assert.True(o.TimedOut);
        Assert.True(o.Killed);
        Assert.Equal(137, o.ExitCode);
        Assert.Equal("", o.Stdout);
        Assert.True(o.Took < TimeSpan.FromSeconds(4), $"took {o.Took}");
    }

    [Fact]
    public async Task Timeout_terminates_a_hook_that_exits_on_SIGTERM_without_SIGKILL()
    {
        string script = _dir.Script("sleepy.sh", "exec sleep 30");
        ProcessOutcome o = await _runner.RunAsync(Request(script, timeoutMs: 300, graceMs: 5000), CancellationToken.None);
        Assert.True(o.TimedOut);
        Assert.False(o.Killed);
        Assert.False(o.Succeeded);
        Assert.True(o.Took < TimeSpan.FromSeconds(4), $"took {o.Took}");
        Assert.Equal("timed out after 300 ms, terminated with SIGTERM", o.Describe(TimeSpan.FromMilliseconds(300)));
    }

    [Fact]
    public async Task Timeout_kills_the_whole_process_group_of_a_hook_that_ignores_SIGTERM()
    {
        // The script and its child both ignore SIGTERM (an ignored signal stays ignored across
        // fork and exec); the child's pid is written down so we can check it died too.
        string pidFile = Path.Combine(_dir.Path, "child.pid");
        string script = _dir.Script("stubborn.sh", "trap '' TERM\nsleep 60 &\necho $! > '" + pidFile + "'\necho $$ >> '" + pidFile + "'\nwait\nwait\nsleep 60");
        ProcessOutcome o = await _runner.RunAsync(Request(script, timeoutMs: 500, graceMs: 300), CancellationToken.None);
        Assert.True(o.TimedOut);
        Assert.True(o.Killed, "SIGKILL must have been needed");
        Assert.Contains("killed with SIGKILL", o.Describe(TimeSpan.FromMilliseconds(500)), StringComparison.Ordinal);
        Assert.True(o.Took < TimeSpan.FromSeconds(4), $"took {o.Took}");

        int[] pids = File.ReadAllLines(pidFile).Select(int.Parse).ToArray();
        Assert.Equal(2, pids.Length);
        foreach (int pid in pids)
        {
            Assert.True(await GoneAsync(pid), $"process {pid} of the hook's group is still alive");
        }
    }

    [Fact]
    public async Task Timeout_also_kills_an_orphaned_grandchild_that_a_process_tree_walk_would_miss()
    {
        // The subshell starts sleep and exits at once: sleep is re-parented to init, so it is no
        // longer a descendant of the hook, but it is still in the hook's process group.
        string pidFile = Path.Combine(_dir.Path, "orphan.pid");
        string script = _dir.Script("orphaner.sh", "( trap '' TERM; sleep 60 > /dev/null 2>&1 & echo $! > '" + pidFile + "' )\necho \"parent $$\"\ntrap '' TERM\nsleep 60");
        ProcessOutcome o = await _runner.RunAsync(Request(script, timeoutMs: 500, graceMs: 200), CancellationToken.None);
        Assert.True(o.TimedOut);
        Assert.StartsWith("parent ", o.Stdout, StringComparison.Ordinal);
        int orphan = int.Parse(File.ReadAllText(pidFile).Trim());
        Assert.True(await GoneAsync(orphan), $"orphaned grandchild {orphan} survived the group kill");
    }

    [Fact]
    public async Task Cancellation_terminates_the_hook()
    {
        string script = _dir.Script("long.sh", "exec sleep 30");
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        ProcessOutcome o = await _runner.RunAsync(Request(script, timeoutMs: 20_000), cts.Token);
        Assert.True(o.Cancelled);
        Assert.False(o.TimedOut);
        Assert.False(o.Succeeded);
        Assert.True(o.Took < TimeSpan.FromSeconds(4), $"took {o.Took}");
    }

    /// <summary>True once /proc says the process is gone or a zombie (PID 1 in a container may not reap).</summary>
    private static async Task<bool> GoneAsync(int pid)
    {
        for (int i = 0; i < 50; i++)
        {
            string stat = "/proc/" + pid + "/stat";
            if (!File.Exists(stat))
            {
                return true;
            }

            try
            {
                string text = File.ReadAllText(stat);
                char state = text[text.LastIndexOf(')') + 2];
                if (state == 'Z' || state == 'X')
                {
                    return true;
                }
            }
            catch (IOException)
            {
                return true;
            }

            await Task.Delay(50);
        }

        return false;
    }
}
