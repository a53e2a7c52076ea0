namespace Watchdog.Testing;

/// <summary>
/// A thread's scheduling class as the kernel sees it (/proc/&lt;pid&gt;/task/*/stat), found by the
/// name the runtime gave it (its comm): what a test checks instead of the process's own word.
/// </summary>
public static class ThreadScheduling
{
    public const int Other = 0;
    public const int RoundRobin = 2;

    /// <summary>
    /// The policy (stat field 41) and real-time priority (field 40) of the thread named
    /// <paramref name="threadName"/> in process <paramref name="pid"/> ("self" for this one),
    /// or null while no such thread runs.
    /// </summary>
    public static (int Policy, int RtPriority)? Of(string pid, string threadName)
    {
        foreach (string task in Directory.GetDirectories($"/proc/{pid}/task"))
        {
            string comm;
            string stat;
            try
            {
                comm = File.ReadAllText(Path.Combine(task, "comm")).Trim();
                stat = File.ReadAllText(Path.Combine(task, "stat"));
            }
            catch (IOException)
            {
                continue; // the thread ended meanwhile
            }

            if (comm != threadName)
            {
                continue;
            }

            // Fields after the ")" that closes the command name (which may hold spaces): field 3 is the first.
            string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return (Field(fields, 41), Field(fields, 40));
        }

        return null;
    }

    private static int Field(string[] afterName, int n) => int.Parse(afterName[n - 3], System.Globalization.CultureInfo.InvariantCulture);
}
