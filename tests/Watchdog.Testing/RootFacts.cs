using System.Diagnostics;
using System.Runtime.InteropServices;
using Xunit;

namespace Watchdog.Testing;

/// <summary>
/// A fact that only root may run (network namespaces, veth pairs, chown): skipped with the reason
/// otherwise. CI runs the tests as root, so it runs there.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class RootFactAttribute : FactAttribute
{
    public RootFactAttribute()
        : this(RootOnly.NamespacesReason)
    {
    }

    /// <param name="why">What the test does that only root may (the skip reason says it).</param>
    /// <param name="commands">Programs the test runs, which must be on PATH too.</param>
    public RootFactAttribute(string why, params string[] commands)
    {
        Skip = RootOnly.SkipReason(why, commands);
    }
}

/// <summary>The theory form of <see cref="RootFactAttribute"/>.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class RootTheoryAttribute : TheoryAttribute
{
    public RootTheoryAttribute()
        : this(RootOnly.NamespacesReason)
    {
    }

    /// <param name="why">What the test does that only root may (the skip reason says it).</param>
    /// <param name="commands">Programs the test runs, which must be on PATH too.</param>
    public RootTheoryAttribute(string why, params string[] commands)
    {
        Skip = RootOnly.SkipReason(why, commands);
    }
}

/// <summary>Whether this process may do what root-only tests do, and if not, why not.</summary>
public static partial class RootOnly
{
    public const string NamespacesReason = "network namespaces and veth pairs need CAP_SYS_ADMIN";

    /// <summary>True when the effective user is root.</summary>
    public static bool IsRoot => GetEffectiveUserId() == 0;

    /// <summary>Null when the test can run; otherwise the skip reason (not root, or a program missing from PATH).</summary>
    public static string? SkipReason(string why, params string[] commands)
    {
        if (!IsRoot)
        {
            return $"needs root: {why} (CI runs these as root)";
        }

        string[] missing = Array.FindAll(commands, c => !HasCommand(c));
        return missing.Length == 0 ? null : "needs " + string.Join(", ", missing) + " on PATH";
    }

    /// <summary>Whether <paramref name="name"/> is a program on PATH (what <c>command -v</c> says).</summary>
    public static bool HasCommand(string name)
    {
        using Process shell = Process.Start(new ProcessStartInfo("/bin/sh", ["-c", "command -v " + name])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        shell.StandardOutput.ReadToEnd();
        shell.StandardError.ReadToEnd();
        shell.WaitForExit();
        return shell.ExitCode == 0;
    }

    [LibraryImport("libc", EntryPoint = "geteuid")]
    private static partial uint GetEffectiveUserId();
}
