using System.ComponentModel;
using System.Diagnostics;
using Watchdog.Platform.Posix;

namespace Watchdog.Platform.Processes;

/// <summary>
/// Runs real processes for hooks, for ip/arping and for the bench's host tools. Each program runs through
/// <c>setsid --wait</c> so it leads its own process group: on timeout or cancellation the
/// whole group gets SIGTERM, and after the grace period SIGKILL (which also ends a process
/// that is stopped, where SIGTERM stays pending). stdin gets the request's input and is then
/// closed, or is closed at once when there is none (a hook that reads stdin sees end of file
/// instead of hanging); stdout and stderr are drained to the end, while stdin is written, and
/// kept up to the request's limit.
/// </summary>
public sealed class ProcessRunner : IProcessRunner
{
    /// <summary>How long to wait for the output pipes after the process ended: a child that left the group may hold them open.</summary>
    private static readonly TimeSpan PipeDrainLimit = TimeSpan.FromSeconds(1);

    /// <summary>How long to wait for exit after SIGKILL before giving up (a process in uninterruptible sleep).</summary>
    private static readonly TimeSpan ReapLimit = TimeSpan.FromSeconds(5);

    /// <summary>UTF-8 without a byte order mark: a BOM would be the first bytes the program reads.</summary>
    private static readonly System.Text.Encoding StdinEncoding = new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: false);

    private readonly TimeProvider _time;
    private readonly string _setsid;

    /// <param name="time">The clock for timeouts and durations.</param>
    /// <param name="setsid">util-linux setsid (Debian: package util-linux, always installed).</param>
    public ProcessRunner(TimeProvider time, string setsid = "setsid")
    {
        _time = time;
        _setsid = setsid;
    }

    public async Task<ProcessOutcome> RunAsync(ProcessRequest request, CancellationToken ct)
    {
        long started = _time.GetTimestamp();

        // setsid starts fine even when the program does not exist, and then fails its exec with
        // exit 127, which looks like a program that ran and failed. Look the program up the way
        // exec will, so a missing one is reported as one that could not start.
        string? missing = WhyNotExecutable(request);
        if (missing is not null)
        {
            return new ProcessOutcome { StartError = missing, Took = _time.GetElapsedTime(started) };
        }

        var psi = new ProcessStartInfo(_setsid)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };

        // --wait: should setsid have to fork (only when it already leads a group, which a child
        // of ours never does), it still waits and passes the exit status on.
        psi.ArgumentList.Add("--wait");
        psi.ArgumentList.Add(request.FileName);
        foreach (string arg in request.Arguments)
        {
            psi.ArgumentList.Add(arg);
        }

        foreach (KeyValuePair<string, string> pair in request.Environment)
        {
            psi.Environment[pair.Key] = pair.Value;
        }

        Process process;
        try
        {
            process = Process.Start(psi) ?? throw new InvalidOperationException("Process.Start returned no process");
        }
        catch (Exception ex) when (ex is Win32Exception or InvalidOperationException)
        {
            return new ProcessOutcome { StartError = $"{_setsid} {request.FileName}: {ex.Message}", Took = _time.GetElapsedTime(started) };
        }

        using (process)
        {
            int groupId = process.Id;
            var stdout = new BoundedCapture(request.OutputLimitBytes);
            var stderr = new BoundedCapture(request.OutputLimitBytes);
            Task drained = Task.WhenAll(
                stdout.DrainAsync(process.StandardOutput.BaseStream),
                stderr.DrainAsync(process.StandardError.BaseStream));

            // Written while the output is drained: a program that answers as it reads would
            // otherwise fill its stdout pipe and stop reading, and both sides would wait forever.
            Task fed = FeedAsync(process.StandardInput.BaseStream, request.StandardInput);
            Task exited = process.WaitForExitAsync(CancellationToken.None);

            bool timedOut = false, cancelled = false, killed = false;
            using (var limit = CancellationTokenSource.CreateLinkedTokenSource(ct))
            {
                Task deadline = Task.Delay(request.Timeout, _time, limit.Token);
                if (await Task.WhenAny(exited, deadline).ConfigureAwait(false) != exited)
                {
                    cancelled = ct.IsCancellationRequested;
                    timedOut = !cancelled;
                    killed = await TerminateAsync(process, groupId, exited, request.KillGrace).ConfigureAwait(false);
                }

                await limit.CancelAsync().ConfigureAwait(false);
            }

            if (!exited.IsCompleted)
            {
                return new ProcessOutcome
                {
                    TimedOut = timedOut,
                    Cancelled = cancelled,
                    Killed = killed,
                    StartError = "",
                    Stderr = $"pid {groupId} did not exit within {ReapLimit.TotalSeconds:0} s of SIGKILL (uninterruptible sleep?)",
                    Took = _time.GetElapsedTime(started),
                };
            }

            try
            {
                await Task.WhenAll(drained, fed).WaitAsync(PipeDrainLimit, _time, CancellationToken.None).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // A child that left the process group still holds the pipe; keep what we have.
            }

            return new ProcessOutcome
            {
                ExitCode = process.ExitCode,
                TimedOut = timedOut,
                Cancelled = cancelled,
                Killed = killed,
                Stdout = stdout.Text(request.KeepOutputVerbatim),
                Stderr = stderr.Text(request.KeepOutputVerbatim),
                Took = _time.GetElapsedTime(started),
            };
        }
    }

    /// <summary>
    /// Writes <paramref name="input"/> (if any) and closes stdin. A program that exits, or is
    /// killed, without reading all of it breaks the pipe: that is the program's business, not
    /// an error here (the runtime ignores SIGPIPE, so the write just fails).
    /// </summary>
    private static async Task FeedAsync(Stream stdin, string? input)
    {
        try
        {
            if (input is not null)
            {
                await stdin.WriteAsync(StdinEncoding.GetBytes(input)).ConfigureAwait(false);
            }
        }
        catch (IOException)
        {
            // Broken pipe: the program stopped reading.
        }
        catch (ObjectDisposedException)
        {
            // The process was disposed while a write to a child that never read was pending.
        }
        finally
        {
            try
            {
                await stdin.DisposeAsync().ConfigureAwait(false);
            }
            catch (IOException)
            {
                // Closing a broken pipe flushes nothing and may still report it.
            }
        }
    }

    /// <summary>
    /// Null when exec will find <see cref="ProcessRequest.FileName"/> (a path, or a name on the
    /// PATH the child will see) as an executable file; otherwise why not.
    /// </summary>
    private static string? WhyNotExecutable(ProcessRequest request)
    {
        string file = request.FileName;
        if (file.Length == 0)
        {
            return "no program given";
        }

        if (file.Contains('/', StringComparison.Ordinal))
        {
            return IsExecutableFile(file) ? null : $"{file}: no such executable file";
        }

        string path = request.Environment.TryGetValue("PATH", out string? own) ? own : System.Environment.GetEnvironmentVariable("PATH") ?? "";
        foreach (string dir in path.Split(':'))
        {
            // An empty PATH entry means the working directory, as for execvp.
            if (IsExecutableFile(Path.Combine(dir.Length == 0 ? "." : dir, file)))
            {
                return null;
            }
        }

        return $"{file}: not found on PATH ({path})";
    }

    /// <summary>A file (not a directory) with an execute bit: exec fails on anything else, even for root.</summary>
    private static bool IsExecutableFile(string path)
    {
        try
        {
            const UnixFileMode anyExecute = UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
            return File.Exists(path) && (OperatingSystem.IsWindows() || (File.GetUnixFileMode(path) & anyExecute) != 0);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>SIGTERM to the group, then after the grace SIGKILL; returns true when SIGKILL was needed.</summary>
    private async Task<bool> TerminateAsync(Process process, int groupId, Task exited, TimeSpan grace)
    {
        SignalGroup(process, groupId, PosixSignals.SigTerm);
        if (grace > TimeSpan.Zero && await Task.WhenAny(exited, Task.Delay(grace, _time)).ConfigureAwait(false) == exited)
        {
            return false;
        }

        if (exited.IsCompleted)
        {
            return false;
        }

        SignalGroup(process, groupId, PosixSignals.SigKill);
        try
        {
            await exited.WaitAsync(ReapLimit, _time, CancellationToken.None).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // Reported by the caller.
        }

        return true;
    }

    private static void SignalGroup(Process process, int groupId, int signal)
    {
        bool reached;
        try
        {
            reached = PosixSignals.SendGroup(groupId, signal);
        }
        catch (InvalidOperationException)
        {
            reached = false;
        }

        if (!reached && signal == PosixSignals.SigKill)
        {
            // No such group (setsid had to fork, or had not yet run): fall back to the tree walk.
            try
            {
                process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // Already gone.
            }
        }
        else if (!reached)
        {
            try
            {
                TermLeaderOnly(process);
            }
            catch (InvalidOperationException)
            {
                // Already gone.
            }
        }
    }

    /// <summary>Without a group, SIGTERM reaches at least the direct child.</summary>
    private static void TermLeaderOnly(Process process)
    {
        if (!process.HasExited)
        {
            _ = PosixSignals.Send(process.Id, PosixSignals.SigTerm);
        }
    }
}
