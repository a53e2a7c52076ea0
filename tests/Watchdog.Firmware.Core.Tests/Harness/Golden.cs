namespace Watchdog.Firmware.Core.Tests.Harness;

/// <summary>
/// Golden files: the checked-in text is what the code must produce. WATCHDOG_REWRITE=1 writes
/// what it produces instead (review the diff before committing).
/// </summary>
internal static class Golden
{
    public static string Read(string path) => File.ReadAllText(path).Replace("\r\n", "\n", StringComparison.Ordinal);

    public static void Check(string path, string actual)
    {
        if (RepoPaths.RewriteRequested)
        {
            if (!File.Exists(path) || Read(path) != actual)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                File.WriteAllText(path, actual);
            }

            return;
        }

        Assert.True(File.Exists(path), $"{path} is missing; run WATCHDOG_REWRITE=1 dotnet test tests/Watchdog.Firmware.Core.Tests");
        Assert.Equal(Read(path), actual);
    }
}
