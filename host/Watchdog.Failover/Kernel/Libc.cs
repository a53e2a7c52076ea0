using System.Runtime.InteropServices;

namespace Watchdog.Failover.Kernel;

/// <summary>
/// The C library calls the agent makes of the kernel directly (AddressNetlink, GratuitousArp),
/// the errnos it tells apart, and how a request runs inside a named network namespace.
/// </summary>
internal static partial class Libc
{
    public const int EPERM = 1;
    public const int EEXIST = 17;
    public const int ENODEV = 19;
    public const int EADDRNOTAVAIL = 99;
    public const int ENETDOWN = 100;

    /// <summary>
    /// Runs <paramref name="request"/> inside the namespace (ThreadNetworkNamespace.RunInside);
    /// no such namespace counts as no such device: nothing can be on it.
    /// </summary>
    public static KernelOutcome InNamespace(string netns, Func<KernelOutcome> request) =>
        ThreadNetworkNamespace.RunInside(netns, request, (errno, problem) =>
            new KernelOutcome(errno == ThreadNetworkNamespace.ENOENT ? ENODEV : errno, problem));

    [LibraryImport("libc", EntryPoint = "if_nametoindex", StringMarshalling = StringMarshalling.Utf8)]
    public static partial uint IfNameToIndex(string name);

    [LibraryImport("libc", EntryPoint = "socket", SetLastError = true)]
    public static partial int Socket(int domain, int type, int protocol);

    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    public static unsafe partial int Ioctl(int fd, nuint request, byte* argument);

    [LibraryImport("libc", EntryPoint = "sendto", SetLastError = true)]
    public static unsafe partial nint SendTo(int fd, byte* buffer, nuint length, int flags, byte* address, int addressLength);

    [LibraryImport("libc", EntryPoint = "recv", SetLastError = true)]
    public static unsafe partial nint Recv(int fd, byte* buffer, nuint length, int flags);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);
}
