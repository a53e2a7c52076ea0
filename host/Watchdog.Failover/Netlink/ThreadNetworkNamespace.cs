using System.Runtime.InteropServices;

namespace Watchdog.Failover.Netlink;

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

    [LibraryImport("libc", EntryPoint = "setns", SetLastError = true)]
    private static partial int SetNs(int fd, int nstype);
}
