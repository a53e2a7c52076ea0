using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Watchdog.Platform.Posix;

namespace Watchdog.Sim.Broker;

/// <summary>
/// A real mosquitto broker for tests, the demo alternative and the bench: its own config, log and
/// (optional) persistence file in a private temp directory, on a free port. Faults are the ones an
/// operator meets: <see cref="Stop"/> is a graceful SIGTERM (mosquitto publishes the wills of its
/// clients), <see cref="Kill"/> is SIGKILL (no wills; retained "online" messages stay stale).
/// <see cref="Start()"/> and <see cref="Restart"/> bring it back on the same port.
/// </summary>
public sealed class MosquittoProcess : IDisposable
{
    // A test host that dies with brokers still running must not leave them listening.
    private static readonly ExitCleanup<MosquittoProcess> Live = new();
    private readonly MosquittoOptions options;
    private readonly string executable;
    private readonly StringBuilder stderr = new();
    private readonly Lock gate = new();
    private Process? process;
    private long logOffsetAtStart;
    private bool disposed;

    private MosquittoProcess(MosquittoOptions options, string executable, int port)
    {
        this.options = options;
        this.executable = executable;
        Port = port;
        Directory = PrivatePath.CreateTempDirectory("watchdog-mosquitto-");
        // Readable by everyone: mosquitto may run under its own user when we are not root.
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(Directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        }

        ConfigPath = Path.Combine(Directory, "mosquitto.conf");
        LogPath = Path.Combine(Directory, "mosquitto.log");
        if (options.ConfigFile is not null)
        {
            string include = System.IO.Directory.CreateDirectory(Path.Combine(Directory, MosquittoConfig.IncludeDirectory)).FullName;
            File.Copy(options.ConfigFile, Path.Combine(include, "included.conf"));
        }

        File.WriteAllText(ConfigPath, MosquittoConfig.Render(options, port, Directory, LogPath, PosixSignals.IsRoot));
        Live.Add(this);
    }

    /// <summary>The TCP port clients connect to (fixed for the life of this object).</summary>
    public int Port { get; }

    /// <summary>The address clients connect to: the bind address, or 127.0.0.1 for a wildcard bind.</summary>
    public string Host => options.BindAddress is "0.0.0.0" or "::" ? "127.0.0.1" : options.BindAddress;

    /// <summary>The network namespace the broker runs in, or null for the caller's namespace.</summary>
    public string? NetworkNamespace => options.NetworkNamespace;

    /// <summary>The private directory holding the config, the log and any persistence file.</summary>
    public string Directory { get; }

    public string ConfigPath { get; }

    public string LogPath { get; }

    /// <summary>The broker's process id while it runs, otherwise null.</summary>
    public int? ProcessId
    {
        get
        {
            lock (gate)
            {
                return process is { HasExited: false } p ? p.Id : null;
            }
        }
    }

    public bool IsRunning => ProcessId is not null;

    /// <summary>Starts a broker on a free loopback port (or the given one) and waits until it listens.</summary>
    public static MosquittoProcess Start(int port = 0, string bindAddress = "127.0.0.1", string? passwordFile = null, string? networkNamespace = null) =>
        Start(new MosquittoOptions { Port = port, BindAddress = bindAddress, PasswordFile = passwordFile, NetworkNamespace = networkNamespace });

    /// <summary>Starts a broker with full options and waits until it listens.</summary>
    public static MosquittoProcess Start(MosquittoOptions options)
    {
        MosquittoConfig.Validate(options);
        string executable = FindExecutable();
        const int attempts = 3;
        for (int attempt = 1; ; attempt++)
        {
            int port = options.Port != 0 ? options.Port : FreePort(options);
            var broker = new MosquittoProcess(options, executable, port);
            try
            {
                broker.Start();
                return broker;
            }
            catch (InvalidOperationException) when (options.Port == 0 && attempt < attempts && broker.LogTail(5).Contains("in use", StringComparison.OrdinalIgnoreCase))
            {
                // Another test took the port between our probe and mosquitto's bind: pick again.
                broker.Dispose();
            }
            catch
            {
                broker.Dispose();
                throw;
            }
        }
    }

    /// <summary>(Re)starts this broker on its port; throws with the log tail when it does not come up.</summary>
    public void Start()
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        if (IsRunning)
        {
            throw new InvalidOperationException($"mosquitto on port {Port} is already running (pid {ProcessId})");
        }

        logOffsetAtStart = File.Exists(LogPath) ? new FileInfo(LogPath).Length : 0;
        var info = new ProcessStartInfo
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        if (options.NetworkNamespace is null)
        {
            info.FileName = executable;
        }
        else
        {
            // ip netns exec execs the command directly, so the pid we hold is mosquitto's own.
            info.FileName = "ip";
            info.ArgumentList.Add("netns");
            info.ArgumentList.Add("exec");
            info.ArgumentList.Add(options.NetworkNamespace);
            info.ArgumentList.Add(executable);
        }

        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(ConfigPath);
        var started = new Process { StartInfo = info };
        started.ErrorDataReceived += (_, e) => AppendStderr(e.Data);
        started.OutputDataReceived += (_, e) => AppendStderr(e.Data);
        started.Start();
        started.BeginErrorReadLine();
        started.BeginOutputReadLine();
        lock (gate)
        {
            process = started;
        }

