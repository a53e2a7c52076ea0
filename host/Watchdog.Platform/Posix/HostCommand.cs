using System.Diagnostics;

namespace Watchdog.Platform.Posix;

/// <summary>The result of a finished command.</summary>
public readonly record struct CommandResult(int ExitCode, string StandardOutput, string StandardError)
{
    public bool Succeeded => ExitCode == 0;
}

/// <summary>
/// Runs the operator's own tools (ip, kill, setsid) the way an operator would, so that a fault the
/// rack injects is the same one an operator would meet on a real machine.
/// </summary>
public static class HostCommand
{
    /// <summary>Runs a command to completion and returns its exit code and output.</summary>
    public static CommandResult Run(string fileName, IEnumerable<string> arguments, TimeSpan? timeout = null) =>
        Run(fileName, arguments, standardInput: null, timeout);

    /// <summary>Runs a command with <paramref name="standardInput"/> written to its stdin (e.g. <c>ip -batch -</c>).</summary>
    public static CommandResult Run(string fileName, IEnumerable<string> arguments, string? standardInput, TimeSpan? timeout = null)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = standardInput is not null,
            UseShellExecute = false,
        };
        foreach (string argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using Process process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {fileName}");
        if (standardInput is not null)
        {
            process.StandardInput.Write(standardInput);
            process.StandardInput.Close();
        }

        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout ?? TimeSpan.FromSeconds(30)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"'{Describe(fileName, info.ArgumentList)}' did not finish within {(timeout ?? TimeSpan.FromSeconds(30)).TotalSeconds} s");
        }

        process.WaitForExit();
        return new CommandResult(process.ExitCode, stdout.Result, stderr.Result);
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
