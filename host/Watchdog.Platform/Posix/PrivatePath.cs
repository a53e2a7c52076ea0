using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

namespace Watchdog.Platform.Posix;

/// <summary>
/// A path the rack, the demo or the bench needs cannot be used safely or at all: it is a symbolic
/// link, belongs to another user, can be written by others, or cannot be created. The message is
/// one sentence naming the path, what is wrong and what to do; watchdogctl prints it as its error line.
/// </summary>
public sealed class UnusablePathException : Exception
{
    public UnusablePathException()
    {
    }

    public UnusablePathException(string message)
        : base(message)
    {
    }

    public UnusablePathException(string message, Exception inner)
        : base(message, inner)
    {
    }
}

/// <summary>
/// Directories and lock files only the current user can reach. Nothing here writes into a fixed
/// path in the shared temp folder: on a machine where another user (or root) ran the demo first, a
/// fixed path is theirs, or a symbolic link they planted that redirects our writes. Per-run
/// directories are made fresh (mkdtemp: a new name, mode 0700, never an existing entry); a fixed
/// directory (a lock shared by every rack on the machine) must be ours, not a link and not
/// writable by others, and a lock file in it must be a regular file of ours. Checks use statx
/// without following links; they run on Linux, the only system the rack runs on.
/// </summary>
public static partial class PrivatePath
{
    private const UnixFileMode UserOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>
    /// Creates a new directory in the temp folder (TMPDIR or /tmp) named <paramref name="prefix"/>
    /// plus random characters, mode 0700, and checks it is a directory of ours that nobody else can enter.
    /// </summary>
    /// <exception cref="UnusablePathException">It cannot be created, or is not what was asked for.</exception>
    public static string CreateTempDirectory(string prefix)
    {
        string path;
        try
        {
            // .NET 7+ uses mkdtemp(3) on Unix: atomic, mode 0700, fails instead of reusing a name.
            path = Directory.CreateTempSubdirectory(prefix).FullName;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UnusablePathException(
                $"cannot create a private directory in {Path.GetTempPath()} ({e.Message}); set TMPDIR to a directory you can write to", e);
        }

        if (OperatingSystem.IsLinux())
        {
            FileStatus status = Lstat(path) ?? throw new UnusablePathException($"{path} vanished right after it was created; run again");
            RequireOurs(path, status, FileType.Directory);
            if ((status.Permissions & 0x3F) != 0) // any group or other bit (0077)
            {
                throw new UnusablePathException($"{path} was created with mode {Octal(status.Permissions)}, not 0700; check the umask and TMPDIR, then run again");
            }
        }

        return path;
    }

    /// <summary>
    /// Uses <paramref name="path"/> as a directory only we can write: creates it with mode 0700 when
    /// it is missing, and refuses a symbolic link, anything but a directory, another owner, or a
    /// directory that group or others can write.
    /// </summary>
    /// <exception cref="UnusablePathException">The directory cannot be created or is not safe to use.</exception>
    public static string EnsureDirectory(string path)
    {
        path = Path.GetFullPath(path);
        if (!OperatingSystem.IsLinux())
        {
            Directory.CreateDirectory(path);
            return path;
        }

        if (Lstat(path) is null)
        {
            try
            {
                Directory.CreateDirectory(path, UserOnly);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new UnusablePathException($"{path} cannot be created ({e.Message}); create it with mode 0700 as the user running this, or run as root", e);
            }
        }

        // Checked after creating too: someone may have made it first (CreateDirectory accepts an existing one).
        FileStatus status = Lstat(path) ?? throw new UnusablePathException($"{path} vanished right after it was created; run again");
        RequireOurs(path, status, FileType.Directory);
        if ((status.Permissions & 0x12) != 0) // group or other write (0022)
        {
            throw new UnusablePathException($"{path} can be written by other users (mode {Octal(status.Permissions)}); run chmod 700 {path} or remove it, then run again");
        }

        return path;
    }

