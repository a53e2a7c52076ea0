using System.Globalization;

namespace Watchdog.Agent.Checks;

/// <summary>
/// Is a process alive: by name (any /proc/&lt;pid&gt;/comm or argv[0] basename equal to it) or by
/// the pid in a pid file. A zombie (state Z) or a process frozen by SIGSTOP (state T) is not alive.
/// </summary>
public sealed class ProcessAliveProbe : IProbe
{
    private readonly string _name;
    private readonly string _pidFile;
    private readonly string _proc;

    public ProcessAliveProbe(string processName, string pidFile, string procRoot = "/proc")
    {
        _name = processName;
        _pidFile = pidFile;
        _proc = procRoot;
    }

    public Task<ProbeOutcome> ProbeAsync(CancellationToken ct) => Task.FromResult(_pidFile.Length > 0 ? ByPidFile() : ByName());

    private ProbeOutcome ByPidFile()
    {
        string text;
        try
        {
            text = File.ReadAllText(_pidFile).Trim();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return ProbeOutcome.Fail("pid file " + _pidFile + " unreadable: " + ex.Message);
        }

        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int pid) || pid <= 0)
        {
            return ProbeOutcome.Fail("pid file " + _pidFile + " does not hold a pid: '" + text + "'");
        }

        char state = State(pid);
        return state switch
        {
            '\0' => ProbeOutcome.Fail("pid " + pid + " from " + _pidFile + " is not running"),
            'Z' or 'X' => ProbeOutcome.Fail("pid " + pid + " is a zombie"),
            'T' or 't' => ProbeOutcome.Fail("pid " + pid + " is stopped (SIGSTOP or traced)"),
            _ => ProbeOutcome.Pass("pid " + pid + " running"),
        };
    }

    private ProbeOutcome ByName()
    {
        int found = 0;
        int stopped = 0;
        foreach (string dir in Directory.EnumerateDirectories(_proc))
        {
            string last = Path.GetFileName(dir);
            if (last.Length == 0 || !char.IsAsciiDigit(last[0]) || !int.TryParse(last, NumberStyles.None, CultureInfo.InvariantCulture, out int pid))
            {
                continue;
            }

            if (!Matches(dir))
            {
                continue;
            }

            char state = State(pid);
            if (state is 'Z' or 'X' or '\0')
            {
                continue;
            }

            if (state is 'T' or 't')
            {
                stopped++;
                continue;
            }

            found++;
        }

        if (found > 0)
        {
            return ProbeOutcome.Pass(found + " process(es) named " + _name);
        }

        return ProbeOutcome.Fail(stopped > 0 ? "every process named " + _name + " is stopped" : "no process named " + _name);
    }

    private bool Matches(string dir)
    {
        try
        {
            // comm is cut at 15 characters; argv[0] has the full name.
            string comm = File.ReadAllText(Path.Combine(dir, "comm")).TrimEnd('\n');
            if (comm == _name)
            {
                return true;
            }

            string cmdline = File.ReadAllText(Path.Combine(dir, "cmdline"));
            int end = cmdline.IndexOf('\0', StringComparison.Ordinal);
            string argv0 = end >= 0 ? cmdline[..end] : cmdline;
            return argv0.Length > 0 && Path.GetFileName(argv0) == _name;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false; // exited while we looked
        }
    }

    /// <summary>The state letter from /proc/&lt;pid&gt;/stat, or '\0' when there is no such process.</summary>
    private char State(int pid)
    {
        try
        {
            string stat = File.ReadAllText(Path.Combine(_proc, pid.ToString(CultureInfo.InvariantCulture), "stat"));
            // "pid (comm) S ...": comm may contain spaces and parentheses, so look after the last ')'.
            int close = stat.LastIndexOf(')');
            return close >= 0 && close + 2 < stat.Length ? stat[close + 2] : '\0';
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return '\0';
        }
    }
}
