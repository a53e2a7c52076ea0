using Watchdog.Firmware.Glue;

namespace Watchdog.Board.Tests.Glue;

/// <summary>The ESP32's epoch store (two slots, no rename), run here on the same System.IO calls.</summary>
public sealed class EpochSlotsTests
{
    [Fact]
    public void No_slot_is_a_fresh_board()
    {
        using var dir = new TempDirectory();
        Assert.Equal(0, EpochAfterReboot(dir.Path));
    }

    [Fact]
    public void Saves_alternate_between_slots_and_the_newest_wins()
    {
        using var dir = new TempDirectory();
        var slots = new EpochSlots(dir.Path);
        slots.Save(1, "s1");
        slots.Save(2, "s1");
        slots.Save(3, "s1");
        Assert.True(File.Exists(slots.SlotA));
        Assert.True(File.Exists(slots.SlotB));

        var rebooted = new EpochSlots(dir.Path);
        Assert.True(rebooted.TryLoad(out long epoch, out _, out string error), error);
        Assert.Equal(3, epoch);

        // After a reboot the next save goes to the older slot, so the newest survives a torn write.
        rebooted.Save(4, "s1 s2");
        Assert.True(new EpochSlots(dir.Path).TryLoad(out epoch, out string? commissioned, out error), error);
        Assert.Equal(4, epoch);
        Assert.Equal("s1 s2", commissioned);
    }

    [Fact]
    public void A_member_heard_at_an_unchanged_epoch_is_remembered_whichever_slot_it_went_to()
    {
        using var dir = new TempDirectory();
        var slots = new EpochSlots(dir.Path);
        slots.Save(5, "s1");     // slot A
        slots.Save(5, "s1 s2");  // slot B: s2 heard for the first time, no new grant

        Assert.True(new EpochSlots(dir.Path).TryLoad(out long epoch, out string? commissioned, out string error), error);
        Assert.Equal((5L, "s1 s2"), (epoch, commissioned));

        slots.Save(5, "s1 s2 s3"); // slot A again
        Assert.True(new EpochSlots(dir.Path).TryLoad(out epoch, out commissioned, out error), error);
        Assert.Equal((5L, "s1 s2 s3"), (epoch, commissioned));
    }

    [Fact]
    public void Power_cut_while_writing_tears_one_slot_and_the_previous_epoch_survives()
    {
        using var dir = new TempDirectory();
        var slots = new EpochSlots(dir.Path);
        slots.Save(10, "s1"); // slot A
        slots.Save(11, "s1"); // slot B
        // The next save (12) would go to A: simulate it torn half-way.
        File.WriteAllText(slots.SlotA, "watchdog-epoch 1 1");

        Assert.Equal(11, EpochAfterReboot(dir.Path));
    }

    [Fact]
    public void Every_slot_corrupt_refuses_to_start_naming_both()
    {
        using var dir = new TempDirectory();
        var slots = new EpochSlots(dir.Path);
        File.WriteAllText(slots.SlotA, "garbage");
        File.WriteAllText(slots.SlotB, "watchdog-epoch 1 5 00000000\n");

        Assert.False(new EpochSlots(dir.Path).TryLoad(out long epoch, out _, out string error));
        Assert.Equal(0, epoch);
        Assert.Contains(slots.SlotA + ": expected 'watchdog-epoch 2 <epoch> <check> [<channel> ...]', found 'garbage'", error, StringComparison.Ordinal);
        Assert.Contains(slots.SlotB + ": check '00000000' does not match the epoch", error, StringComparison.Ordinal);
        Assert.Contains("will not start on a guessed epoch", error, StringComparison.Ordinal);
    }

    /// <summary>The epoch a rebooted board loads from <paramref name="dir"/>; the load itself must succeed.</summary>
    private static long EpochAfterReboot(string dir)
    {
        Assert.True(new EpochSlots(dir).TryLoad(out long epoch, out _, out string error), error);
        return epoch;
    }
}
