using System.Runtime.InteropServices;

namespace Watchdog.Platform.Posix;

/// <summary>
/// The POSIX signals the rack sends to processes. .NET only offers SIGKILL (Process.Kill), but the
/// rack needs SIGTERM (a graceful broker stop publishes wills), SIGSTOP/SIGCONT (a frozen server,
/// a held reset line). Numbers are Linux's generic ones (x86_64 and arm64 agree).
/// </summary>
public static partial class PosixSignals
{
    public const int SigKill = 9;
    public const int SigUsr1 = 10;
    public const int SigTerm = 15;
    public const int SigCont = 18;
    public const int SigStop = 19;

    /// <summary>Sends a signal; returns false when the process does not exist any more (ESRCH).</summary>
    public static bool Send(int pid, int signal)
    {
        if (pid <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(pid), pid, "refusing to signal a process group or every process: pid must be positive");
        }

        if (Kill(pid, signal) == 0)
        {
            return true;
        }

        int errno = Marshal.GetLastPInvokeError();
        if (errno == 3)
        {
            return false; // ESRCH: already gone, which is what the caller wanted for kill/term.
        }

        throw new InvalidOperationException($"kill({pid}, {signal}) failed with errno {errno}");
    }

    /// <summary>Sends a signal to every process of a process group (kill(-pgid)); false when the group is empty.</summary>
    public static bool SendGroup(int processGroupId, int signal)
    {
        if (processGroupId <= 1)
        {
            throw new ArgumentOutOfRangeException(nameof(processGroupId), processGroupId, "process group id must be above 1");
        }

        if (Kill(-processGroupId, signal) == 0)
        {
            return true;
        }

        int errno = Marshal.GetLastPInvokeError();
        if (errno == 3)
        {
            return false;
        }

        throw new InvalidOperationException($"kill(-{processGroupId}, {signal}) failed with errno {errno}");
    }

    /// <summary>True when the effective user is root (namespaces and veth pairs need it).</summary>
    public static bool IsRoot => GetEffectiveUserId() == 0;

    /// <summary>
    /// Puts the calling thread in the real-time round-robin class (SCHED_RR with
    /// SCHED_RESET_ON_FORK, so processes it spawns run normally). The rack's relay threads use it:
    /// a relay acts on real hardware at once, and the simulator must not add scheduler delay
    /// when the machine is loaded (as the bench's jitter runs load it). False without privilege.
    /// </summary>
    public static bool TryMakeCurrentThreadRealTime(int priority = 10)
    {
        const int SchedRoundRobin = 2;
        const int SchedResetOnFork = 0x40000000;
        int param = priority;
        return SetScheduler(0, SchedRoundRobin | SchedResetOnFork, ref param) == 0;
    }

    /// <summary>
    /// Lets the calling thread run only on CPU <paramref name="cpu"/> (0-63). The wake-up bench
    /// uses it to tell a stall of one CPU from a stall of the whole machine. False when refused.
    /// </summary>
    public static bool TryPinCurrentThread(int cpu)
    {
        if (cpu is < 0 or > 63)
        {
            return false;
        }

        ulong mask = 1UL << cpu;
        return SetAffinity(0, sizeof(ulong), ref mask) == 0;
    }

    [LibraryImport("libc", EntryPoint = "sched_setaffinity", SetLastError = true)]
    private static partial int SetAffinity(int pid, nuint size, ref ulong mask);

    [LibraryImport("libc", EntryPoint = "sched_setscheduler", SetLastError = true)]
    private static partial int SetScheduler(int pid, int policy, ref int param);

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);

    [LibraryImport("libc", EntryPoint = "geteuid")]
    private static partial uint GetEffectiveUserId();
}
