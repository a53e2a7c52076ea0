namespace Watchdog.Firmware.Core.Tests.Harness;

/// <summary>
/// Finds the repository from the test's output directory, so golden files and generated docs
/// are read (and with WATCHDOG_REWRITE=1 rewritten) in place, never as copies.
/// </summary>
internal static class RepoPaths
{
    private static readonly Lazy<string> Root = new(FindRoot);

    public static string RepoRoot => Root.Value;

    public static string Scenarios => Path.Combine(RepoRoot, "tests", "Watchdog.Firmware.Core.Tests", "Scenarios");

    /// <summary>Golden files of the core's tables and public API (not scenarios).</summary>
    public static string Golden => Path.Combine(RepoRoot, "tests", "Watchdog.Firmware.Core.Tests", "Golden");

    public static string Docs => Path.Combine(RepoRoot, "docs");

    public static bool RewriteRequested => Environment.GetEnvironmentVariable("WATCHDOG_REWRITE") == "1";

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Watchdog.sln")))
            {
                return dir.FullName;
            }

            dir = dir.Parent;
        }

        throw new InvalidOperationException($"cannot find the repository root (a folder with Watchdog.sln) above {AppContext.BaseDirectory}");
    }
}
