using Watchdog.Firmware.Core.Config;

namespace Watchdog.Operator;

/// <summary>A board configuration read from a file given as <c>--board-config</c>, with the board's own reader.</summary>
public static class BoardConfigFile
{
    /// <summary>Reads <paramref name="path"/>; on failure <paramref name="error"/> names the option and the file.</summary>
    public static bool TryRead(string path, out BoardConfig? config, out string error)
    {
        config = null;
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error = $"--board-config '{path}': {e.Message}";
            return false;
        }

        if (!BoardConfigReader.TryRead(bytes, out config, out string reason) || config is null)
        {
            config = null;
            error = $"--board-config '{path}': {reason}";
            return false;
        }

        error = "";
        return true;
    }
}
