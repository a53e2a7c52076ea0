using System.Diagnostics;
using System.Text;

namespace Watchdog.Agent.Checks;

/// <summary>What became of a child process.</summary>
public readonly record struct RunResult(int ExitCode, bool TimedOut, string Output, string StartError)
{
    public bool Started => StartError.Length == 0;
}

/// <summary>
/// Runs a program with a timeout and kills its whole process tree when the timeout passes
/// (a hung remediation script must not pile up one more copy every interval).
/// Output is capped so a chatty command cannot grow the agent.
/// </summary>
public static class ProcessRunner
{
    private const int MaxOutputChars = 4096;

    public static Task<RunResult> ShellAsync(string commandLine, int timeoutMs, CancellationToken ct) =>
        RunAsync("/bin/sh", new[] { "-c", commandLine }, timeoutMs, ct);

    public static async Task<RunResult> RunAsync(string file, IReadOnlyList<string> args, int timeoutMs, CancellationToken ct)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = false,
            UseShellExecute = false,
        };
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var process = new Process { StartInfo = psi };
        var output = new StringBuilder();
        void Collect(object? sender, DataReceivedEventArgs e)
        {
            if (e.Data == null)
            {
                return;
            }

            lock (output)
            {
                if (output.Length < MaxOutputChars)
                {
                    output.Append(e.Data).Append('\n');
                }
            }
        }

        process.OutputDataReceived += Collect;
        process.ErrorDataReceived += Collect;
        try
        {
            process.Start();
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            return new RunResult(-1, false, "", "cannot start " + file + ": " + ex.Message);
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(timeoutMs);
        try
        {
            await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            try
            {
                process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // It exited between the timeout and the kill.
            }

            ct.ThrowIfCancellationRequested();
            return new RunResult(-1, true, Text(output), "");
        }

        // WaitForExitAsync returns when the process exits; this drains the redirected streams.
        process.WaitForExit();
        return new RunResult(process.ExitCode, false, Text(output), "");
    }

    private static string Text(StringBuilder sb)
    {
        lock (sb)
        {
            return sb.ToString().Trim();
        }
    }
}
