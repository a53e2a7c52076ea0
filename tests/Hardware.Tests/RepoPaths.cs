namespace Hardware.Tests;

/// <summary>
/// Locates the repository's hardware/ folder from the test's output directory. The tests read
/// and (with WATCHDOG_REWRITE=1) rewrite the checked-in files themselves, not copies, so a
/// diagram or pin map can never drift from what the tests looked at.
/// </summary>
internal static class RepoPaths
{
    private static readonly Lazy<string> Root = new(FindRoot);

    public static string RepoRoot => Root.Value;

    public static string Hardware => Path.Combine(RepoRoot, "hardware");

    public static string Boards => Path.Combine(Hardware, "boards");

    public static string Diagrams => Path.Combine(Hardware, "diagrams");

    public static string BadPinMaps => Path.Combine(RepoRoot, "tests", "Hardware.Tests", "BadPinMaps");

    public static bool RewriteRequested =>
        Environment.GetEnvironmentVariable("WATCHDOG_REWRITE") == "1";

    public static IReadOnlyList<string> BoardFiles() =>
        Directory.GetFiles(Boards, "*.json").OrderBy(f => f, StringComparer.Ordinal).ToList();

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null)
        {
            if (Directory.Exists(Path.Combine(dir.FullName, "hardware", "boards"))
                && File.Exists(Path.Combine(dir.FullName, "Watchdog.sln")))
            {
                return dir.FullName;
            }
            dir = dir.Parent;
        }
        throw new InvalidOperationException(
            $"cannot find the repository root (a folder with Watchdog.sln and hardware/boards) above {AppContext.BaseDirectory}");
    }
}
