using Watchdog.Board.Persistence;
using Watchdog.Platform.Posix;

namespace Watchdog.Board.Tests.Persistence;

public sealed class EpochFileTests : IDisposable
{
    /// <summary>The board's state directory, new for each test, and the epoch store in it.</summary>
    private readonly TempDirectory dir = new();
    private readonly EpochFile file;

    public EpochFileTests() => file = new EpochFile(dir.Path);

    public void Dispose()
    {
        file.Dispose();
        dir.Dispose();
    }

    [Fact]
    public void Missing_file_is_a_fresh_board_at_epoch_zero()
    {
        Assert.True(file.TryLoad(out long epoch, out _, out bool fresh, out string error), error);
        Assert.Equal(0, epoch);
        Assert.True(fresh);
    }

    [Fact]
    public void Saved_epoch_reads_back_and_a_later_save_replaces_it()
    {
        file.Save(41, "");
        file.Save(42, "");

        var reopened = new EpochFile(dir.Path);
        Assert.True(reopened.TryLoad(out long epoch, out _, out bool fresh, out string error), error);
        Assert.Equal(42, epoch);
        Assert.False(fresh);
        Assert.Equal(file.FilePath, reopened.HeldIn);
    }

    [Fact]
    public void Crash_in_the_middle_of_a_save_keeps_the_old_epoch()
    {
        file.Save(7, "");
        file.Save(8, "");

        // The process dies while 8 is written into the second slot: its payload is torn.
        byte[] raw = File.ReadAllBytes(file.FilePath);
        Array.Clear(raw, SlotFile.SlotBytes + 40, 8);
        File.WriteAllBytes(file.FilePath, raw);

        var restarted = new EpochFile(dir.Path);
        Assert.True(restarted.TryLoad(out long epoch, out _, out _, out string error), error);
        Assert.Equal(7, epoch);
    }

    [Fact]
    public void Torn_temp_file_of_a_board_from_before_the_slots_is_ignored()
    {
        File.WriteAllText(System.IO.Path.Combine(dir.Path, "epoch.tmp"), "watchdog-ep");

        Assert.True(new EpochFile(dir.Path).TryLoad(out long epoch, out _, out bool fresh, out string error), error);
        Assert.Equal(0, epoch);
        Assert.True(fresh);
        Assert.False(File.Exists(System.IO.Path.Combine(dir.Path, "epoch.tmp")));
    }

    [Fact]
    public void The_epoch_file_of_a_board_from_before_the_slots_is_read_and_the_higher_epoch_wins()
    {
        // An upgraded board: only the plain file, which it goes on from.
        File.WriteAllText(file.LegacyPath, EpochFile.Format(12, "s1"));
        Assert.True(new EpochFile(dir.Path).TryLoad(out long epoch, out string? commissioned, out bool fresh, out string error), error);
        Assert.Equal((12L, "s1", false), (epoch, commissioned, fresh));

        // Its next epoch goes to the slots only; the plain file keeps what it had.
        file.Save(13, "s1");
        var reread = new EpochFile(dir.Path);
        Assert.True(reread.TryLoad(out epoch, out _, out _, out error), error);
        Assert.Equal(13, epoch);
        Assert.Equal(reread.FilePath, reread.HeldIn);
        Assert.StartsWith("watchdog-epoch 2 12 ", File.ReadAllText(file.LegacyPath), StringComparison.Ordinal);

        // Taken back to the old version for a while, the board wrote 20 into the plain file.
        File.WriteAllText(file.LegacyPath, EpochFile.Format(20, "s1 s2"));
        reread = new EpochFile(dir.Path);
        Assert.True(reread.TryLoad(out epoch, out commissioned, out _, out error), error);
        Assert.Equal((20L, "s1 s2"), (epoch, commissioned));
        Assert.Equal(reread.LegacyPath, reread.HeldIn);
    }

