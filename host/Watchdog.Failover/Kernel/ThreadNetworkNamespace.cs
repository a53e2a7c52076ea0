using System.Runtime.InteropServices;

namespace Watchdog.Failover.Kernel;

/// <summary>
/// Moves the calling OS thread (only that thread) into a named network namespace with setns(2).
/// Sockets are bound to the namespace they are created in, so a thread that enters a namespace
/// and creates its sockets there talks from inside it: the agent's netlink requests for
/// `Vip:Netns`, and the bench's client probe, which polls the VIP as a separate machine would.
/// Only call this on a thread you created and own: a pool thread moved into another namespace
/// would surprise whoever runs on it next.
/// </summary>
public static partial class ThreadNetworkNamespace
{
    /// <summary>The errno given when the namespace is not there (or its file cannot be opened).</summary>
    public const int ENOENT = 2;

    private const int CloneNewNet = 0x40000000;

    /// <summary>Enters /var/run/netns/<paramref name="namespaceName"/> (what `ip netns add` creates).</summary>
    /// <returns>Null when the thread is in the namespace, otherwise what went wrong, naming the namespace; <paramref name="errno"/> is then setns's errno or ENOENT.</returns>
    public static string? TryEnter(string namespaceName, out int errno)
    {
        errno = ENOENT;
        string path = Path.Combine("/var/run/netns", namespaceName);
        if (!File.Exists(path))
        {
            return $"network namespace '{namespaceName}' does not exist ({path} is missing)";
        }

        try
        {
            using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read);
            if (SetNs((int)handle.DangerousGetHandle(), CloneNewNet) != 0)
            {
                errno = Marshal.GetLastPInvokeError();
                return $"setns into network namespace '{namespaceName}' failed with errno {errno} (needs root)";
            }
        }
        catch (IOException ex)
        {
            return $"network namespace '{namespaceName}': {ex.Message}";
        }

        errno = 0;
        return null;
    }

    /// <summary>
    /// Runs <paramref name="work"/> on a short-lived thread of its own that first enters the
    /// namespace (none when <paramref name="namespaceName"/> is empty: then on the caller's
    /// thread), so no shared thread ever changes namespace.
    /// </summary>
    /// <param name="failed">What to return when the namespace cannot be entered: given setns's errno (or ENOENT) and the problem in words.</param>
    public static T RunInside<T>(string namespaceName, Func<T> work, Func<int, string, T> failed)
    {
        if (namespaceName.Length == 0)
        {
            return work();
        }

        T result = default!;
        var thread = new Thread(() =>
        {
            // This thread is ours and ends after the work: the namespace change dies with it.
            result = TryEnter(namespaceName, out int errno) is { } problem ? failed(errno, problem) : work();
        })
        { IsBackground = true, Name = "netns-" + namespaceName };
        thread.Start();
        thread.Join();
        return result;
    }

    [LibraryImport("libc", EntryPoint = "setns", SetLastError = true)]
    private static partial int SetNs(int fd, int nstype);
}
