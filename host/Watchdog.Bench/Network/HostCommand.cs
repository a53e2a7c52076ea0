using System.Diagnostics;

namespace Watchdog.Bench.Network;

/// <summary>Runs short host tools (ip, bridge) and fails loudly, naming the command and its stderr.</summary>
public static class HostCommand
{
    /// <summary>Runs the tool, waits for it, and returns its standard output.</summary>
    /// <exception cref="BenchSetupException">The tool could not start or exited non-zero.</exception>
    public static string Run(string tool, params string[] arguments) => RunCore(tool, arguments).StdOut;

    /// <summary>Runs the tool and returns stdout followed by stderr (for tools that print to stderr, like keepalived --version).</summary>
    public static string RunWithStdErr(string tool, params string[] arguments)
    {
        (string stdout, string stderr) = RunCore(tool, arguments);
        return stdout + stderr;
    }

    private static (string StdOut, string StdErr) RunCore(string tool, string[] arguments)
    {
        var info = new ProcessStartInfo(tool)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        string commandLine = tool + " " + string.Join(' ', arguments);
        Process process;
        try
        {
            process = Process.Start(info) ?? throw new BenchSetupException($"could not start '{commandLine}'");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new BenchSetupException($"could not start '{commandLine}': {e.Message} (is {tool} installed?)", e);
        }

        using (process)
        {
            // Read both pipes concurrently so a chatty tool cannot block on a full stderr pipe.
            Task<string> stderr = process.StandardError.ReadToEndAsync();
            string stdout = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0)
            {
                throw new BenchSetupException($"'{commandLine}' exited with {process.ExitCode}: {stderr.Result.Trim()}");
            }

            return (stdout, stderr.Result);
        }
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
