namespace Watchdog.Testing;

/// <summary>
/// Finds the repository from the test's output directory, so checked-in files (golden files, pin
/// maps, docs) are read, and with WATCHDOG_REWRITE=1 rewritten, in place, never as copies.
/// </summary>
public static class Repository
{
    private static readonly Lazy<string> RootDirectory = new(FindRoot);

    /// <summary>The folder holding Watchdog.sln.</summary>
    public static string Root => RootDirectory.Value;

    /// <summary>True when the tests are asked to rewrite the checked-in files they compare against.</summary>
    public static bool RewriteRequested => Environment.GetEnvironmentVariable("WATCHDOG_REWRITE") == "1";

    /// <summary>A path inside the repository: <c>Repository.Path("hardware", "boards")</c>.</summary>
    public static string Path(params string[] parts) => System.IO.Path.Combine([Root, .. parts]);

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "Watchdog.sln")))
            {
                return dir.FullName;
            }

            dir = dir.Parent;
        }

        throw new InvalidOperationException($"cannot find the repository root (a folder with Watchdog.sln) above {AppContext.BaseDirectory}");
    }
}
