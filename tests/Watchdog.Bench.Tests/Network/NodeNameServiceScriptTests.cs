using System.Runtime.Versioning;
using Watchdog.Bench.Network;

namespace Watchdog.Bench.Tests.Network;

/// <summary>
/// The node-name service script is written into a fresh private directory, never into the old
/// fixed &lt;tmp&gt;/watchdog-bench: that one may belong to whoever ran the demo first (the
/// demo then died on a permission error), or be a link another user planted to redirect root's writes.
/// TMPDIR points at a scratch folder, so the real temp folder is left alone.
/// </summary>
[Collection("environment")]
[SupportedOSPlatform("linux")]
public sealed class NodeNameServiceScriptTests : IDisposable
{
    private readonly string scratch = Directory.CreateTempSubdirectory("watchdog-bench-test-").FullName;
    private readonly string? savedTmpdir = Environment.GetEnvironmentVariable("TMPDIR");

    public NodeNameServiceScriptTests() => Environment.SetEnvironmentVariable("TMPDIR", scratch);

    public void Dispose()
    {
        Environment.SetEnvironmentVariable("TMPDIR", savedTmpdir);
        Directory.Delete(scratch, recursive: true);
    }

    [Fact]
    public void Each_extraction_gets_a_new_directory_only_its_user_can_enter()
    {
        string a = NodeNameService.ExtractScript();
        string b = NodeNameService.ExtractScript();

        Assert.NotEqual(Path.GetDirectoryName(a), Path.GetDirectoryName(b));
        foreach (string script in new[] { a, b })
        {
            string dir = Path.GetDirectoryName(script)!;
            Assert.Equal(scratch, Path.GetDirectoryName(dir));
            Assert.Null(new DirectoryInfo(dir).LinkTarget);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(dir));
            Assert.Contains("print(\"ready\"", File.ReadAllText(script), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_link_planted_at_the_old_fixed_directory_is_not_written_through()
    {
        string target = Directory.CreateDirectory(Path.Combine(scratch, "planted-target")).FullName;
        string oldFixed = Path.Combine(scratch, "watchdog-bench");
        Directory.CreateSymbolicLink(oldFixed, target);

        string script = NodeNameService.ExtractScript();

        Assert.Empty(Directory.EnumerateFileSystemEntries(target));
        Assert.False(script.StartsWith(oldFixed + "/", StringComparison.Ordinal), script);
        Assert.True(File.Exists(script));
    }

    [Fact]
    public void An_unusable_temp_folder_is_one_sentence_naming_it()
    {
        string missing = Path.Combine(scratch, "no-such-folder");
        Environment.SetEnvironmentVariable("TMPDIR", missing);

        var e = Assert.Throws<Watchdog.Platform.Posix.UnusablePathException>(NodeNameService.ExtractScript);

        Assert.StartsWith($"cannot create a private directory in {missing}/ (", e.Message, StringComparison.Ordinal);
        Assert.EndsWith("; set TMPDIR to a directory you can write to", e.Message, StringComparison.Ordinal);
    }
}
