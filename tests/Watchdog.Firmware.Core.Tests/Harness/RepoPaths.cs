using Watchdog.Testing;

namespace Watchdog.Firmware.Core.Tests.Harness;

/// <summary>
/// The folders the tests read checked-in files from: golden files and generated docs are read
/// (and with WATCHDOG_REWRITE=1 rewritten) in place, never as copies.
/// </summary>
internal static class RepoPaths
{
    public static string RepoRoot => Repository.Root;

    public static string Scenarios => Repository.Path("tests", "Watchdog.Firmware.Core.Tests", "Scenarios");

    /// <summary>Golden files of the core's tables and public API (not scenarios).</summary>
    public static string Golden => Repository.Path("tests", "Watchdog.Firmware.Core.Tests", "Golden");

    public static string Docs => Repository.Path("docs");

    public static bool RewriteRequested => Repository.RewriteRequested;
}
