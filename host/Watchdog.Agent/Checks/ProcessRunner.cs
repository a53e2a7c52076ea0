using Watchdog.Platform.Processes;

namespace Watchdog.Agent.Checks;

/// <summary>What became of a child process.</summary>
public readonly record struct RunResult(int ExitCode, bool TimedOut, string Output, string StartError)
{
    public bool Started => StartError.Length == 0;
}

/// <summary>
/// The checks' and remediations' way to run a program: the shared process runner (its own process
/// group, killed whole when the timeout passes: a hung remediation script must not pile up one more
/// copy every interval). Output is capped so a chatty command cannot grow the agent.
/// </summary>
public static class ProcessRunner
{
    private const int MaxOutputBytes = 4096;
    private static readonly IProcessRunner Runner = new Platform.Processes.ProcessRunner(TimeProvider.System);
    private static readonly IReadOnlyDictionary<string, string> NoEnvironment = new Dictionary<string, string>();

    public static Task<RunResult> ShellAsync(string commandLine, int timeoutMs, CancellationToken ct) =>
        RunAsync("/bin/sh", new[] { "-c", commandLine }, timeoutMs, ct);

    /// <summary>Runs <paramref name="file"/>; on the timeout its group gets SIGTERM and at once SIGKILL. Throws when <paramref name="ct"/> fires.</summary>
    public static async Task<RunResult> RunAsync(string file, IReadOnlyList<string> args, int timeoutMs, CancellationToken ct)
    {
        var request = new ProcessRequest(file, args, NoEnvironment, TimeSpan.FromMilliseconds(timeoutMs), TimeSpan.Zero, MaxOutputBytes);
        ProcessOutcome outcome = await Runner.RunAsync(request, ct).ConfigureAwait(false);
        ct.ThrowIfCancellationRequested();
        if (outcome.StartError.Length > 0)
        {
            return new RunResult(-1, false, "", "cannot start " + file + ": " + outcome.StartError);
        }

        string output = (outcome.Stdout + "\n" + outcome.Stderr).Trim();
        return outcome.TimedOut ? new RunResult(-1, true, output, "") : new RunResult(outcome.ExitCode ?? -1, false, output, "");
    }
}
