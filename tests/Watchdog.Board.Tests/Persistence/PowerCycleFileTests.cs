using Watchdog.Board.Persistence;
using Watchdog.Board.Tests.Support;
using Watchdog.Firmware.Glue;

namespace Watchdog.Board.Tests.Persistence;

/// <summary>
/// The power cycles under way, on the Linux board (PowerCycleFile) and on the ESP32's flash
/// (PowerCycleSlot, run here on the same System.IO calls): one record each, and a record that
/// does not check out is ignored with a warning that names the file, never guessed from.
/// </summary>
public sealed class PowerCycleFileTests
{
    [Fact]
    public void Record_round_trips_none_one_and_several_channels()
    {
        foreach (string channels in new[] { "", "s1", "s1,s2,rack-b-07" })
        {
            string text = PowerCycleRecord.Format(channels);
            Assert.True(PowerCycleRecord.TryParse(text, out string back, out string why), why);
            Assert.Equal(channels, back);
        }

        Assert.Equal("watchdog-power-cycles 1 - ", PowerCycleRecord.Format("")[..26]);
    }

    [Theory]
    [InlineData("", "expected 'watchdog-power-cycles 1 <channels> <check>', found an empty file")]
    [InlineData("watchdog-power-cycles 1 s1", "expected 'watchdog-power-cycles 1 <channels> <check>'")]
    [InlineData("watchdog-power-cycles 2 s1 00000000\n", "format version '2' is not 1")]
    [InlineData("watchdog-epoch 1 5 00000000\n", "found 'watchdog-epoch 1 5 00000000\\n'")]
    public void Malformed_records_say_what_is_wrong(string text, string expected)
    {
        Assert.False(PowerCycleRecord.TryParse(text, out string channels, out string why));
        Assert.Equal("", channels);
        Assert.Contains(expected, why, StringComparison.Ordinal);
    }

    [Fact]
    public void An_edited_channel_list_fails_its_check()
    {
        string edited = PowerCycleRecord.Format("s1").Replace(" s1 ", " s2 ", StringComparison.Ordinal);
        Assert.False(PowerCycleRecord.TryParse(edited, out _, out string why));
        Assert.Contains("does not match the channels", why, StringComparison.Ordinal);
    }

    [Fact]
    public void Linux_file_saves_loads_and_clears()
    {
        using var dir = new TempDirectory();
        var file = new PowerCycleFile(dir.Path);
        Assert.Equal("", file.Load(out string warning));
        Assert.Equal("", warning);

        file.Save("s2");
        Assert.Equal("s2", new PowerCycleFile(dir.Path).Load(out warning));
        Assert.Equal("", warning);
        Assert.False(File.Exists(file.FilePath + ".tmp"));

        file.Save("");
        Assert.Equal("", new PowerCycleFile(dir.Path).Load(out warning));
        Assert.Equal("", warning);
    }

    [Fact]
    public void Linux_file_that_is_torn_is_ignored_with_a_warning_naming_it_and_a_stale_temp_file_removed()
    {
        using var dir = new TempDirectory();
        var file = new PowerCycleFile(dir.Path);
        file.Save("s1");
        File.WriteAllText(file.FilePath + ".tmp", "watchdog-power-cycles 1 s"); // a crash before the rename
        Assert.Equal("s1", file.Load(out string warning));
        Assert.Equal("", warning);
        Assert.False(File.Exists(file.FilePath + ".tmp"));

        File.WriteAllText(file.FilePath, "watchdog-power-cycles 1 s1 0bad");
        Assert.Equal("", file.Load(out warning));
        Assert.Contains(file.FilePath, warning, StringComparison.Ordinal);
        Assert.Contains("check that every server is on", warning, StringComparison.Ordinal);
    }

    [Fact]
    public void Esp32_slot_saves_loads_and_ignores_a_torn_write()
    {
        using var dir = new TempDirectory();
        var slot = new PowerCycleSlot(dir.Path);
        Assert.Equal("", slot.Load(out string warning));
        slot.Save("s1,s2");
        Assert.Equal("s1,s2", new PowerCycleSlot(dir.Path).Load(out warning));
        Assert.Equal("", warning);

        byte[] whole = File.ReadAllBytes(slot.FilePath);
        File.WriteAllBytes(slot.FilePath, whole[..(whole.Length / 2)]); // power cut mid-write
        Assert.Equal("", slot.Load(out warning));
        Assert.Contains(slot.FilePath, warning, StringComparison.Ordinal);
    }
}
