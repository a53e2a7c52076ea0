using System.Diagnostics;
using Watchdog.Platform.Posix;

namespace Watchdog.Sim.Rack;

/// <summary>
/// One running instance of a <see cref="ServiceSpec"/> on a simulated server: started inside the
/// server's namespace (<c>ip netns exec</c>) in a session of its own (<c>setsid</c>, which execs, so
/// the pid is the program's), so signals reach it and every child it spawns (hooks, shells).
/// Its stdout and stderr are appended to a log file.
/// </summary>
public sealed class ServerProcess : IDisposable
{
    private readonly Process process;
    private readonly StreamWriter log;
    private readonly Lock logGate = new();
    private int? exitCode;
    private volatile bool disposed;

    private ServerProcess(ServiceSpec spec, Process process, StreamWriter log, string logPath)
    {
        Spec = spec;
        this.process = process;
        this.log = log;
        LogPath = logPath;
        StartedTimestamp = Stopwatch.GetTimestamp();
        Pid = -1;
    }

    public ServiceSpec Spec { get; }

    public string Name => Spec.Name;

    /// <summary>The program's pid, which is also its process group and session id.</summary>
    public int Pid { get; private set; }

    public string LogPath { get; }

    public long StartedTimestamp { get; }

    /// <summary>True once the program has exited (or this object was disposed after killing it).</summary>
    public bool HasExited
    {
        get
        {
            try
            {
                return disposed || process.HasExited;
            }
            catch (InvalidOperationException)
            {
                return true; // disposed by another thread between the two checks
            }
        }
    }

    /// <summary>Exit code once exited (128+signal for a killed one, as a shell reports it); null while running.</summary>
    public int? ExitCode
    {
        get
        {
            if (disposed)
            {
                return exitCode;
            }

            return process.HasExited ? exitCode ??= process.ExitCode : null;
        }
    }

    internal static ServerProcess Start(ServiceSpec spec, string? networkNamespace, IReadOnlyDictionary<string, string> serverEnvironment, string logPath)
    {
        var info = new ProcessStartInfo("setsid")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = false,
            UseShellExecute = false,
            WorkingDirectory = spec.WorkingDirectory ?? "",
        };
        if (networkNamespace is not null)
        {
            info.ArgumentList.Add("ip");
            info.ArgumentList.Add("netns");
            info.ArgumentList.Add("exec");
            info.ArgumentList.Add(networkNamespace);
        }

        info.ArgumentList.Add(spec.FileName);
        foreach (string argument in spec.Arguments)
        {
            info.ArgumentList.Add(argument);
        }

        foreach ((string key, string value) in serverEnvironment)
        {
            info.Environment[key] = value;
        }

        foreach ((string key, string value) in spec.Environment)
        {
            info.Environment[key] = value;
        }

        var log = new StreamWriter(new FileStream(logPath, FileMode.Append, FileAccess.Write, FileShare.ReadWrite)) { AutoFlush = true };
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var started = new ServerProcess(spec, process, log, logPath);
        process.OutputDataReceived += (_, e) => started.Append(e.Data);
        process.ErrorDataReceived += (_, e) => started.Append(e.Data);
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            log.Dispose();
            throw new InvalidOperationException($"cannot start service {spec.Name} ({spec.FileName}): {e.Message}", e);
        }

        started.Pid = process.Id;
        started.Append($"--- started pid {process.Id}: {HostCommand.Describe(spec.FileName, spec.Arguments)}");
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return started;
    }

    /// <summary>
    /// Waits until the program leads its own process group and (when <paramref name="networkNamespace"/>
    /// is given) lives in that network namespace. Until then a freeze or a kill of "every process of
    /// the server" would miss it: setsid and ip netns exec take a few ms after fork.
    /// </summary>
    internal bool WaitUntilSettled(string? networkNamespace, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            if (process.HasExited)
            {
                return false;
            }

            if (ProcessGroupOf(Pid) == Pid && (networkNamespace is null || NetworkNamespaceOf(Pid) == networkNamespace))
            {
                return true;
            }

            Thread.Sleep(1);
        }

        return false;
    }

    /// <summary>The process group from /proc/PID/stat (field 5), or -1 when it is gone.</summary>
    internal static int ProcessGroupOf(int pid)
    {
        try
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return int.Parse(fields[2], System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return -1;
        }
    }

    /// <summary>The netns identity ("net:[inode]") of a process, or null when it is gone.</summary>
    internal static string? NetworkNamespaceOf(int pid)
    {
        try
        {
            return new FileInfo($"/proc/{pid}/ns/net").LinkTarget;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null; // gone, or not ours to look at
        }
    }

    /// <summary>Sends a signal to the program and everything it spawned (its process group).</summary>
    public bool Signal(int signal) => !HasExited && PosixSignals.SendGroup(Pid, signal);

    /// <summary>Waits for it to exit (after a kill); true when it did within the timeout.</summary>
    public bool WaitForExit(TimeSpan timeout) => disposed || process.WaitForExit(timeout);

    /// <summary>Raised (on a thread-pool thread) when the program exits.</summary>
    public event EventHandler? Exited
    {
        add => process.Exited += value;
        remove => process.Exited -= value;
    }

    public void Dispose()
    {
        if (disposed)
        {
            return;
        }

        if (!process.HasExited)
        {
            Signal(PosixSignals.SigKill);
            process.WaitForExit(TimeSpan.FromSeconds(5));
        }

        if (process.HasExited)
        {
            exitCode ??= process.ExitCode;
        }

        disposed = true;
        process.Dispose();
        lock (logGate)
        {
            log.Dispose();
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (logGate)
        {
            try
            {
                log.WriteLine(line);
            }
            catch (ObjectDisposedException)
            {
                // Late output after Dispose: nothing to keep it for.
            }
        }
    }
}
