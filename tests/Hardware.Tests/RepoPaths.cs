using Watchdog.Testing;

namespace Hardware.Tests;

/// <summary>
/// The repository's hardware/ folder, found from the test's output directory. The tests read
/// and (with WATCHDOG_REWRITE=1) rewrite the checked-in files themselves, not copies, so a
/// diagram or pin map can never drift from what the tests looked at.
/// </summary>
internal static class RepoPaths
{
    public static string Hardware => Repository.Path("hardware");

    public static string Boards => Path.Combine(Hardware, "boards");

    public static string Diagrams => Path.Combine(Hardware, "diagrams");

    public static string BadPinMaps => Repository.Path("tests", "Hardware.Tests", "BadPinMaps");

    public static bool RewriteRequested => Repository.RewriteRequested;

    public static IReadOnlyList<string> BoardFiles() =>
        Directory.GetFiles(Boards, "*.json").OrderBy(f => f, StringComparer.Ordinal).ToList();
}
