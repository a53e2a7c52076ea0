using System.Text;
using Watchdog.Platform.Posix;

namespace Watchdog.Board.Tests.Persistence;

/// <summary>
/// The record written in place: two slots taking turns, the newest that checks out wins, and a
/// write torn by a power cut costs only the record it was writing.
/// </summary>
public sealed class SlotFileTests : IDisposable
{
    private readonly TempDirectory dir = new();
    private readonly string path;

    public SlotFileTests() => path = dir.File("record.slots");

    public void Dispose() => dir.Dispose();

    [Fact]
    public void A_missing_file_reads_as_nothing_and_the_first_write_gives_it_its_full_size()
    {
        using var file = new SlotFile(path);
        Assert.Null(file.Read());

        file.Write(Bytes("one"));

        Assert.Equal(2 * SlotFile.SlotBytes, new FileInfo(path).Length);
        Assert.False(File.Exists(path + ".tmp"));
        Assert.Equal("one", Text(new SlotFile(path).Read()));
    }

    [Fact]
    public void Writes_take_turns_between_the_slots_and_the_newest_is_read_back()
    {
        using (var file = new SlotFile(path))
        {
            file.Write(Bytes("one"));
            file.Write(Bytes("two"));
            file.Write(Bytes("three"));
        }

        byte[] raw = File.ReadAllBytes(path);
        Assert.Equal("three", Text(Payload(raw, 0)));
        Assert.Equal("two", Text(Payload(raw, 1)));
        Assert.Equal("three", Text(new SlotFile(path).Read()));
    }

    [Fact]
    public void A_torn_write_leaves_the_record_before_it()
    {
        using (var file = new SlotFile(path))
        {
            file.Write(Bytes("epoch 7"));
            file.Write(Bytes("epoch 8"));
        }

        // The power fails while "epoch 8" is written: its last byte never reaches the disk.
        byte[] raw = File.ReadAllBytes(path);
        raw[SlotFile.SlotBytes + 32 + 6] = 0;
        File.WriteAllBytes(path, raw);

        Assert.Equal("epoch 7", Text(new SlotFile(path).Read()));
    }

    [Fact]
    public void An_old_payload_under_a_new_header_is_not_read_as_the_newest()
    {
        using (var file = new SlotFile(path))
        {
            file.Write(Bytes("epoch 7"));
            file.Write(Bytes("epoch 8"));
            file.Write(Bytes("epoch 9")); // over "epoch 7", in the first slot
        }

        // A torn write of a tenth record into the second slot: the new header landed, the new
        // payload did not, so the slot holds sequence 4 over the payload of sequence 2.
        byte[] raw = File.ReadAllBytes(path);
        byte[] header = SlotFile.Encode(4, Bytes("epoch X"));
        Array.Copy(header, 0, raw, SlotFile.SlotBytes, 32);
        File.WriteAllBytes(path, raw);

        Assert.Equal("epoch 9", Text(new SlotFile(path).Read()));
    }

    [Fact]
    public void A_reopened_file_goes_on_in_the_slot_after_the_newest()
    {
        using (var first = new SlotFile(path))
        {
            first.Write(Bytes("a"));
            first.Write(Bytes("b"));
        }

        using (var second = new SlotFile(path))
        {
            second.Write(Bytes("c")); // must not overwrite "b"
        }

        byte[] raw = File.ReadAllBytes(path);
        Assert.Equal("c", Text(Payload(raw, 0)));
        Assert.Equal("b", Text(Payload(raw, 1)));
    }

    [Fact]
    public void Neither_slot_checking_out_is_an_error_naming_the_file_and_both_faults()
    {
        using (var file = new SlotFile(path))
        {
            file.Write(Bytes("only"));
        }

        byte[] raw = File.ReadAllBytes(path);
        raw[32] ^= 0x01;
        File.WriteAllBytes(path, raw);

        var e = Assert.Throws<InvalidDataException>(() => new SlotFile(path).Read());
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.Contains("first: CRC-32 does not match", e.Message, StringComparison.Ordinal);
        Assert.Contains("second: never written", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_of_the_wrong_size_and_a_record_too_large_are_named()
    {
        File.WriteAllText(path, "watchdog-epoch 1 5 00000000\n");
        var wrongSize = Assert.Throws<InvalidDataException>(() => new SlotFile(path).Read());
        Assert.Contains($"'{path}' is 28 bytes, not the {2 * SlotFile.SlotBytes} of two slots", wrongSize.Message, StringComparison.Ordinal);

        using var file = new SlotFile(dir.File("big.slots"));
        var tooLarge = Assert.Throws<IOException>(() => file.Write(new byte[SlotFile.SlotBytes]));
        Assert.Contains("does not fit a slot of", tooLarge.Message, StringComparison.Ordinal);
        Assert.Contains("big.slots", tooLarge.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_write_after_a_file_that_did_not_check_out_starts_it_again_at_its_full_size()
    {
        File.WriteAllText(path, "watchdog-ladder 1 0bad"); // what a board from before the slots might leave
        using (var file = new SlotFile(path))
        {
            Assert.Throws<InvalidDataException>(() => file.Read());
            file.Write(Bytes("fresh"));
        }

        Assert.Equal(2 * SlotFile.SlotBytes, new FileInfo(path).Length);
        Assert.Equal("fresh", Text(new SlotFile(path).Read()));
    }

    private static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    private static string Text(byte[]? bytes) => bytes is null ? "<none>" : Encoding.UTF8.GetString(bytes);

    // The payload a slot holds, read by its header's length (no check: the test reads what is there).
    private static byte[] Payload(byte[] raw, int slot)
    {
        int length = BitConverter.ToInt32(raw, slot * SlotFile.SlotBytes + 24);
        return raw.AsSpan(slot * SlotFile.SlotBytes + 32, length).ToArray();
    }
}
