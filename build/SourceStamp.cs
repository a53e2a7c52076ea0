// Linked into every program whose output goes to docs/results (build/SourceStamp.targets
// compiles it and embeds the commit); not a project of its own, so the benches depend on nothing new.
using System;
using System.Globalization;
using System.Linq;
using System.Reflection;

namespace Watchdog;

/// <summary>
/// The date and commit that raw bench output carries (docs/results/README.md): the commit is the
/// one the assembly was built from, read from its <c>SourceCommit</c> assembly metadata.
/// </summary>
public static class SourceStamp
{
    public const string MetadataKey = "SourceCommit";

    public const string Unknown = "unknown";

    private const string DirtySuffix = "-dirty";

    /// <summary>The commit this program was built from: a full hash, "-dirty" if the tree had changes, or "unknown".</summary>
    public static string Commit => CommitOf(typeof(SourceStamp).Assembly);

    /// <summary>The <c>SourceCommit</c> metadata of <paramref name="assembly"/>, or "unknown" when it has none.</summary>
    public static string CommitOf(Assembly assembly)
    {
        string? value = assembly.GetCustomAttributes<AssemblyMetadataAttribute>().FirstOrDefault(a => a.Key == MetadataKey)?.Value;
        return string.IsNullOrWhiteSpace(value) ? Unknown : value.Trim();
    }

    /// <summary>UTC, ISO 8601 to the second: 2026-12-01T09:30:00Z.</summary>
    public static string Date(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>The header line of text output: "date 2026-12-01T09:30:00Z, commit 7268969...".</summary>
    public static string Header(DateTimeOffset at) => Header(Date(at), Commit);

    public static string Header(string date, string commit) => $"date {date}, commit {commit}";

    /// <summary>The docs/results name, <c>what-YYYY-MM-DD-commit.ext</c>, with the commit shortened to 7 digits ("-dirty" kept).</summary>
    public static string FileName(string what, DateTimeOffset at, string extension) =>
        FileName(what, at, Commit, extension);

    public static string FileName(string what, DateTimeOffset at, string commit, string extension) =>
        $"{what}-{at.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}-{Short(commit)}.{extension}";

    /// <summary>The 7-digit form of a commit, "-dirty" kept; "unknown" as it is.</summary>
    public static string Short(string commit)
    {
        bool dirty = commit.EndsWith(DirtySuffix, StringComparison.Ordinal);
        string hash = dirty ? commit[..^DirtySuffix.Length] : commit;
        return (hash.Length > 7 && hash.All(Uri.IsHexDigit) ? hash[..7] : hash) + (dirty ? DirtySuffix : string.Empty);
    }

    /// <summary>True when the commit says uncommitted changes were built in (the figures belong to no commit).</summary>
    public static bool IsDirty(string commit) => commit.EndsWith(DirtySuffix, StringComparison.Ordinal);
}
