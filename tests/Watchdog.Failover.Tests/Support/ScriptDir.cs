namespace Watchdog.Failover.Tests.Support;

/// <summary>A temporary directory holding hook scripts written by a test, removed on Dispose.</summary>
internal sealed class ScriptDir : IDisposable
{
    private readonly TempDirectory _dir = new("wdfo-");

    public ScriptDir()
    {
        Log = _dir.Write("hooks.log", "");
    }

    public string Path => _dir.Path;

    /// <summary>A file the scripts below append to; tests read it to see what ran, in which order.</summary>
    public string Log { get; }

    /// <summary>Writes an executable /bin/sh script; $LOG is the shared log file.</summary>
    public string Script(string name, string body)
    {
        string file = _dir.Write(name, "#!/bin/sh\nLOG='" + Log + "'\n" + body + "\n");
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("hook scripts need a Unix");
        }

        File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute);
        return file;
    }

    /// <summary>A hook that logs its name and every WATCHDOG_ variable, then exits with <paramref name="exitCode"/>.</summary>
    public HookOptions Recording(string name, int exitCode = 0, int timeoutMs = 10_000)
    {
        string path = Script(name + ".sh", "{ echo \"run " + name + "\"; env | grep '^WATCHDOG_' | sort; } >> \"$LOG\"\nexit " + exitCode);
        return new HookOptions { Name = name, Path = path, TimeoutMs = timeoutMs };
    }

    public string[] LogLines() => File.ReadAllLines(Log);

    /// <summary>The names of the hooks that ran, in order.</summary>
    public string[] Runs() => LogLines().Where(l => l.StartsWith("run ", StringComparison.Ordinal)).Select(l => l[4..]).ToArray();

    /// <summary>The WATCHDOG_ variables the n-th run (0-based) saw.</summary>
    public Dictionary<string, string> EnvOfRun(int n)
    {
        var env = new Dictionary<string, string>();
        int run = -1;
        foreach (string line in LogLines())
        {
            if (line.StartsWith("run ", StringComparison.Ordinal))
            {
                run++;
                continue;
            }

            if (run == n && line.StartsWith("WATCHDOG_", StringComparison.Ordinal))
            {
                int eq = line.IndexOf('=', StringComparison.Ordinal);
                env[line[..eq]] = line[(eq + 1)..];
            }
        }

        return env;
    }

    /// <summary>Asserts the n-th run (0-based) saw each of these "WATCHDOG_NAME=value" variables; others it saw are not checked.</summary>
    public void AssertRunSaw(int n, params string[] variables)
    {
        Dictionary<string, string> env = EnvOfRun(n);
        foreach (string variable in variables)
        {
            string name = variable[..variable.IndexOf('=', StringComparison.Ordinal)];
            Assert.Equal(variable, env.TryGetValue(name, out string? value) ? name + "=" + value : name + " unset");
        }
    }

    /// <summary>Removes the scripts and the log (a killed hook's leftovers are left to the OS).</summary>
    public void Dispose() => _dir.Dispose();
}
