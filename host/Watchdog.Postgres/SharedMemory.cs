using System.Globalization;
using Watchdog.Platform.Posix;

namespace Watchdog.Postgres;

/// <summary>
/// The small System V shared memory segment a postmaster keeps (its key and id are on line 7 of
/// postmaster.pid). A clean stop removes it; SIGKILL cannot, and the next start of the same data
/// directory would. An instance killed and never started again would leak one per test run, so
/// disposal removes it when nothing is attached to it any more.
/// </summary>
internal static class SharedMemory
{
    public static async Task RemoveLeftoverAsync(string dataDirectory)
    {
        if (PostmasterProcesses.RunningPid(dataDirectory) is not null || LeftoverId(dataDirectory) is not int shmId || Attached(shmId) != 0)
        {
            return;
        }

        // ipcrm rather than shmctl(2): one command, no interop; a failure only leaves the leak.
        try
        {
            await Task.Run(() => HostCommand.Run("ipcrm", ["-m", shmId.ToString(CultureInfo.InvariantCulture)])).ConfigureAwait(false);
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException)
        {
            // ipcrm missing or stuck: a few bytes stay allocated until the next start or reboot.
        }
    }

    private static int? LeftoverId(string dataDirectory)
    {
        try
        {
            string? line = File.ReadLines(Path.Combine(dataDirectory, "postmaster.pid")).Skip(6).FirstOrDefault();
            string[] fields = line?.Split(' ', StringSplitOptions.RemoveEmptyEntries) ?? [];
            return fields.Length == 2 && int.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out int id) ? id : null;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    /// <summary>How many processes have the segment attached (nattch in /proc/sysvipc/shm), or null when it does not exist.</summary>
    private static int? Attached(int shmId)
    {
        foreach (string line in File.ReadLines("/proc/sysvipc/shm").Skip(1))
        {
            // key shmid perms size cpid lpid nattch ...
            string[] fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length > 6 && fields[1] == shmId.ToString(CultureInfo.InvariantCulture))
            {
                return int.Parse(fields[6], CultureInfo.InvariantCulture);
            }
        }

        return null;
    }
}
