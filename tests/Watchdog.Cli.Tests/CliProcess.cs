using System.Collections.Concurrent;
using System.Diagnostics;

namespace Watchdog.Cli.Tests;

/// <summary>Runs the real watchdogctl program, as an operator would.</summary>
internal static class CliProcess
{
    public static Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(TimeSpan timeout, params string[] args) =>
        RunAsync(timeout, new Dictionary<string, string>(), args);

    /// <summary>Runs watchdogctl with <paramref name="environment"/> added to its environment (a password, a temp folder).</summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(TimeSpan timeout, IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        using var running = Start(environment, args);
        var exit = await running.WaitForExitAsync(timeout);
        return (exit, running.Stdout, running.Stderr);
    }

    /// <summary>Starts watchdogctl and returns at once; its output lines can be waited for while it runs.</summary>
    public static Running Start(params string[] args) => Start(new Dictionary<string, string>(), args);

    private static Running Start(IReadOnlyDictionary<string, string> environment, string[] args)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "watchdogctl.dll");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        start.ArgumentList.Add(dll);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["NO_COLOR"] = "1";
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        return new Running(Process.Start(start)!, args);
    }

    /// <summary>A running watchdogctl: every line it prints, as it prints it.</summary>
    internal sealed class Running : IDisposable
    {
        private readonly Process _process;
        private readonly string[] _args;
        private readonly ConcurrentQueue<string> _stdout = new();
        private readonly ConcurrentQueue<string> _stderr = new();
        private readonly SemaphoreSlim _lineArrived = new(0);
        private readonly TaskCompletionSource _stdoutClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _stderrClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private bool _disposed;

        public Running(Process process, string[] args)
        {
            _process = process;
            _args = args;
            process.OutputDataReceived += (_, e) => OnLine(e.Data, _stdout, _stdoutClosed);
            process.ErrorDataReceived += (_, e) => OnLine(e.Data, _stderr, _stderrClosed);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            process.StandardInput.Close();
        }

        public string Stdout => string.Join('\n', _stdout);

        public string Stderr => string.Join('\n', _stderr);

        /// <summary>Waits until a line containing <paramref name="fragment"/> was printed (stdout or stderr); throws with the output when the bound passes or the program ended first.</summary>
        public async Task<string> WaitForLineAsync(string fragment, TimeSpan timeout)
        {
            using var cts = new CancellationTokenSource(timeout);
            while (true)
            {
                var line = _stdout.Concat(_stderr).FirstOrDefault(l => l.Contains(fragment, StringComparison.Ordinal));
                if (line is not null)
                {
                    return line;
                }

                if (_stdoutClosed.Task.IsCompleted && _stderrClosed.Task.IsCompleted)
                {
                    throw new InvalidOperationException($"watchdogctl ended without printing '{fragment}':\n{Stdout}\n{Stderr}");
                }

                try
                {
                    await _lineArrived.WaitAsync(cts.Token);
                }
                catch (OperationCanceledException)
                {
                    throw new TimeoutException($"watchdogctl did not print '{fragment}' within {timeout}:\n{Stdout}\n{Stderr}");
                }
            }
        }

        /// <summary>The exit code, after the last line of output; kills it and throws when the bound passes.</summary>
        public async Task<int> WaitForExitAsync(TimeSpan timeout)
        {
            using var cts = new CancellationTokenSource(timeout);
            try
            {
                await _process.WaitForExitAsync(cts.Token);
                await Task.WhenAll(_stdoutClosed.Task, _stderrClosed.Task).WaitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
                throw new TimeoutException($"watchdogctl {string.Join(' ', _args)} did not finish in {timeout}: {Stdout}{Stderr}");
            }

            return _process.ExitCode;
        }

        /// <summary>Kills the program (a test may do so mid-run, to see what its death leaves); once.</summary>
        public void Dispose()
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }

            _process.Dispose();
        }

        private void OnLine(string? line, ConcurrentQueue<string> lines, TaskCompletionSource closed)
        {
            if (line is null)
            {
                closed.TrySetResult();
            }
            else
            {
                lines.Enqueue(line);
            }

            // Wakes every waiter; each one checks its own fragment again.
            _lineArrived.Release();
        }
    }
}
