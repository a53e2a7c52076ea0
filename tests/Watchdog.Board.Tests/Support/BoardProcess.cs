using System.Collections.Concurrent;
using System.Diagnostics;
using Watchdog.Platform.Posix;

namespace Watchdog.Board.Tests.Support;

/// <summary>
/// A real Watchdog.Board process (dotnet Watchdog.Board.dll ...), as an operator or systemd runs
/// it; stdout and stderr are collected so a failing test shows what the board said.
/// </summary>
internal sealed class BoardProcess : IDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();

    /// <summary>Completed (and replaced) on every line and at the end of the output: what the waits wait on.</summary>
    private TaskCompletionSource _printed = new(TaskCreationOptions.RunContinuationsAsynchronously);

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
        process.OutputDataReceived += (_, e) => board.OnLine(e.Data, "");
        process.ErrorDataReceived += (_, e) => board.OnLine(e.Data, "stderr: ");
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return board;
    }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public string Output => string.Join("\n", _lines);

    /// <summary>Waits until the board has printed <paramref name="times"/> lines containing <paramref name="fragment"/> (checked on every line); throws when it exits first or the bound passes.</summary>
    public async Task WaitForLineAsync(string fragment, TimeSpan timeout, int times = 1)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            // Taken before the scan, so a line printed during it wakes the wait below.
            var printed = Volatile.Read(ref _printed).Task;
            if (_lines.Count(l => l.Contains(fragment, StringComparison.Ordinal)) >= times)
            {
                return;
            }

            var left = deadline - DateTime.UtcNow;
            if (_process.HasExited || left <= TimeSpan.Zero || await Task.WhenAny(printed, Task.Delay(left)) != printed)
            {
                break;
            }
        }

        throw new TimeoutException($"the board did not print '{fragment}' within {timeout}; it said:\n{Output}");
    }

    private void OnLine(string? line, string prefix)
    {
        if (line is not null)
        {
            _lines.Enqueue(prefix + line);
        }

        // Also at the end of the output (null): a wait learns the board has exited.
        Interlocked.Exchange(ref _printed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
    }

    /// <summary>
    /// Returns once the board has taken in every message <paramref name="probe"/> published before:
    /// publishes a command the decoder refuses to command/&lt;board&gt; and waits for the board to log
    /// that refusal. Messages from one client arrive in order and the board takes them in in order.
    /// </summary>
    public async Task BarrierAsync(MqttProbe probe, Watchdog.Protocol.Topics.TopicTree topics, string board, TimeSpan timeout)
    {
        string refusal = "command/" + board + ": field 'target': is required but missing";
        int before = _lines.Count(l => l.Contains(refusal, StringComparison.Ordinal));
        await probe.PublishAsync(topics.Command(board), "{\"id\":\"barrier\"}");
        await WaitForLineAsync(refusal, timeout, before + 1);
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
