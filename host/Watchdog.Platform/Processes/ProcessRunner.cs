using System.ComponentModel;
using System.Diagnostics;
using Watchdog.Platform.Posix;

namespace Watchdog.Platform.Processes;

/// <summary>
/// Runs real processes for hooks and for ip/arping. Each program runs through
/// <c>setsid --wait</c> so it leads its own process group: on timeout or cancellation the
/// whole group gets SIGTERM, and after the grace period SIGKILL. stdin is closed at once (a
/// hook that reads stdin sees end of file instead of hanging), stdout and stderr are drained
/// to the end and kept up to the request's limit.
/// </summary>
public sealed class ProcessRunner : IProcessRunner
{
    /// <summary>How long to wait for the output pipes after the process ended: a child that left the group may hold them open.</summary>
    private static readonly TimeSpan PipeDrainLimit = TimeSpan.FromSeconds(1);

    /// <summary>How long to wait for exit after SIGKILL before giving up (a process in uninterruptible sleep).</summary>
    private static readonly TimeSpan ReapLimit = TimeSpan.FromSeconds(5);

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
            process.StandardInput.Close();
            var stdout = new BoundedCapture(request.OutputLimitBytes);
            var stderr = new BoundedCapture(request.OutputLimitBytes);
            Task drained = Task.WhenAll(
                stdout.DrainAsync(process.StandardOutput.BaseStream),
                stderr.DrainAsync(process.StandardError.BaseStream));
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
                await drained.WaitAsync(PipeDrainLimit, _time, CancellationToken.None).ConfigureAwait(false);
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
                Stdout = stdout.Text(),
                Stderr = stderr.Text(),
                Took = _time.GetElapsedTime(started),
            };
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
