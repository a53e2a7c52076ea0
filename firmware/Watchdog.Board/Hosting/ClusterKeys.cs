using Watchdog.Protocol.Signing;

namespace Watchdog.Board.Hosting;

/// <summary>
/// Reads the cluster key file (the format watchdogctl writes: one "&lt;key-id&gt;:&lt;64 hex digits&gt;"
/// per line, '#' comments; several lines during a rotation). Errors name the file and line.
/// </summary>
public static class ClusterKeys
{
    public const int KeyBytes = 32;

    public static bool TryRead(string path, out KeyRing ring, out string error)
    {
        ring = new KeyRing();
        error = "";
        string[] lines;
        try
        {
            lines = File.ReadAllLines(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error = $"--cluster-key-file '{path}' cannot be read: {e.Message}";
            return false;
        }

        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i].Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            int colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                error = $"{path}:{i + 1}: expected '<key-id>:<64 hex digits>'";
                return false;
            }

            string keyId = line[..colon];
            if (!Hex.TryDecode(line[(colon + 1)..], out byte[]? key) || key is null || key.Length != KeyBytes)
            {
                error = $"{path}:{i + 1}: key '{keyId}' must be {KeyBytes * 2} hex digits";
                return false;
            }

            ring.Add(keyId, key);
        }

        if (ring.Count == 0)
        {
            error = $"{path}: holds no key (expected a line '<key-id>:<64 hex digits>'; 'watchdogctl keys generate' writes one)";
            return false;
        }

        return true;
    }
}
