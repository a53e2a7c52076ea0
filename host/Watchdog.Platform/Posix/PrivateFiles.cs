namespace Watchdog.Platform.Posix;

/// <summary>
/// Files that hold secrets (key files, broker credentials): refused when others may read or
/// write them, as ssh refuses a private key with loose permissions. One home for the board, the
/// agent and watchdogctl.
/// </summary>
public static class PrivateFiles
{
    private const UnixFileMode Shared = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite;

    /// <summary>"" when only its owner may read and write <paramref name="path"/>; otherwise a sentence for <paramref name="label"/> saying what to do.</summary>
    public static string Problem(string path, string label)
    {
        if (OperatingSystem.IsWindows() || !File.Exists(path))
        {
            return "";
        }

        UnixFileMode mode = File.GetUnixFileMode(path);
        return (mode & Shared) == 0
            ? ""
            : $"{label} '{path}' can be read or written by others (mode {Convert.ToString((int)mode, 8).PadLeft(4, '0')}): a key others can read signs for anyone; chmod 600 it";
    }

    /// <summary>Writes <paramref name="text"/> to a new file only its owner may read and write (created so, never loosened in between).</summary>
    public static void WriteNew(string path, string text)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using var stream = new FileStream(path, options);
        using var writer = new StreamWriter(stream);
        writer.Write(text);
    }
}
