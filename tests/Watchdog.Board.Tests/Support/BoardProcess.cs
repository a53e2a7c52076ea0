using System.Collections.Concurrent;
using System.Diagnostics;
using Watchdog.Sim.Posix;

namespace Watchdog.Board.Tests.Support;

/// <summary>
/// A real Watchdog.Board process (dotnet Watchdog.Board.dll ...), as an operator or systemd runs
/// it; stdout and stderr are collected so a failing test shows what the board said.
/// </summary>
internal sealed class BoardProcess : IDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();

    private BoardProcess(Process process)
    {
        _process = process;
    }

    public static BoardProcess Start(params string[] args) => Start(new Dictionary<string, string>(), args);

    public static BoardProcess Start(IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        string dll = System.IO.Path.Combine(AppContext.BaseDirectory, "Watchdog.Board.dll");
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        info.ArgumentList.Add(dll);
        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }

        foreach (string a in args)
        {
            info.ArgumentList.Add(a);
        }

        var process = new Process { StartInfo = info };
        var board = new BoardProcess(process);
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { board._lines.Enqueue(e.Data); } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { board._lines.Enqueue("stderr: " + e.Data); } };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return board;
    }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public string Output => string.Join("\n", _lines);

    public async Task WaitForLineAsync(string fragment, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (_lines.Any(l => l.Contains(fragment, StringComparison.Ordinal)))
            {
                return;
            }

            if (_process.HasExited)
            {
                break;
            }

            await Task.Delay(20);
        }

        throw new TimeoutException($"the board did not print '{fragment}' within {timeout}; it said:\n{Output}");
    }

    /// <summary>Waits for the exit and for the last line of its output (the timed wait alone does not drain the pipes).</summary>
    public bool WaitForExit(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout))
        {
            return false;
        }

        _process.WaitForExit();
        return true;
    }

    /// <summary>SIGKILL: the board vanishes mid-tick, as in a crash or power loss.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            PosixSignals.Send(_process.Id, PosixSignals.SigKill);
        }

        if (_process.HasExited || _process.WaitForExit(TimeSpan.FromSeconds(10)))
        {
            _process.WaitForExit();
        }
    }

    /// <summary>SIGTERM: a clean stop (what systemctl stop sends).</summary>
    public void Terminate()
    {
        if (!_process.HasExited)
        {
            PosixSignals.Send(_process.Id, PosixSignals.SigTerm);
        }
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }
}
