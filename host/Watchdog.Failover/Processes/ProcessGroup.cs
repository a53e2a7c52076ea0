using System.Runtime.InteropServices;

namespace Watchdog.Failover.Processes;

/// <summary>
/// Signals a whole process group with kill(2). A hook is started as the leader of its own
/// session and group (through setsid), so anything it forks — a shell's children, a sleep, a
/// helper that ignores SIGTERM — is reached by one kill(-pgid) and none is left behind holding
/// a port or the old role. .NET only offers Process.Kill (SIGKILL, and a tree walk that misses
/// children that were re-parented), hence the P/Invoke.
/// </summary>
internal static partial class ProcessGroup
{
    public const int SigKill = 9;
    public const int SigTerm = 15;
    private const int Esrch = 3;

    /// <summary>Sends the signal to every member of the group; false when the group has no members (ESRCH).</summary>
    public static bool Signal(int processGroupId, int signal)
    {
        if (processGroupId <= 1)
        {
            // kill(0) or kill(-1) would hit our own group or every process: never.
            throw new ArgumentOutOfRangeException(nameof(processGroupId), processGroupId, "a process group id must be above 1");
        }

        if (Kill(-processGroupId, signal) == 0)
        {
            return true;
        }

        int errno = Marshal.GetLastPInvokeError();
        if (errno == Esrch)
        {
            return false;
        }

        throw new InvalidOperationException($"kill(-{processGroupId}, {signal}) failed with errno {errno}");
    }

    /// <summary>Sends the signal to one process; false when it does not exist (ESRCH).</summary>
    public static bool SignalProcess(int pid, int signal)
    {
        if (pid <= 1)
        {
            throw new ArgumentOutOfRangeException(nameof(pid), pid, "a process id must be above 1");
        }

        if (Kill(pid, signal) == 0)
        {
            return true;
        }

        int errno = Marshal.GetLastPInvokeError();
        if (errno == Esrch)
        {
            return false;
        }

        throw new InvalidOperationException($"kill({pid}, {signal}) failed with errno {errno}");
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
