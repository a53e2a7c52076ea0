using System.Runtime.InteropServices;

namespace Watchdog.Testing;

/// <summary>
/// A pseudo-terminal pair made with posix_openpt/grantpt/unlockpt/ptsname_r (no socat needed):
/// the test keeps the master fd, the code under test opens SlavePath like a serial port.
/// </summary>
public sealed partial class PseudoTerminal : IDisposable
{
    private const int ORdWr = 0x2;
    private const int ONoCtty = 0x100;

    public PseudoTerminal()
    {
        MasterFd = PosixOpenpt(ORdWr | ONoCtty);
        if (MasterFd < 0 || Grantpt(MasterFd) != 0 || Unlockpt(MasterFd) != 0)
        {
            throw new InvalidOperationException("cannot create a pseudo-terminal: errno " + Marshal.GetLastPInvokeError());
        }

        var name = new byte[256];
        if (PtsnameR(MasterFd, name, name.Length) != 0)
        {
            throw new InvalidOperationException("ptsname_r failed: errno " + Marshal.GetLastPInvokeError());
        }

        SlavePath = System.Text.Encoding.ASCII.GetString(name, 0, Array.IndexOf(name, (byte)0));
    }

    public int MasterFd { get; }

    public string SlavePath { get; }

    public void Dispose() => _ = Close(MasterFd);

    [LibraryImport("libc", EntryPoint = "posix_openpt", SetLastError = true)]
    private static partial int PosixOpenpt(int flags);

    [LibraryImport("libc", EntryPoint = "grantpt", SetLastError = true)]
    private static partial int Grantpt(int fd);

    [LibraryImport("libc", EntryPoint = "unlockpt", SetLastError = true)]
    private static partial int Unlockpt(int fd);

    [LibraryImport("libc", EntryPoint = "ptsname_r", SetLastError = true)]
    private static partial int PtsnameR(int fd, [Out] byte[] buf, nint len);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);
}
