using PlatformHostCommand = Watchdog.Platform.Posix.HostCommand;
using Watchdog.Platform.Posix;

namespace Watchdog.Bench.Network;

/// <summary>Runs short host tools (ip, bridge) and fails loudly, naming the command and its stderr.</summary>
/// <remarks>
/// Only the bench's way of failing (a <see cref="BenchSetupException"/> with its messages, and
/// output as a string) on top of <see cref="PlatformHostCommand"/>, which runs the tool through
/// the shared process runner: by name (no shell), in its own process group, stdin closed, both
/// pipes drained, and the whole group killed at the time limit.
/// </remarks>
public static class HostCommand
{
    /// <summary>Runs the tool, waits for it, and returns its standard output.</summary>
    /// <exception cref="BenchSetupException">The tool could not start or exited non-zero.</exception>
    public static string Run(string tool, params string[] arguments) => RunCore(tool, arguments, DefaultTimeout).StandardOutput;

    /// <summary>Like <see cref="Run(string, string[])"/> with its own time limit, for tools run many times a second.</summary>
    public static string Run(TimeSpan timeout, string tool, params string[] arguments) => RunCore(tool, arguments, timeout).StandardOutput;

    /// <summary>
    /// No host tool here takes this long; one that does is stuck. A tool run inside a simulated
    /// server's namespace is stopped with the server when the server is held in reset (the
    /// simulator stops every process in the namespace), and waiting for it hung the demo for good.
    /// </summary>
    public static readonly TimeSpan DefaultTimeout = PlatformHostCommand.DefaultTimeout;

    /// <summary>Runs the tool and returns stdout followed by stderr (for tools that print to stderr, like keepalived --version).</summary>
    public static string RunWithStdErr(string tool, params string[] arguments)
    {
        CommandResult result = RunCore(tool, arguments, DefaultTimeout);
        return result.StandardOutput + result.StandardError;
    }

    private static CommandResult RunCore(string tool, string[] arguments, TimeSpan timeout)
    {
        string commandLine = tool + " " + string.Join(' ', arguments);
        CommandResult result;
        try
        {
            result = PlatformHostCommand.Run(tool, arguments, timeout);
        }
        catch (CommandStartException e)
        {
            throw new BenchSetupException($"could not start '{commandLine}': {e.Reason} (is {tool} installed?)", e);
        }
        catch (TimeoutException e)
        {
            // No grace: the group gets SIGKILL at once, which ends a stopped process too.
            throw new BenchSetupException($"'{commandLine}' did not finish within {timeout.TotalSeconds:0.#} s and was killed (stopped with a simulated server held in reset?)", e);
        }

        if (!result.Succeeded)
        {
            throw new BenchSetupException($"'{commandLine}' exited with {result.ExitCode}: {result.StandardError.Trim()}");
        }

        return result;
    }

    /// <summary>Like <see cref="Run"/> but returns false instead of throwing when the tool fails.</summary>
    public static bool TryRun(string tool, params string[] arguments)
    {
        try
        {
            Run(tool, arguments);
            return true;
        }
        catch (BenchSetupException)
        {
            return false;
        }
    }
}

/// <summary>The bench could not build or drive its environment (namespaces, processes, tools).</summary>
public sealed class BenchSetupException : Exception
{
    public BenchSetupException()
    {
    }

    public BenchSetupException(string message)
        : base(message)
    {
    }

    public BenchSetupException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