    /// <summary>
    /// Takes the exclusive lock <paramref name="path"/> (created when missing) in a directory made safe
    /// with <see cref="EnsureDirectory"/>, retrying while another process holds it for up to
    /// <paramref name="wait"/>. Dispose the stream to release it. A symbolic link at the path is
    /// refused before opening, and the opened file must be the regular file of ours at the path.
    /// </summary>
    /// <exception cref="UnusablePathException">The lock cannot be used, or stayed held for longer than <paramref name="wait"/>.</exception>
    public static FileStream AcquireLock(string path, TimeSpan wait)
    {
        path = Path.GetFullPath(path);
        EnsureDirectory(Path.GetDirectoryName(path)!);
        long deadline = Stopwatch.GetTimestamp() + (long)(wait.TotalSeconds * Stopwatch.Frequency);
        while (true)
        {
            if (OperatingSystem.IsLinux() && Lstat(path) is { } before)
            {
                RequireOurs(path, before, FileType.RegularFile);
            }

            FileStream stream;
            try
            {
                // FileShare.None takes flock(LOCK_EX | LOCK_NB) on Unix: held until disposed or the process dies.
                stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (Exception e) when (e is UnauthorizedAccessException || (e is IOException && e.GetType() != typeof(IOException)))
            {
                // Permission denied, or a subclass (file or directory not found ...): not the lock being held.
                throw new UnusablePathException($"{path} cannot be opened ({e.Message}); remove it, then run again", e);
            }
            catch (IOException e)
            {
                // A plain IOException is the sharing violation: flock found the lock held.
                if (Stopwatch.GetTimestamp() >= deadline)
                {
                    throw new UnusablePathException(
                        $"{path} stayed locked by another process for {wait.TotalSeconds:0.#} s; wait for the other rack to finish or find the holder with fuser {path}", e);
                }

                Thread.Sleep(10);
                continue;
            }

            if (OperatingSystem.IsLinux())
            {
                try
                {
                    RequireSameFile(path, stream);
                }
                catch
                {
                    stream.Dispose();
                    throw;
                }
            }

            return stream;
        }
    }

    /// <summary>The opened file is a regular file of ours and the very entry at the path (no link was followed on the way).</summary>
    private static void RequireSameFile(string path, FileStream stream)
    {
        int fd = (int)stream.SafeFileHandle.DangerousGetHandle();
        if (Statx(fd, string.Empty, AtEmptyPath | AtSymlinkNoFollow, StatxMask, out StatxBuffer opened) != 0)
        {
            throw new UnusablePathException($"{path} was opened but cannot be examined (errno {Marshal.GetLastPInvokeError()}); remove it, then run again");
        }

        var openedStatus = new FileStatus(opened);
        RequireOurs(path, openedStatus, FileType.RegularFile);
        FileStatus atPath = Lstat(path) ?? throw new UnusablePathException($"{path} vanished while it was being locked; run again");
        RequireOurs(path, atPath, FileType.RegularFile);
        if (atPath.Device != openedStatus.Device || atPath.Inode != openedStatus.Inode)
        {
            throw new UnusablePathException($"{path} was replaced while it was being opened; remove it, then run again");
        }
    }

    private static void RequireOurs(string path, FileStatus status, FileType expected)
    {
        if (status.Type == FileType.SymbolicLink)
        {
            string target = new FileInfo(path).LinkTarget ?? "?";
            throw new UnusablePathException($"{path} is a symbolic link (to {target}) where a {Describe(expected)} of ours belongs; remove it, then run again");
        }

        if (status.Type != expected)
        {
            throw new UnusablePathException($"{path} is not a {Describe(expected)}; remove it, then run again");
        }

        uint us = GetEffectiveUserId();
        if (status.Uid != us)
        {
            throw new UnusablePathException(
                $"{path} belongs to uid {status.Uid.ToString(CultureInfo.InvariantCulture)}, not to this user (uid {us.ToString(CultureInfo.InvariantCulture)}); remove it (as its owner or root), then run again");
        }
    }

    private static string Describe(FileType type) => type == FileType.Directory ? "directory" : "regular file";

    private static string Octal(int permissions) => "0" + Convert.ToString(permissions, 8).PadLeft(3, '0');

    /// <summary>The entry at <paramref name="path"/> itself (a link is not followed), or null when there is none.</summary>
    private static FileStatus? Lstat(string path)
    {
        if (Statx(AtFdCwd, path, AtSymlinkNoFollow, StatxMask, out StatxBuffer buffer) == 0)
        {
            return new FileStatus(buffer);
        }

        int errno = Marshal.GetLastPInvokeError();
        if (errno == ENoEnt)
        {
            return null;
        }

        throw new UnusablePathException(errno == EAcces
            ? $"{path} cannot be examined: permission denied on a directory above it; use a path this user can reach"
            : $"{path} cannot be examined (errno {errno.ToString(CultureInfo.InvariantCulture)}); check the path, then run again");
    }

    private enum FileType
    {
        Other,
        Directory,
        RegularFile,
        SymbolicLink,
    }

    private readonly record struct FileStatus(FileType Type, int Permissions, uint Uid, ulong Device, ulong Inode)
    {
        public FileStatus(StatxBuffer b)
            : this(TypeOf(b.Mode), b.Mode & 0xFFF, b.Uid, ((ulong)b.DevMajor << 32) | b.DevMinor, b.Inode)
        {
        }

        private static FileType TypeOf(ushort mode) => (mode & 0xF000) switch
        {
            0x4000 => FileType.Directory,
            0x8000 => FileType.RegularFile,
            0xA000 => FileType.SymbolicLink,
            _ => FileType.Other,
        };
    }

    // statx(2): its struct has the same layout on every architecture (unlike struct stat).
    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const int AtEmptyPath = 0x1000;
    private const uint StatxMask = 0x1 | 0x2 | 0x8 | 0x100; // STATX_TYPE | STATX_MODE | STATX_UID | STATX_INO
    private const int ENoEnt = 2;
    private const int EAcces = 13;

    [StructLayout(LayoutKind.Explicit, Size = 256)]
    private struct StatxBuffer
    {
        [FieldOffset(20)]
        public uint Uid;

        [FieldOffset(28)]
        public ushort Mode;

        [FieldOffset(32)]
        public ulong Inode;

        [FieldOffset(136)]
        public uint DevMajor;

        [FieldOffset(140)]
        public uint DevMinor;
    }

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Statx(int directoryFd, string path, int flags, uint mask, out StatxBuffer buffer);

    [LibraryImport("libc", EntryPoint = "geteuid")]
    private static partial uint GetEffectiveUserId();
}
