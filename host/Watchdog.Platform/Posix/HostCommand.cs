using Watchdog.Platform.Processes;

namespace Watchdog.Platform.Posix;

/// <summary>The result of a finished command.</summary>
public readonly record struct CommandResult(int ExitCode, string StandardOutput, string StandardError)
{
    public bool Succeeded => ExitCode == 0;
}

/// <summary>A command could not be started at all (not installed, not executable).</summary>
public sealed class CommandStartException : InvalidOperationException
{
    public CommandStartException()
    {
    }

    public CommandStartException(string message)
        : base(message)
    {
    }

    public CommandStartException(string message, Exception inner)
        : base(message, inner)
    {
    }

    public CommandStartException(string fileName, string reason)
        : base($"could not start {fileName}: {reason}")
    {
        FileName = fileName;
        Reason = reason;
    }

    /// <summary>The program that could not start.</summary>
    public string FileName { get; } = "";

    /// <summary>Why not, as the process runner reported it.</summary>
    public string Reason { get; } = "";
}

/// <summary>
/// Runs the operator's own tools (ip, kill, setsid) the way an operator would, so that a fault the
/// rack injects is the same one an operator would meet on a real machine.
/// </summary>
/// <remarks>
/// A synchronous facade over the shared <see cref="ProcessRunner"/>: the program runs by name
/// (no shell) in its own process group, both pipes drained to the end and returned as printed;
/// on the time limit the whole group gets SIGKILL at once, which also ends a process that is
/// stopped (a tool run in a simulated server's namespace while the server is held in reset).
/// </remarks>
public static class HostCommand
{
    /// <summary>No host tool takes this long; one that does is stuck.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    private static readonly IProcessRunner Runner = new ProcessRunner(TimeProvider.System);
    private static readonly IReadOnlyDictionary<string, string> NoEnvironment = new Dictionary<string, string>();

    /// <summary>Runs a command to completion and returns its exit code and output.</summary>
    /// <exception cref="CommandStartException">The program could not start (an <see cref="InvalidOperationException"/>).</exception>
    /// <exception cref="TimeoutException">It did not finish within <paramref name="timeout"/> (default 30 s) and was killed.</exception>
    public static CommandResult Run(string fileName, IEnumerable<string> arguments, TimeSpan? timeout = null) =>
        Run(fileName, arguments, standardInput: null, timeout);

    /// <summary>Runs a command with <paramref name="standardInput"/> written to its stdin (e.g. <c>ip -batch -</c>).</summary>
    /// <exception cref="CommandStartException">The program could not start (an <see cref="InvalidOperationException"/>).</exception>
    /// <exception cref="TimeoutException">It did not finish within <paramref name="timeout"/> (default 30 s) and was killed.</exception>
    public static CommandResult Run(string fileName, IEnumerable<string> arguments, string? standardInput, TimeSpan? timeout = null)
    {
        string[] args = [.. arguments];
        TimeSpan limit = timeout ?? DefaultTimeout;

        // No output limit (callers parse `ip` output, which must not be cut) and output kept
        // exactly as printed; no grace, so a stopped process still dies at the time limit.
        var request = new ProcessRequest(fileName, args, NoEnvironment, limit, TimeSpan.Zero, int.MaxValue)
        {
            KeepOutputVerbatim = true,
            StandardInput = standardInput,
        };

        // The runner is async and awaits with ConfigureAwait(false), and the callers (the rack,
        // tests, setup code) block on threads without a synchronization context, so blocking here
        // cannot deadlock. It holds the calling thread for the run, as Process.WaitForExit did.
        ProcessOutcome outcome = Runner.RunAsync(request, CancellationToken.None).GetAwaiter().GetResult();
        if (outcome.StartError.Length > 0)
        {
            throw new CommandStartException(fileName, outcome.StartError);
        }

        if (outcome.TimedOut)
        {
            throw new TimeoutException($"'{Describe(fileName, args)}' did not finish within {limit.TotalSeconds} s");
        }

        // Only a run that timed out has no exit code (it did not even die of SIGKILL); be safe anyway.
        return new CommandResult(outcome.ExitCode ?? -1, outcome.Stdout, outcome.Stderr);
    }

    /// <summary>Runs a command and throws, quoting the command line and its stderr, when it fails.</summary>
    public static string RunChecked(string fileName, params string[] arguments)
    {
        CommandResult result = Run(fileName, arguments);
        if (!result.Succeeded)
        {
            throw new InvalidOperationException(
                $"'{Describe(fileName, arguments)}' failed with exit code {result.ExitCode}: {result.StandardError.Trim()}");
        }

        return result.StandardOutput;
    }

    /// <summary><c>ip ARGS</c>, throwing on failure.</summary>
    public static string Ip(params string[] arguments) => RunChecked("ip", arguments);

    public static string Describe(string fileName, IEnumerable<string> arguments) =>
        string.Join(' ', new[] { fileName }.Concat(arguments.Select(a => a.Contains(' ', StringComparison.Ordinal) ? "'" + a + "'" : a)));
}
