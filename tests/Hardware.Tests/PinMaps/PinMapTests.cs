using Hardware.Tests.PinMaps;

namespace Hardware.Tests.PinMapChecks;

/// <summary>Every checked-in pin map under hardware/boards/ keeps the wiring rules.</summary>
public class PinMapTests
{
    private static readonly string[] ExpectedBoards =
        ["esp32-devkitc", "olimex-esp32-poe-iso", "raspberry-pi", "virtual-rack-b", "virtual-rack", "wt32-eth01"];

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
        Assert.Equal(new PairMap(82, 83, 84), map.Pair);
        Assert.All(map.Channels, c =>
        {
            Assert.Equal(2, c.PowerGood.Count);
            Assert.Equal(2, c.Link.Count);
            Assert.NotNull(c.Fence);
            Assert.NotNull(c.Role);
        });
    }

    [Theory]
    [InlineData("virtual-rack")]
    [InlineData("virtual-rack-b")]
    public void Virtual_rack_boards_number_their_pins_without_gaps(string board)
    {
        var map = PinMapReader.ReadFile(Path.Combine(RepoPaths.Boards, board + ".json"));

        Assert.Equal(Enumerable.Range(0, 88), map.Pins.Select(p => p.Gpio));
        Assert.NotNull(map.Pair);
    }

    [Fact]
    public void Virtual_rack_pair_shares_the_channel_wires_and_crosses_the_pair_wires()
    {
        var a = PinMapReader.ReadFile(Path.Combine(RepoPaths.Boards, "virtual-rack.json"));
        var b = PinMapReader.ReadFile(Path.Combine(RepoPaths.Boards, "virtual-rack-b.json"));

        // Same channels on the same pins: on hardware the two boards' contacts are in parallel.
        Assert.Equal(a.Channels, b.Channels, new ChannelComparer());
        Assert.Equal(new PairMap(82, 83, 84), a.Pair);
        Assert.Equal(new PairMap(83, 82, 85), b.Pair);
        Assert.Equal(a.Pair!.HeartbeatOut, b.Pair!.PeerHeartbeat);
        Assert.Equal(b.Pair.HeartbeatOut, a.Pair.PeerHeartbeat);

        // Both boards share one wire file: apart from the channels and the two heartbeat wires,
        // no pin is written by one board and used for anything else by the other.
        var shared = PinMapValidator.Uses(a with { Pair = null, WatchdogFeed = null, StatusLed = null }).Select(u => u.Gpio)
            .Append(82).Append(83).ToHashSet();
        var onlyA = PinMapValidator.Uses(a).Select(u => u.Gpio).Where(g => !shared.Contains(g)).ToList();
        var onlyB = PinMapValidator.Uses(b).Select(u => u.Gpio).Where(g => !shared.Contains(g)).ToList();
        Assert.Equal([80, 81, 84], onlyA.Order());
        Assert.Equal([85, 86, 87], onlyB.Order());
    }

    [Theory]
    [InlineData("wt32-eth01")]
    [InlineData("olimex-esp32-poe-iso")]
    [InlineData("esp32-devkitc")]
    [InlineData("raspberry-pi")]
    public void Real_board_maps_say_how_a_pair_is_wired(string board)
    {
        var path = Path.Combine(RepoPaths.Boards, board + ".json");
        var map = PinMapReader.ReadFile(path);
        var notes = File.ReadAllText(path);

        // Either the map wires a pair, or its notes say why not and where the pair's pins would go;
        // both name the UART of the data link.
        Assert.Contains("Pair:", notes, StringComparison.Ordinal);
        Assert.Contains("UART", notes, StringComparison.Ordinal);
        if (map.Pair is null)
        {
            Assert.Contains("no pair section", notes, StringComparison.Ordinal);
        }
    }

    private sealed class ChannelComparer : IEqualityComparer<ChannelMap>
    {
        public bool Equals(ChannelMap? x, ChannelMap? y) =>
            x is not null && y is not null && x.Name == y.Name && x.Heartbeat == y.Heartbeat && x.PowerGood.SequenceEqual(y.PowerGood)
            && x.Link.SequenceEqual(y.Link) && x.Reset == y.Reset && x.Power == y.Power && x.Fence == y.Fence && x.Role == y.Role;

        public int GetHashCode(ChannelMap obj) => obj.Name.GetHashCode(StringComparison.Ordinal);
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
