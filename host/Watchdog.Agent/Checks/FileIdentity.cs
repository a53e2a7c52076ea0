using System.Runtime.InteropServices;

namespace Watchdog.Agent.Checks;

/// <summary>
/// The inode number of a path, through glibc's statx (its struct layout is the same on every
/// architecture, unlike struct stat). A log rotated by rename leaves the follower's open handle
/// on the old inode while the path names a new one; comparing inodes is how tail -F notices.
/// </summary>
internal static partial class FileIdentity
{
    private const int AtFdCwd = -100;
    private const uint StatxIno = 0x100;
    private const int StatxInoOffset = 32;
    private const int StatxSize = 256;

    /// <summary>The inode of path, or 0 when the path does not exist or statx is unavailable.</summary>
    public static ulong InodeOf(string path)
    {
        Span<byte> buffer = stackalloc byte[StatxSize];
        try
        {
            unsafe
            {
                fixed (byte* b = buffer)
                {
                    if (Statx(AtFdCwd, path, 0, StatxIno, b) != 0)
                    {
                        return 0;
                    }
                }
            }
        }
        catch (EntryPointNotFoundException)
        {
            return 0; // glibc before 2.28 or musl without statx: rotation is then seen by size only.
        }

        return BitConverter.ToUInt64(buffer.Slice(StatxInoOffset, 8));
    }

    [LibraryImport("libc", EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int Statx(int dirfd, string path, int flags, uint mask, byte* buffer);
}
