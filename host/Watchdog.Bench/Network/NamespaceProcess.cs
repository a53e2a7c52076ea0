using System.Collections.Concurrent;
using System.Diagnostics;
using Watchdog.Bench.Timing;
using Watchdog.Platform.Posix;

namespace Watchdog.Bench.Network;

/// <summary>One line a process wrote, stamped on the bench clock when the bench read it.</summary>
public sealed record StampedLine(double AtMs, string Text);

/// <summary>
/// A long-running process started inside a network namespace (`ip netns exec NS cmd ...`; ip
/// execs the command, so <see cref="Pid"/> is the command's own pid). Every output line is
/// stamped on the bench clock on arrival, which is how log lines ("Entering MASTER STATE")
/// become timeline events without trusting the process's own one-second wall-clock stamps.
/// </summary>
public sealed class NamespaceProcess : IDisposable
{
    private readonly Process process;
    private readonly BenchClock clock;
    private readonly ConcurrentQueue<StampedLine> lines = new();
    private readonly SemaphoreSlim lineArrived = new(0);

    private NamespaceProcess(Process process, BenchClock clock, string description)
    {
        this.process = process;
        this.clock = clock;
        Description = description;
    }

    /// <summary>What runs where, for error messages.</summary>
    public string Description { get; }

    public int Pid => process.Id;

    public bool HasExited => process.HasExited;

    /// <summary>Every stdout and stderr line so far, in arrival order.</summary>
    public IReadOnlyList<StampedLine> Lines => lines.ToArray();

    public static NamespaceProcess Start(string ns, BenchClock clock, string command, params string[] arguments)
    {
        var info = new ProcessStartInfo("ip")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = false,
            UseShellExecute = false,
        };
        info.ArgumentList.Add("netns");
        info.ArgumentList.Add("exec");
        info.ArgumentList.Add(ns);
        info.ArgumentList.Add(command);
        foreach (string argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        string description = $"{command} in {ns}";
        var process = new Process { StartInfo = info };
        var started = new NamespaceProcess(process, clock, description);
        process.OutputDataReceived += (_, e) => started.Record(e.Data);
        process.ErrorDataReceived += (_, e) => started.Record(e.Data);
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new BenchSetupException($"could not start {description}: {e.Message}", e);
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return started;
    }

    private void Record(string? line)
    {
        if (line is null)
        {
            return;
        }

        lines.Enqueue(new StampedLine(clock.NowMs, line));
        lineArrived.Release();
    }

    /// <summary>Waits until a line containing <paramref name="marker"/> arrives; returns it.</summary>
    /// <exception cref="BenchSetupException">Timed out or the process exited first.</exception>
    public StampedLine WaitForLine(string marker, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            StampedLine? found = lines.FirstOrDefault(l => l.Text.Contains(marker, StringComparison.Ordinal));
            if (found is not null)
            {
                return found;
            }

            if (process.HasExited && !lineArrived.Wait(100))
            {
                throw new BenchSetupException($"{Description} exited with {process.ExitCode} before printing '{marker}'; its output: {Tail()}");
            }

            TimeSpan left = timeout - deadline.Elapsed;
            if (left <= TimeSpan.Zero)
            {
                throw new BenchSetupException($"{Description} did not print '{marker}' within {timeout.TotalSeconds:0.#} s; its output: {Tail()}");
            }

            lineArrived.Wait(left < TimeSpan.FromMilliseconds(100) ? left : TimeSpan.FromMilliseconds(100));
        }
    }

    private string Tail() => string.Join(" | ", lines.TakeLast(5).Select(l => l.Text));

    /// <summary>Sends a signal; false when the process is already gone.</summary>
    public bool Signal(int signal) => !process.HasExited && PosixSignals.Send(process.Id, signal);

    public void Dispose()
    {
        try
        {
            if (!process.HasExited)
            {
                PosixSignals.Send(process.Id, PosixSignals.SigKill);
                PosixSignals.Send(process.Id, PosixSignals.SigCont);
                process.WaitForExit(2000);
            }
        }
        catch (InvalidOperationException)
        {
            // Never started or already reaped: nothing to stop.
        }

        process.Dispose();
        lineArrived.Dispose();
    }
}
