using System.Diagnostics;

namespace Watchdog.Bench.Network;

/// <summary>Runs short host tools (ip, bridge) and fails loudly, naming the command and its stderr.</summary>
public static class HostCommand
{
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
            Task<string> stdoutTask = process.StandardOutput.ReadToEndAsync();
            if (!process.WaitForExit(timeout))
            {
                process.Kill(entireProcessTree: true); // SIGKILL ends a stopped process too
                process.WaitForExit();
                throw new BenchSetupException($"'{commandLine}' did not finish within {timeout.TotalSeconds:0.#} s and was killed (stopped with a simulated server held in reset?)");
            }

            process.WaitForExit(); // drains the output pipes
            string stdout = stdoutTask.Result;
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
