using System.Globalization;
using Watchdog.Platform.Posix;

namespace Watchdog.Postgres;

/// <summary>
/// The processes of one running instance, found from its data directory: the postmaster's pid is
/// the first line of postmaster.pid, and every backend, WAL sender or receiver, checkpointer and
/// so on is a direct child of it (/proc/PID/stat, field 4). Signalling them all at once is how a
/// test simulates power loss (SIGKILL) or a hang (SIGSTOP) without the server's cooperation.
/// </summary>
internal static class PostmasterProcesses
{
    /// <summary>The postmaster's pid when postmaster.pid names a process that is alive, else null.</summary>
    public static int? RunningPid(string dataDirectory)
    {
        string pidFile = Path.Combine(dataDirectory, "postmaster.pid");
        string? firstLine;
        try
        {
            firstLine = File.ReadLines(pidFile).FirstOrDefault();
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }

        // A stale file (after SIGKILL) names a pid that is gone, or, after a reboot, someone
        // else's: only a live process whose command is postgres counts.
        return int.TryParse(firstLine, NumberStyles.None, CultureInfo.InvariantCulture, out int pid) && IsPostgres(pid) ? pid : null;
    }

    /// <summary>The postmaster first, then its children (a snapshot: a child forked later is not in it).</summary>
    public static List<int> Tree(int postmasterPid)
    {
        var pids = new List<int> { postmasterPid };
        foreach (string entry in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(entry), NumberStyles.None, CultureInfo.InvariantCulture, out int pid) && ParentOf(pid) == postmasterPid)
            {
                pids.Add(pid);
            }
        }

        return pids;
    }

    /// <summary>Sends <paramref name="signal"/> to every pid; returns how many still existed.</summary>
    public static int SignalAll(IEnumerable<int> pids, int signal) => pids.Count(pid => PosixSignals.Send(pid, signal));

    /// <summary>True while the process exists and is not a zombie.</summary>
    public static bool IsAlive(int pid)
    {
        string? stat = ReadStat(pid);
        return stat is not null && StateOf(stat) != 'Z';
    }

    private static bool IsPostgres(int pid)
    {
        try
        {
            return IsAlive(pid) && File.ReadAllText($"/proc/{pid}/comm").Trim() is "postgres" or "postmaster";
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static int? ParentOf(int pid)
    {
        string? stat = ReadStat(pid);
        if (stat is null)
        {
            return null;
        }

        // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so parse after the last ')'.
        string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return fields.Length > 1 && int.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out int parent) ? parent : null;
    }

    private static char StateOf(string stat) => stat[stat.LastIndexOf(')') + 2];

    private static string? ReadStat(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or IOException)
        {
            return null; // gone between the listing and the read
        }
    }
}
