using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Watchdog.Platform.Posix;

/// <summary>
/// The POSIX calls .NET does not offer: fsync of a directory, so that a rename inside it
/// survives a power loss (rename is atomic, but durable only once the directory entry is on disk),
/// and fdatasync, which flushes a file's data without the metadata a write in place leaves alone.
/// </summary>
public static partial class DurableFiles
{
    private const int ReadOnly = 0;          // O_RDONLY
    private const int DirectoryOnly = 0x10000; // O_DIRECTORY on x86_64 and arm64 (generic Linux value)

    /// <summary>Writes <paramref name="path"/> (replacing it) and fsyncs it: step 1 of a durable replace.</summary>
    public static void WriteSynced(string path, byte[] bytes)
    {
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 4096, FileOptions.None);
        stream.Write(bytes, 0, bytes.Length);
        stream.Flush(flushToDisk: true);
    }

    /// <summary>Renames <paramref name="temp"/> over <paramref name="path"/> and fsyncs the directory: step 2.</summary>
    public static void CommitRename(string temp, string path)
    {
        File.Move(temp, path, overwrite: true);
        SyncDirectory(Path.GetDirectoryName(path)!);
    }

    /// <summary>Flushes a directory's entries to disk. Throws IOException with errno when the kernel refuses.</summary>
    public static void SyncDirectory(string directory)
    {
        if (!OperatingSystem.IsLinux())
        {
            return; // Only Linux boards are supported; elsewhere (developer machines) rename durability is best effort.
        }

        int fd = Open(directory, ReadOnly | DirectoryOnly);
        if (fd < 0)
        {
            throw new IOException($"cannot open directory '{directory}' to fsync it (errno {Marshal.GetLastPInvokeError()})");
        }

        try
        {
            if (Fsync(fd) != 0)
            {
                throw new IOException($"fsync of directory '{directory}' failed (errno {Marshal.GetLastPInvokeError()})");
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }

    /// <summary>
    /// fdatasync of an open file: its data and whatever metadata reading it back needs (its size),
    /// not its times, so an overwrite of blocks it owns costs no journal commit. Throws IOException
    /// naming <paramref name="path"/> with errno when the kernel refuses.
    /// </summary>
    public static void DataSync(SafeFileHandle handle, string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            RandomAccess.FlushToDisk(handle); // developer machines: a full fsync
            return;
        }

        bool added = false;
        handle.DangerousAddRef(ref added);
        try
        {
            if (FDataSync((int)handle.DangerousGetHandle()) != 0)
            {
                throw new IOException($"fdatasync of '{path}' failed (errno {Marshal.GetLastPInvokeError()})");
            }
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    [LibraryImport("libc", EntryPoint = "fdatasync", SetLastError = true)]
    private static partial int FDataSync(int fd);

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}
