using Watchdog.Platform.Processes;

namespace Watchdog.Bench.Network;

/// <summary>Runs short host tools (ip, bridge) and fails loudly, naming the command and its stderr.</summary>
/// <remarks>
/// A synchronous facade over the shared <see cref="ProcessRunner"/>: the tool runs by name (no
/// shell) in its own process group, with stdin closed and both pipes drained; on the time limit
/// the whole group is killed.
/// </remarks>
public static class HostCommand
{
    private static readonly IProcessRunner Runner = new ProcessRunner(TimeProvider.System);
    private static readonly IReadOnlyDictionary<string, string> NoEnvironment = new Dictionary<string, string>();

    /// <summary>Runs the tool, waits for it, and returns its standard output.</summary>
    /// <exception cref="BenchSetupException">The tool could not start or exited non-zero.</exception>
    public static string Run(string tool, params string[] arguments) => RunCore(tool, arguments, DefaultTimeout).StdOut;

    /// <summary>Like <see cref="Run(string, string[])"/> with its own time limit, for tools run many times a second.</summary>
    public static string Run(TimeSpan timeout, string tool, params string[] arguments) => RunCore(tool, arguments, timeout).StdOut;

    /// <summary>
    /// No host tool here takes this long; one that does is stuck. A tool run inside a simulated
    /// server's namespace is stopped with the server when the server is held in reset (the
    /// simulator stops every process in the namespace), and waiting for it hung the demo for good.
    /// </summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Runs the tool and returns stdout followed by stderr (for tools that print to stderr, like keepalived --version).</summary>
    public static string RunWithStdErr(string tool, params string[] arguments)
    {
        (string stdout, string stderr) = RunCore(tool, arguments, DefaultTimeout);
        return stdout + stderr;
    }

    private static (string StdOut, string StdErr) RunCore(string tool, string[] arguments, TimeSpan timeout)
    {
        string commandLine = tool + " " + string.Join(' ', arguments);
        var request = new ProcessRequest(tool, arguments, NoEnvironment, timeout, TimeSpan.Zero, int.MaxValue)
        {
            // Callers parse the output as the tool printed it (tests compare "hello\n").
            KeepOutputVerbatim = true,
        };

        // The runner is async; the bench's setup code is synchronous and runs on threads without
        // a synchronization context, and the runner awaits with ConfigureAwait(false), so blocking
        // here cannot deadlock. It holds one thread for the length of a short tool run, which
        // setup code did before as well (Process.WaitForExit).
        ProcessOutcome outcome = Runner.RunAsync(request, CancellationToken.None).GetAwaiter().GetResult();
        if (outcome.StartError.Length > 0)
        {
            throw new BenchSetupException($"could not start '{commandLine}': {outcome.StartError} (is {tool} installed?)");
        }

        if (outcome.TimedOut)
        {
            // No grace: the group gets SIGKILL at once, which ends a stopped process too.
            throw new BenchSetupException($"'{commandLine}' did not finish within {timeout.TotalSeconds:0.#} s and was killed (stopped with a simulated server held in reset?)");
        }

        if (outcome.ExitCode != 0)
        {
            throw new BenchSetupException($"'{commandLine}' exited with {outcome.ExitCode}: {outcome.Stderr.Trim()}");
        }

        return (outcome.Stdout, outcome.Stderr);
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
