using System.Diagnostics;

namespace Watchdog.Failover.Tests.Support;

/// <summary>Runs a shell command for test set-up and checks (not the code under test).</summary>
internal static class Sh
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr);

    public static Result Run(string command, int timeoutMs = 15_000)
    {
        var psi = new ProcessStartInfo("/bin/sh") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(command);
        using Process p = Process.Start(psi)!;
        Task<string> stdout = p.StandardOutput.ReadToEndAsync();
        Task<string> stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeoutMs))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"set-up command did not finish in {timeoutMs} ms: {command}");
        }

        return new Result(p.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>Runs and fails the test with the command's output when it does not exit 0.</summary>
    public static string Must(string command)
    {
        Result r = Run(command);
        if (r.ExitCode != 0)
        {
            throw new InvalidOperationException($"set-up command failed (exit {r.ExitCode}): {command}\n{r.Stdout}{r.Stderr}");
        }

        return r.Stdout;
    }
}
