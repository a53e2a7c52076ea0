using System.Diagnostics;
using System.Globalization;
using System.Runtime.Versioning;
using Watchdog.Platform.Posix;

namespace Watchdog.Sim.Tests.Paths;

/// <summary>
/// Private per-run directories and the subnet lock: nothing follows a link planted where our files
/// go, nothing uses a directory another user owns or can write, and the lock still excludes a
/// second process.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class PrivatePathTests : IDisposable
{
    private const UnixFileMode Mode0700 = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    // Planted links, their targets and lock directories live here; the helper's own temp directories go to TMPDIR.
    private readonly string scratch = Directory.CreateTempSubdirectory("watchdog-private-test-").FullName;
    private readonly List<string> made = [];

    private string LockDirectory => Path.Combine(scratch, "run");

    private string LockPath => Path.Combine(LockDirectory, "subnets.lock");

    public void Dispose()
    {
        foreach (string dir in made.Append(scratch))
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void A_temp_directory_is_new_on_every_call_mode_0700_and_ours()
    {
        string a = Made(PrivatePath.CreateTempDirectory("watchdog-private-test-"));
        string b = Made(PrivatePath.CreateTempDirectory("watchdog-private-test-"));

        Assert.NotEqual(a, b);
        foreach (string dir in new[] { a, b })
        {
            Assert.StartsWith(Path.GetTempPath(), dir, StringComparison.Ordinal);
            Assert.Null(new DirectoryInfo(dir).LinkTarget);
            Assert.Equal(Mode0700, File.GetUnixFileMode(dir));
            Assert.Equal(CurrentUid(), OwnerUid(dir));
            Assert.Empty(Directory.EnumerateFileSystemEntries(dir));
        }
    }

    [Fact]
    public void A_missing_lock_directory_is_created_0700_and_ours()
    {
        using FileStream held = PrivatePath.AcquireLock(LockPath, TimeSpan.Zero);

        Assert.Equal(Mode0700, File.GetUnixFileMode(LockDirectory));
        Assert.Equal(CurrentUid(), OwnerUid(LockDirectory));
        Assert.True(File.Exists(LockPath));
    }

    [Fact]
    public void The_lock_excludes_another_process_until_it_lets_go()
    {
        using Process other = ChildProcessMain.Start("lock-hold", LockPath);
        try
        {
            Assert.Equal("holding", other.StandardOutput.ReadLine());

            var e = Assert.Throws<UnusablePathException>(() => PrivatePath.AcquireLock(LockPath, TimeSpan.Zero));
            Assert.StartsWith($"{LockPath} stayed locked by another process", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            other.Kill();
            other.WaitForExit();
        }

        using FileStream mine = PrivatePath.AcquireLock(LockPath, TimeSpan.Zero);
    }

    [Fact]
    public void A_link_planted_at_the_lock_path_is_refused_and_its_target_never_created()
    {
        PrivatePath.EnsureDirectory(LockDirectory);
        string target = Path.Combine(scratch, "created-through-the-link");
        File.CreateSymbolicLink(LockPath, target);

        var e = Assert.Throws<UnusablePathException>(() => PrivatePath.AcquireLock(LockPath, TimeSpan.Zero));

        Assert.StartsWith($"{LockPath} is a symbolic link (to {target})", e.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(target));
    }

    [Fact]
    public void A_link_planted_at_the_lock_path_to_an_existing_file_leaves_that_file_alone()
    {
        PrivatePath.EnsureDirectory(LockDirectory);
        string target = Path.Combine(scratch, "precious");
        File.WriteAllText(target, "precious\n");
        var stamp = new DateTime(2001, 2, 3, 4, 5, 6, DateTimeKind.Utc);
        File.SetLastWriteTimeUtc(target, stamp);
        File.CreateSymbolicLink(LockPath, target);

        var e = Assert.Throws<UnusablePathException>(() => PrivatePath.AcquireLock(LockPath, TimeSpan.Zero));

        Assert.Contains("symbolic link", e.Message, StringComparison.Ordinal);
        Assert.Equal("precious\n", File.ReadAllText(target));
        Assert.Equal(stamp, File.GetLastWriteTimeUtc(target));
    }

    [Fact]
    public void A_link_planted_in_place_of_the_lock_directory_is_refused_and_not_followed()
    {
        string elsewhere = Directory.CreateDirectory(Path.Combine(scratch, "elsewhere")).FullName;
        Directory.CreateSymbolicLink(LockDirectory, elsewhere);

        var e = Assert.Throws<UnusablePathException>(() => PrivatePath.AcquireLock(LockPath, TimeSpan.Zero));

        Assert.StartsWith($"{LockDirectory} is a symbolic link (to {elsewhere})", e.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(elsewhere));
    }

    [Fact]
    public void A_lock_directory_others_can_write_is_refused()
    {
        Directory.CreateDirectory(LockDirectory);
        File.SetUnixFileMode(LockDirectory, Mode0700 | UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute);

        var e = Assert.Throws<UnusablePathException>(() => PrivatePath.AcquireLock(LockPath, TimeSpan.Zero));

        Assert.Equal($"{LockDirectory} can be written by other users (mode 0777); run chmod 700 {LockDirectory} or remove it, then run again", e.Message);
        Assert.False(File.Exists(LockPath));
    }

    [RootFact("it hands a directory to another user (chown 65534)")]
    public void A_lock_directory_owned_by_another_user_is_a_clear_error()
    {
        Directory.CreateDirectory(LockDirectory, Mode0700);
        HostCommand.RunChecked("chown", "65534", LockDirectory);

        var e = Assert.Throws<UnusablePathException>(() => PrivatePath.AcquireLock(LockPath, TimeSpan.Zero));

        Assert.Equal($"{LockDirectory} belongs to uid 65534, not to this user (uid 0); remove it (as its owner or root), then run again", e.Message);
        Assert.False(File.Exists(LockPath));
    }

    [RootFact("it hands a file to another user (chown 65534)")]
    public void A_lock_file_owned_by_another_user_is_a_clear_error()
    {
        PrivatePath.EnsureDirectory(LockDirectory);
        File.WriteAllText(LockPath, "");
        HostCommand.RunChecked("chown", "65534", LockPath);

        var e = Assert.Throws<UnusablePathException>(() => PrivatePath.AcquireLock(LockPath, TimeSpan.Zero));

        Assert.Equal($"{LockPath} belongs to uid 65534, not to this user (uid 0); remove it (as its owner or root), then run again", e.Message);
    }

    private string Made(string dir)
    {
        made.Add(dir);
        return dir;
    }

    private static int CurrentUid() => int.Parse(HostCommand.RunChecked("id", "-u").Trim(), CultureInfo.InvariantCulture);

    private static int OwnerUid(string path) => int.Parse(HostCommand.RunChecked("stat", "-c", "%u", path).Trim(), CultureInfo.InvariantCulture);
}