        WaitUntilListening(started);
    }

    /// <summary>Graceful stop (SIGTERM): mosquitto publishes its clients' wills, then exits.</summary>
    public void Stop() => Stop(TimeSpan.FromSeconds(5));

    /// <summary>Graceful stop; falls back to SIGKILL when it has not exited within the timeout.</summary>
    public void Stop(TimeSpan timeout)
    {
        Process? p = TakeProcess();
        if (p is null)
        {
            return;
        }

        PosixSignals.Send(p.Id, PosixSignals.SigTerm);
        if (!p.WaitForExit(timeout))
        {
            p.Kill();
            p.WaitForExit();
        }

        p.Dispose();
    }

    /// <summary>SIGKILL: the broker vanishes without publishing wills, as after a crash or power loss.</summary>
    public void Kill()
    {
        Process? p = TakeProcess();
        if (p is null)
        {
            return;
        }

        if (!p.HasExited)
        {
            PosixSignals.Send(p.Id, PosixSignals.SigKill);
        }

        p.WaitForExit();
        p.Dispose();
    }

    /// <summary>Graceful stop, then start again on the same port.</summary>
    public void Restart()
    {
        Stop();
        Start();
    }

    /// <summary>The last lines of the broker's log (and of its stderr), for error messages.</summary>
    public string LogTail(int lines = 20)
    {
        var tail = new List<string>();
        if (File.Exists(LogPath))
        {
            tail.AddRange(File.ReadAllLines(LogPath).TakeLast(lines));
        }

        lock (stderr)
        {
            if (stderr.Length > 0)
            {
                tail.Add("stderr: " + stderr.ToString().TrimEnd());
            }
        }

        return string.Join('\n', tail);
    }

    public void Dispose()
    {
        if (disposed)
        {
            return;
        }

        disposed = true;
        Kill();
        Live.Remove(this);

        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a temp dir left behind is harmless.
        }
    }

    public override string ToString() =>
        $"mosquitto {Host}:{Port}{(NetworkNamespace is null ? "" : " in netns " + NetworkNamespace)} ({(IsRunning ? "running, pid " + ProcessId : "stopped")})";

    private static string FindExecutable()
    {
        string? fromEnv = Environment.GetEnvironmentVariable("WATCHDOG_MOSQUITTO");
        if (!string.IsNullOrEmpty(fromEnv) && File.Exists(fromEnv))
        {
            return fromEnv;
        }

        var candidates = new List<string> { "/usr/sbin/mosquitto", "/usr/local/sbin/mosquitto" };
        foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            candidates.Add(Path.Combine(dir, "mosquitto"));
        }

        return candidates.FirstOrDefault(File.Exists)
            ?? throw new FileNotFoundException("mosquitto not found: run ./scripts/install-test-deps.sh");
    }

    private static int FreePort(MosquittoOptions options)
    {
        // Inside a namespace the address may not exist here; any free loopback port is as good.
        IPAddress probe = options.NetworkNamespace is null ? IPAddress.Parse(options.BindAddress) : IPAddress.Loopback;
        using var listener = new TcpListener(probe, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private void WaitUntilListening(Process started)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < options.StartTimeout)
        {
            if (started.HasExited)
            {
                started.WaitForExit(); // drain the async stderr readers
                int exitCode = started.ExitCode;
                TakeProcess()?.Dispose();
                throw new InvalidOperationException(
                    $"mosquitto on {Host}:{Port} exited at start with code {exitCode}. Log tail:\n{LogTail()}");
            }

            if (LogSaysRunning() && (options.NetworkNamespace is not null || AcceptsConnections()))
            {
                return;
            }

            Thread.Sleep(10);
        }

        Kill();
        throw new InvalidOperationException(
            $"mosquitto on {Host}:{Port} did not accept connections within {options.StartTimeout.TotalSeconds:0.#} s. Log tail:\n{LogTail()}");
    }

    private bool LogSaysRunning()
    {
        // From a namespace we cannot probe the port, so the log line printed after the listeners
        // are open ("mosquitto version X running") is the readiness signal; only this start's part counts.
        if (!File.Exists(LogPath))
        {
            return false;
        }

        using var stream = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        if (stream.Length <= logOffsetAtStart)
        {
            return false;
        }

        stream.Seek(logOffsetAtStart, SeekOrigin.Begin);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd().Contains(" running", StringComparison.Ordinal);
    }

    private bool AcceptsConnections()
    {
        try
        {
            using var client = new TcpClient();
            client.Connect(Host, Port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private Process? TakeProcess()
    {
        lock (gate)
        {
            Process? p = process;
            process = null;
            return p;
        }
    }

    private void AppendStderr(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (stderr)
        {
            stderr.AppendLine(line);
        }
    }
}
