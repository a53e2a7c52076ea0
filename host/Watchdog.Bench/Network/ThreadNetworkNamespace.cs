using System.Runtime.InteropServices;

namespace Watchdog.Bench.Network;

/// <summary>
/// Moves the calling OS thread (only that thread) into a named network namespace with setns(2).
/// Sockets are bound to the namespace they are created in, so a dedicated thread that enters the
/// client namespace and creates its sockets there polls the VIP exactly as a separate client
/// machine would, while its timestamps stay on the bench's own monotonic clock.
/// Only call this on a thread you created and own: a pool thread moved into another namespace
/// would surprise whoever runs on it next.
/// </summary>
public static partial class ThreadNetworkNamespace
{
    private const int CloneNewNet = 0x40000000;

    /// <summary>Enters /var/run/netns/<paramref name="namespaceName"/> (what `ip netns add` creates).</summary>
    /// <exception cref="BenchSetupException">The namespace does not exist or setns failed.</exception>
    public static void Enter(string namespaceName)
    {
        string path = Path.Combine("/var/run/netns", namespaceName);
        if (!File.Exists(path))
        {
            throw new BenchSetupException($"network namespace '{namespaceName}' does not exist ({path} is missing)");
        }

        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read);
        if (SetNs((int)handle.DangerousGetHandle(), CloneNewNet) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw new BenchSetupException($"setns into network namespace '{namespaceName}' failed with errno {errno} (needs root)");
        }
    }

    [LibraryImport("libc", EntryPoint = "setns", SetLastError = true)]
    private static partial int SetNs(int fd, int nstype);
}
