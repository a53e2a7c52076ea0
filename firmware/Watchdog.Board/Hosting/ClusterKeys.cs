using Watchdog.Protocol.Signing;

namespace Watchdog.Board.Hosting;

/// <summary>
/// Reads the key file (format and parser: Watchdog.Protocol.Signing.ClusterKeyFile), refusing
/// one that others may read or write. Errors name the file and line.
/// </summary>
public static class ClusterKeys
{
    public static bool TryRead(string path, out KeyRing ring, out string error)
    {
        ring = new KeyRing();
        error = "";
        string[] lines;
        try
        {
            error = Watchdog.Platform.Posix.PrivateFiles.Problem(path, "--cluster-key-file");
            if (error.Length > 0)
            {
                return false;
            }

            lines = File.ReadAllLines(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error = $"--cluster-key-file '{path}' cannot be read: {e.Message}";
            return false;
        }

        if (!ClusterKeyFile.TryParse(string.Join('\n', lines), path, ring, out error))
        {
            return false;
        }

        return true;
    }
}
