using Hardware.Tests.PinMaps;

namespace Hardware.Tests.PinMapChecks;

/// <summary>Every checked-in pin map under hardware/boards/ keeps the wiring rules.</summary>
public class PinMapTests
{
    private static readonly string[] ExpectedBoards =
        ["esp32-devkitc", "olimex-esp32-poe-iso", "raspberry-pi", "virtual-rack", "wt32-eth01"];

    public static TheoryData<string> BoardNames()
    {
        var data = new TheoryData<string>();
        foreach (var f in RepoPaths.BoardFiles())
        {
            data.Add(Path.GetFileNameWithoutExtension(f));
        }
        return data;
    }

    [Fact]
    public void Every_supported_board_has_a_pin_map()
    {
        var present = RepoPaths.BoardFiles().Select(Path.GetFileNameWithoutExtension).ToArray();
        Assert.Equal(ExpectedBoards, present);
    }

    [Theory]
    [MemberData(nameof(BoardNames))]
    public void Pin_map_keeps_every_wiring_rule(string board)
    {
        var file = Path.Combine(RepoPaths.Boards, board + ".json");
        var map = PinMapReader.ReadFile(file);

        var problems = PinMapValidator.Validate(map, Path.GetFileName(file));

        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
    }

    [Theory]
    [MemberData(nameof(BoardNames))]
    public void Every_channel_wires_the_minimum_signal_set_on_distinct_pins(string board)
    {
        var map = PinMapReader.ReadFile(Path.Combine(RepoPaths.Boards, board + ".json"));
        var uses = PinMapValidator.Uses(map);

        // 3 inputs + 2 outputs at least per channel, all on different pins.
        Assert.True(uses.Count >= map.Channels.Count * 5);
        Assert.Equal(uses.Count, uses.Select(u => u.Gpio).Distinct().Count());
    }

    [Theory]
    [MemberData(nameof(BoardNames))]
    public void Direct_channel_count_matches_the_README(string board)
    {
        var map = PinMapReader.ReadFile(Path.Combine(RepoPaths.Boards, board + ".json"));
        var readme = File.ReadAllLines(Path.Combine(RepoPaths.Hardware, "README.md"));

        // The "Which board" table row links the map and states the direct channel count in bold.
        var row = readme.SingleOrDefault(l => l.StartsWith('|') && l.Contains($"(boards/{board}.json)", StringComparison.Ordinal));
        Assert.True(row is not null, $"hardware/README.md has no 'Which board' row for {board}");
        Assert.Contains($"**{map.Channels.Count}**", row, StringComparison.Ordinal);
        Assert.Equal(Enumerable.Range(1, map.Channels.Count).Select(i => $"s{i}"), map.Channels.Select(c => c.Name));
    }

    [Fact]
    public void Virtual_rack_gives_the_simulator_eight_full_channels_and_no_reserved_pins()
    {
        var map = PinMapReader.ReadFile(Path.Combine(RepoPaths.Boards, "virtual-rack.json"));

        Assert.Equal("virtual", map.Platform);
        Assert.Empty(map.Reserved);
        Assert.All(map.Pins, p => Assert.True(p.Input && p.Output, $"GPIO {p.Gpio} must be input and output"));
        Assert.Equal(Enumerable.Range(0, map.Pins.Count), map.Pins.Select(p => p.Gpio));
        Assert.All(map.Channels, c =>
        {
            Assert.Equal(2, c.PowerGood.Count);
            Assert.Equal(2, c.Link.Count);
            Assert.NotNull(c.Fence);
            Assert.NotNull(c.Role);
        });
    }

    [Theory]
    [InlineData("wt32-eth01")]
    [InlineData("olimex-esp32-poe-iso")]
    [InlineData("esp32-devkitc")]
    public void Esp32_maps_reserve_the_flash_and_console_pins_and_GPIO0(string board)
    {
        var map = PinMapReader.ReadFile(Path.Combine(RepoPaths.Boards, board + ".json"));
        foreach (var gpio in new[] { 0, 1, 3, 6, 7, 8, 9, 10, 11 })
        {
            Assert.True(map.ReservedEntry(gpio) is not null, $"{board}: GPIO {gpio} must be reserved");
        }
        Assert.All(map.Pins.Where(p => p.Gpio is >= 34 and <= 39), p => Assert.False(p.Output, $"GPIO {p.Gpio} is input only"));
    }

    [Theory]
    [InlineData("wt32-eth01", new[] { 18, 19, 21, 22, 23, 25, 26, 27, 16, 0 })]
    [InlineData("olimex-esp32-poe-iso", new[] { 18, 19, 21, 22, 23, 25, 26, 27, 17, 12 })]
    public void Ethernet_boards_reserve_their_RMII_and_PHY_pins(string board, int[] rmii)
    {
        var map = PinMapReader.ReadFile(Path.Combine(RepoPaths.Boards, board + ".json"));
        Assert.All(rmii, g => Assert.True(map.ReservedEntry(g) is not null, $"{board}: GPIO {g} belongs to Ethernet"));
    }
}
