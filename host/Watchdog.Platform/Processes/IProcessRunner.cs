namespace Watchdog.Platform.Processes;

/// <summary>
/// Runs one external program to completion. The seam between the failover logic and the OS:
/// ProcessRunner runs real processes; tests can script outcomes. An implementation never throws
/// for a program that fails, times out or cannot start: the outcome says so.
/// </summary>
public interface IProcessRunner
{
    Task<ProcessOutcome> RunAsync(ProcessRequest request, CancellationToken ct);
}

/// <summary>What to run and within which limits.</summary>
/// <param name="FileName">The executable (absolute path, or a name looked up on PATH).</param>
/// <param name="Arguments">Passed as they are: no shell, no splitting.</param>
/// <param name="Environment">Added to (and overriding) the agent's own environment.</param>
/// <param name="Timeout">After this the process group gets SIGTERM.</param>
/// <param name="KillGrace">After SIGTERM, this long until SIGKILL for the whole process group.</param>
/// <param name="OutputLimitBytes">Bytes of stdout and of stderr kept (each); the rest is counted.</param>
public sealed record ProcessRequest(
    string FileName,
    IReadOnlyList<string> Arguments,
    IReadOnlyDictionary<string, string> Environment,
    TimeSpan Timeout,
    TimeSpan KillGrace,
    int OutputLimitBytes)
{
    /// <summary>
    /// Keep stdout and stderr exactly as printed, trailing line ends included (a caller that
    /// returns a tool's output as it is); by default trailing line ends are removed for logs.
    /// </summary>
    public bool KeepOutputVerbatim { get; init; }

    /// <summary>
    /// Written to the program's stdin (UTF-8) while its output is read, then stdin is closed
    /// (e.g. <c>ip -batch -</c>). Null: stdin is closed at once, so a program reading it sees end of file.
    /// </summary>
    public string? StandardInput { get; init; }

    /// <summary>The command line for logs (arguments quoted when they hold spaces).</summary>
    public string CommandLine
    {
        get
        {
            var parts = new List<string> { Quote(FileName) };
            foreach (string a in Arguments)
            {
                parts.Add(Quote(a));
            }

            return string.Join(' ', parts);
        }
    }

    private static string Quote(string s) =>
        s.Length == 0 || s.Any(c => char.IsWhiteSpace(c) || c == '\'' || c == '"') ? "'" + s.Replace("'", "'\\''") + "'" : s;
}

/// <summary>How a run ended.</summary>
public sealed record ProcessOutcome
{
    /// <summary>The exit code, or null when the program never started.</summary>
    public int? ExitCode { get; init; }

    /// <summary>True when the timeout expired (the process group was then terminated).</summary>
    public bool TimedOut { get; init; }

    /// <summary>True when the run was cancelled by the caller (the process group was then terminated).</summary>
    public bool Cancelled { get; init; }

    /// <summary>True when SIGTERM was not enough and the process group got SIGKILL.</summary>
    public bool Killed { get; init; }

    /// <summary>
    /// Why the program could not be started (not found, not executable, setsid missing), or ""
    /// when it did start. ExitCode is then null.
    /// </summary>
    public string StartError { get; init; } = "";

    /// <summary>Captured standard output, at most the request's limit, with a note when cut.</summary>
    public string Stdout { get; init; } = "";

    /// <summary>Captured standard error, at most the request's limit, with a note when cut.</summary>
    public string Stderr { get; init; } = "";

    /// <summary>From start to the end of the process (and of its output).</summary>
    public TimeSpan Took { get; init; }

    /// <summary>Started, finished on its own within the timeout, and exited 0.</summary>
    public bool Succeeded => ExitCode == 0 && !TimedOut && !Cancelled && StartError.Length == 0;

    /// <summary>One line for logs and reports: "exit 0", "exit 3", "timed out after 5000 ms, killed".</summary>
    public string Describe(TimeSpan timeout)
    {
        if (StartError.Length > 0)
        {
            return "could not start: " + StartError;
        }

        string end = Killed ? "killed with SIGKILL (ignored SIGTERM)" : "terminated with SIGTERM";
        if (TimedOut)
        {
            return $"timed out after {(long)timeout.TotalMilliseconds} ms, {end}";
        }

        if (Cancelled)
        {
            return "cancelled, " + end;
        }

        return ExitCode is int code && code > 128 && code < 160 ? $"exit {code} (signal {code - 128})" : $"exit {ExitCode}";
    }
}