    [Fact]
    public void Slots_of_which_neither_checks_out_are_refused_with_the_file_named()
    {
        file.Save(3, "");
        byte[] raw = File.ReadAllBytes(file.FilePath);
        raw[40] ^= 0x01;
        File.WriteAllBytes(file.FilePath, raw);

        Assert.False(new EpochFile(dir.Path).TryLoad(out long epoch, out _, out _, out string error));
        Assert.Equal(0, epoch);
        Assert.Contains($"epoch file '{file.FilePath}' is corrupt", error, StringComparison.Ordinal);
        Assert.Contains("CRC-32 does not match", error, StringComparison.Ordinal);
        Assert.Contains("--epoch-floor", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", "an empty file")]
    [InlineData("watchdog-epoch 1 12", "expected 'watchdog-epoch 2 <epoch> <check> [<channel> ...]'")]
    [InlineData("watchdog-epoch 3 12 00000000\n", "format version '3' is not 1 or 2")]
    [InlineData("watchdog-epoch 1 12 00000000 s1\n", "expected 'watchdog-epoch 2")]
    [InlineData("watchdog-epoch 1 -3 00000000\n", "epoch '-3' is not a non-negative integer")]
    [InlineData("hello world", "expected 'watchdog-epoch")]
    public void Corrupt_file_is_refused_with_a_message_naming_the_file_and_the_fault(string content, string expected)
    {
        string path = System.IO.Path.Combine(dir.Path, EpochFile.LegacyFileName);
        File.WriteAllText(path, content);

        Assert.False(new EpochFile(dir.Path).TryLoad(out long epoch, out _, out _, out string error));
        Assert.Equal(0, epoch);
        Assert.Contains(path, error, StringComparison.Ordinal);
        Assert.Contains("corrupt", error, StringComparison.Ordinal);
        Assert.Contains(expected, error, StringComparison.Ordinal);
        Assert.Contains("--epoch-floor", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Changed_digit_fails_the_check()
    {
        File.WriteAllText(file.LegacyPath, EpochFile.Format(1234, "").Replace(" 1234 ", " 1294 ", StringComparison.Ordinal));

        Assert.False(file.TryLoad(out _, out _, out _, out string error));
        Assert.Contains("does not match the epoch", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_state_directory_is_named()
    {
        string missing = System.IO.Path.Combine(dir.Path, "nope");

        Assert.False(new EpochFile(missing).TryLoad(out _, out _, out _, out string error));
        Assert.Contains(missing, error, StringComparison.Ordinal);
        Assert.Contains("does not exist", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Format_and_parse_agree_for_large_epochs_and_commissioning_records()
    {
        foreach (long epoch in new[] { 0L, 1L, 99L, long.MaxValue })
        {
            foreach (string? channels in new[] { null, "", "s1", "s1 rack-2,b" })
            {
                Assert.True(EpochFile.TryParse(EpochFile.Format(epoch, channels), out long back, out string? commissioned, out string why), why);
                Assert.Equal(epoch, back);
                Assert.Equal(channels, commissioned);
            }
        }
    }

    [Fact]
    public void Commissioning_record_survives_a_restart_and_a_store_from_before_it_reads_as_unknown()
    {
        file.Save(5, "s1 s2");
        Assert.True(new EpochFile(dir.Path).TryLoad(out long epoch, out string? commissioned, out _, out string error), error);
        Assert.Equal(5, epoch);
        Assert.Equal("s1 s2", commissioned);

        // What a board wrote before the record existed: version 1, channels unknown (null).
        File.WriteAllText(file.LegacyPath, EpochFile.Format(6, null));
        Assert.StartsWith("watchdog-epoch 1 6 ", File.ReadAllText(file.LegacyPath), StringComparison.Ordinal);
        Assert.True(new EpochFile(dir.Path).TryLoad(out epoch, out commissioned, out _, out error), error);
        Assert.Equal(6, epoch);
        Assert.Null(commissioned);
    }

    [Fact]
    public void A_channel_dropped_from_the_record_fails_the_check()
    {
        File.WriteAllText(file.LegacyPath, EpochFile.Format(9, "s1 s2").Replace(" s2\n", "\n", StringComparison.Ordinal));

        Assert.False(file.TryLoad(out _, out _, out _, out string error));
        Assert.Contains("does not match the epoch and channels", error, StringComparison.Ordinal);
    }
}
