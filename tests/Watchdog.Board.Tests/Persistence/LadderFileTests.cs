using Watchdog.Board.Persistence;
using Watchdog.Firmware.Glue;

namespace Watchdog.Board.Tests.Persistence;

/// <summary>
/// The ladder record, on the Linux board (LadderFile) and on the ESP32's flash (LadderSlot, run
/// here on the same System.IO calls): one record each, and a record that
/// does not check out is ignored with a warning that names the file, never guessed from.
/// </summary>
public sealed class LadderFileTests
{
    [Fact]
    public void Record_round_trips_nothing_one_and_several_entries()
    {
        foreach (string channels in new[] { "", "cycling:s1", "cycling:s1 1767225600000,1767225700000:rack,b@07:x" })
        {
            string text = LadderRecord.Format(channels);
            Assert.True(LadderRecord.TryParse(text, out string back, out string why), why);
            Assert.Equal(channels, back);
        }

        Assert.StartsWith("watchdog-ladder 1 ", LadderRecord.Format(""), StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => LadderRecord.Format("s1  s2"));
    }

    [Theory]
    [InlineData("", "expected 'watchdog-ladder 1 <check> <entry>...', found an empty file")]
    [InlineData("watchdog-ladder 1", "expected 'watchdog-ladder 1 <check> <entry>...'")]
    [InlineData("watchdog-ladder 1 cycling:s1", "check 'cycling:s1' does not match the entries")]
    [InlineData("watchdog-ladder 2 00000000 cycling:s1\n", "format version '2' is not 1")]
    [InlineData("watchdog-epoch 1 5 00000000\n", "found 'watchdog-epoch 1 5 00000000\\n'")]
    public void Malformed_records_say_what_is_wrong(string text, string expected)
    {
        Assert.False(LadderRecord.TryParse(text, out string channels, out string why));
        Assert.Equal("", channels);
        Assert.Contains(expected, why, StringComparison.Ordinal);
    }

    [Fact]
    public void An_edited_entry_fails_its_check()
    {
        string edited = LadderRecord.Format("cycling:s1").Replace(":s1\n", ":s2\n", StringComparison.Ordinal);
        Assert.False(LadderRecord.TryParse(edited, out _, out string why));
        Assert.Contains("does not match the entries", why, StringComparison.Ordinal);
    }

    [Fact]
    public void Linux_file_saves_loads_and_clears()
    {
        using var dir = new TempDirectory();
        using var file = new LadderFile(dir.Path);
        Assert.Equal("", file.Load(out string warning));
        Assert.Equal("", warning);

        file.Save("cycling:s2");
        Assert.Equal("cycling:s2", new LadderFile(dir.Path).Load(out warning));
        Assert.Equal("", warning);
        Assert.False(File.Exists(file.FilePath + ".tmp"));

        file.Save("");
        Assert.Equal("", new LadderFile(dir.Path).Load(out warning));
        Assert.Equal("", warning);
    }

    [Fact]
    public void Linux_file_that_is_torn_is_ignored_with_a_warning_naming_it_and_a_stale_temp_file_removed()
    {
        using var dir = new TempDirectory();
        using var file = new LadderFile(dir.Path);
        file.Save("cycling:s1");
        File.WriteAllText(file.LegacyPath + ".tmp", "watchdog-ladder 1 0"); // an older board's crash before its rename
        Assert.Equal("cycling:s1", file.Load(out string warning));
        Assert.Equal("", warning);
        Assert.False(File.Exists(file.LegacyPath + ".tmp"));

        byte[] raw = File.ReadAllBytes(file.FilePath);
        raw[40] ^= 0x01; // the only record written, altered
        File.WriteAllBytes(file.FilePath, raw);
        Assert.Equal("", new LadderFile(dir.Path).Load(out warning));
        Assert.Contains(file.FilePath, warning, StringComparison.Ordinal);
        Assert.Contains("CRC-32 does not match", warning, StringComparison.Ordinal);
        Assert.Contains("check that every server is on", warning, StringComparison.Ordinal);
    }

    [Fact]
    public void Linux_file_of_a_board_from_before_the_slots_is_read_until_the_first_save()
    {
        using var dir = new TempDirectory();
        using var file = new LadderFile(dir.Path);
        File.WriteAllText(file.LegacyPath, LadderRecord.Format("cycling:s3"));
        Assert.Equal("cycling:s3", file.Load(out string warning));
        Assert.Equal("", warning);

        file.Save("");
        Assert.Equal("", new LadderFile(dir.Path).Load(out warning));
        Assert.Equal("", warning);

        File.WriteAllText(file.LegacyPath, "watchdog-ladder 1 0bad cycling:s1");
        Assert.Equal("", new LadderFile(dir.Path).Load(out warning)); // the slots are the record now
        Assert.Equal("", warning);
    }

    [Fact]
    public void Esp32_slot_saves_loads_and_ignores_a_torn_write()
    {
        using var dir = new TempDirectory();
        var slot = new LadderSlot(dir.Path);
        Assert.Equal("", slot.Load(out string warning));
        slot.Save("cycling:s1 cycling:s2");
        Assert.Equal("cycling:s1 cycling:s2", new LadderSlot(dir.Path).Load(out warning));
        Assert.Equal("", warning);

        byte[] whole = File.ReadAllBytes(slot.FilePath);
        File.WriteAllBytes(slot.FilePath, whole[..(whole.Length / 2)]); // power cut mid-write
        Assert.Equal("", slot.Load(out warning));
        Assert.Contains(slot.FilePath, warning, StringComparison.Ordinal);
    }
}
