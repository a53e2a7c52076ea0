namespace Watchdog.Agent.Tests;

/// <summary>Log-pattern checks: lines appended to a file, across rotation by rename and by truncation, and the journal.</summary>
public sealed class LogWatchTests
{
    private static List<string> Poll(LogFileFollower f)
    {
        var lines = new List<string>();
        f.Poll(lines.Add);
        return lines;
    }

    [Fact]
    public void Follower_skips_old_lines_then_hands_over_complete_new_lines()
    {
        using var dir = new TempDirectory();
        string log = dir.Write("app.log", "old line\n");
        using var f = new LogFileFollower(log);
        Assert.Empty(Poll(f));
        File.AppendAllText(log, "one\ntwo\npart");
        Assert.Equal(new[] { "one", "two" }, Poll(f));
        File.AppendAllText(log, "ial\n");
        Assert.Equal(new[] { "partial" }, Poll(f));
    }

    [Fact]
    public void Follower_survives_rotation_by_rename_and_reads_the_old_files_last_lines()
    {
        using var dir = new TempDirectory();
        string log = dir.Write("app.log", "");
        using var f = new LogFileFollower(log);
        Poll(f);
        File.AppendAllText(log, "before rotation\n");
        File.Move(log, dir.File("app.log.1"));
        File.AppendAllText(dir.File("app.log.1"), "late write to the old file\n");
        File.WriteAllText(log, "first in new file\n");
        List<string> lines = Poll(f);
        Assert.Equal(new[] { "before rotation", "late write to the old file", "first in new file" }, lines);
        Assert.Equal("rotated", f.LastEvent);
        File.AppendAllText(log, "second in new file\n");
        Assert.Equal(new[] { "second in new file" }, Poll(f));
    }

    [Fact]
    public void Follower_survives_rotation_while_the_new_file_does_not_exist_yet()
    {
        using var dir = new TempDirectory();
        string log = dir.Write("app.log", "");
        using var f = new LogFileFollower(log);
        Poll(f);
        File.Move(log, dir.File("app.log.1"));
        Assert.Empty(Poll(f));
        File.WriteAllText(log, "created later\n");
        Assert.Equal(new[] { "created later" }, Poll(f));
    }

    [Fact]
    public void Follower_survives_truncation_copytruncate_style()
    {
        using var dir = new TempDirectory();
        string log = dir.Write("app.log", "");
        using var f = new LogFileFollower(log);
        Poll(f);
        File.AppendAllText(log, "a fairly long line before the truncation\n");
        Assert.Single(Poll(f));
        using (var s = new FileStream(log, FileMode.Open, FileAccess.Write, FileShare.ReadWrite))
        {
            s.SetLength(0);
        }

        File.AppendAllText(log, "after\n");
        Assert.Equal(new[] { "after" }, Poll(f));
        Assert.Equal("truncated", f.LastEvent);
    }

    [Fact]
    public async Task Log_check_fires_on_the_rate_threshold_across_a_rotation_and_clears_after_the_window()
    {
        using var dir = new TempDirectory();
        string log = dir.Write("app.log", "ERROR before the agent started\n");
        var time = new FakeTimeProvider(DateTimeOffset.FromUnixTimeMilliseconds(1_000_000));
        using var probe = new LogFileProbe(log, "ERROR|FATAL", maxMatches: 3, windowMs: 60_000, time);
        Assert.True((await probe.ProbeAsync(CancellationToken.None)).Ok); // old lines do not count

        File.AppendAllText(log, "INFO fine\nERROR one\n");
        Assert.True((await probe.ProbeAsync(CancellationToken.None)).Ok);
        File.AppendAllText(log, "ERROR two\n");
        File.Move(log, dir.File("app.log.1"));
        File.WriteAllText(log, "FATAL three\n");
        time.Advance(TimeSpan.FromSeconds(1));
        ProbeOutcome fired = await probe.ProbeAsync(CancellationToken.None);
        Assert.False(fired.Ok);
        Assert.StartsWith("3 match(es)", fired.Detail, StringComparison.Ordinal);
        Assert.Contains("FATAL three", fired.Detail, StringComparison.Ordinal);

        time.Advance(TimeSpan.FromSeconds(61));
        Assert.True((await probe.ProbeAsync(CancellationToken.None)).Ok);
    }

    [Fact]
    public async Task Journal_check_matches_message_fields_from_journalctl_json()
    {
        using var dir = new TempDirectory();
        // A stand-in for journalctl -f -o json: the probe's contract is one JSON object per line
        // with a MESSAGE field (a string, or an array of bytes for binary data).
        string fake = dir.Write("journalctl", """
            #!/bin/sh
            echo '{"MESSAGE":"systemd: started"}'
            echo '{"MESSAGE":"kernel: Out of memory: Killed process 42"}'
            echo '{"MESSAGE":[79,117,116,32,111,102,32,109,101,109,111,114,121]}'
            echo 'not json'
            sleep 30
            """.Replace("            ", "", StringComparison.Ordinal));
        File.SetUnixFileMode(fake, UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.UserWrite);
        using var stop = new CancellationTokenSource();
        var probe = new JournalProbe("Out of memory", maxMatches: 2, windowMs: 60_000, unit: "", TimeProvider.System, fake);
        Assert.False((await probe.ProbeAsync(CancellationToken.None)).Ok); // not started: blind, so failing
        probe.Start(stop.Token);
        ProbeOutcome o = default;
        // Until both matches are counted: the stand-in's lines arrive as soon as the shell runs,
        // which on a loaded 2-core machine took over 5 s once (60 s is only the give-up point).
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            o = await probe.ProbeAsync(CancellationToken.None);
            if (!o.Ok && o.Detail.StartsWith("2 match", StringComparison.Ordinal))
            {
                break;
            }

            await Task.Delay(100);
        }

        stop.Cancel();
        Assert.False(o.Ok);
        Assert.StartsWith("2 match(es) in journal", o.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Journal_check_says_so_when_journalctl_cannot_run()
    {
        using var stop = new CancellationTokenSource();
        var probe = new JournalProbe("x", 1, 1000, "", TimeProvider.System, "/nonexistent/journalctl");
        probe.Start(stop.Token);
        // The first start runs on a thread-pool thread: wait until the probe has tried (on a
        // loaded machine 300 ms were not enough), not for a fixed time.
        ProbeOutcome o = await probe.ProbeAsync(CancellationToken.None);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (o.Detail.StartsWith("journalctl not started yet", StringComparison.Ordinal) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
            o = await probe.ProbeAsync(CancellationToken.None);
        }

        stop.Cancel();
        Assert.False(o.Ok);
        Assert.StartsWith("cannot run /nonexistent/journalctl", o.Detail, StringComparison.Ordinal);
    }
}
