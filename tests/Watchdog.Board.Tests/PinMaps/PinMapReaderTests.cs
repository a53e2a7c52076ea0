using System.Text;
using Watchdog.Firmware.Core.PinMaps;

namespace Watchdog.Board.Tests.PinMaps;

public sealed class PinMapReaderTests
{
    public static TheoryData<string> BoardFiles()
    {
        var data = new TheoryData<string>();
        foreach (string file in Directory.GetFiles(Repository.Path("hardware/boards"), "*.json"))
        {
            data.Add(System.IO.Path.GetFileName(file));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(BoardFiles))]
    public void Every_pin_map_in_the_repository_reads(string file)
    {
        byte[] json = File.ReadAllBytes(Repository.Path("hardware/boards/" + file));

        Assert.True(PinMapReader.TryRead(json, out PinMap? map, out string error), file + ": " + error);
        Assert.NotNull(map);
        Assert.Equal(System.IO.Path.GetFileNameWithoutExtension(file), map.Board);
        Assert.NotEmpty(map.Channels);
        if (map.Platform == PinPlatform.Esp32)
        {
            Assert.StartsWith("ESP32", map.NanoffTarget, StringComparison.Ordinal);
        }

        if (map.Platform == PinPlatform.Linux)
        {
            Assert.True(map.GpioChipNumber() >= 0, "linux board without a usable gpio_chip");
        }
    }

    [Fact]
    public void Virtual_rack_has_eight_channels_with_every_relay()
    {
        byte[] json = File.ReadAllBytes(Repository.Path("hardware/boards/virtual-rack.json"));
        Assert.True(PinMapReader.TryRead(json, out PinMap? map, out string error), error);

        Assert.Equal(PinPlatform.Virtual, map!.Platform);
        Assert.Equal(8, map.Channels.Length);
        ChannelPins s2 = map.FindChannel("s2")!;
        Assert.Equal(10, s2.Heartbeat);
        Assert.Equal(new[] { 11, 12 }, s2.PowerGood);
        Assert.Equal(15, s2.Reset);
        Assert.Equal(17, s2.Fence);
        Assert.True(map.InputsActiveLow);
        Assert.True(map.OutputsActiveHigh);
    }

    private const string Good = """
        {"board":"b1","platform":"esp32","nanoff_target":"ESP32_WT32_ETH01","logic_volts":3.3,
         "inputs_active_low":true,"outputs_active_high":true,
         "pins":[{"gpio":4,"input":true,"output":true},{"gpio":5,"input":true,"output":true},
                 {"gpio":12,"input":true,"output":true,"strapping":true},{"gpio":35,"input":true,"output":false,"note":"input only"},
                 {"gpio":36,"input":true,"output":false},{"gpio":39,"input":true,"output":false}],
         "reserved":[{"gpio":6,"reason":"flash"}],
         "channels":[{"channel":"s1","heartbeat":35,"power_good":[36],"link":[39],"reset":4,"power":5,"fence":null,"role":null}]}
        """;

    [Fact]
    public void Small_good_map_reads_with_absent_optional_pins_as_minus_one()
    {
        Assert.True(PinMapReader.TryRead(Encoding.UTF8.GetBytes(Good), out PinMap? map, out string error), error);
        Assert.Equal(-1, map!.Channels[0].Fence);
        Assert.Equal(-1, map.Channels[0].Role);
        Assert.Equal(-1, map.WatchdogFeed);
        Assert.Empty(map.Warnings);
    }

    [Theory]
    [InlineData("{", "pin map: not valid JSON: at byte")]
    [InlineData("[1,2]", "the top level must be an object, found an array")]
    [InlineData("""{"platform":"esp32"}""", "board: missing")]
    [InlineData("""{"board":"a/b","platform":"esp32"}""", "board: 'a/b' must be")]
    [InlineData("""{"board":"b","platform":"arduino"}""", "platform: 'arduino' is not one of esp32, linux, virtual")]
    [InlineData("""{"board":"b","platform":"esp32","inputs_active_low":true,"outputs_active_high":true,"pins":[],"channels":[]}""", "nanoff_target: missing")]
    [InlineData("""{"board":"b","platform":"linux","inputs_active_low":true,"outputs_active_high":true,"pins":[],"channels":[]}""", "gpio_chip: a linux board must name")]
    [InlineData("""{"board":"b","platform":"virtual","outputs_active_high":true,"pins":[],"channels":[]}""", "inputs_active_low: missing (true or false is required; polarity is never guessed)")]
    [InlineData("""{"board":"b","platform":"virtual","inputs_active_low":"yes","outputs_active_high":true,"pins":[],"channels":[]}""", "inputs_active_low: expected true or false, found a string")]
    [InlineData("""{"board":"b","platform":"virtual","inputs_active_low":true,"outputs_active_high":true,"pins":[],"channels":[]}""", "channels: at least one channel is needed")]
    [InlineData("""{"board":"b","platform":"virtual","inputs_active_low":true,"outputs_active_high":true,"pins":[{"gpio":1.5}],"channels":[]}""", "pins[0].gpio: expected a GPIO number, found a fraction")]
    [InlineData("""{"board":"b","platform":"virtual","inputs_active_low":true,"outputs_active_high":true,"pins":[{"gpio":1},{"gpio":1}],"channels":[]}""", "pins[1].gpio: GPIO 1 is listed twice (also pins[0])")]
    public void Bad_map_is_refused_with_the_field_named(string json, string expected)
    {
        Assert.False(PinMapReader.TryRead(Encoding.UTF8.GetBytes(json), out PinMap? map, out string error));
        Assert.Null(map);
        Assert.StartsWith("pin map: ", error, StringComparison.Ordinal);
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"reset\":4", "\"reset\":6", "channels[0].reset: GPIO 6 is reserved (flash)")]
    [InlineData("\"reset\":4", "\"reset\":5", "channels[0].power: GPIO 5 is already used by channels[0].reset")]
    [InlineData("\"reset\":4", "\"reset\":36", "channels[0].reset: GPIO 36 is already used by channels[0].power_good[0]")]
    [InlineData("\"reset\":4", "\"reset\":39", "channels[0].reset: GPIO 39 is already used by channels[0].link[0]")]
    [InlineData("\"power\":5", "\"power\":35", "channels[0].power: GPIO 35 is already used by channels[0].heartbeat")]
    [InlineData("\"heartbeat\":35", "\"heartbeat\":33", "channels[0].heartbeat: GPIO 33 is not in pins[] (the board does not offer it)")]
    [InlineData("\"fence\":null", "\"fence\":39", "channels[0].fence: GPIO 39 is already used by channels[0].link[0]")]
    [InlineData("\"link\":[39]", "\"link\":[39],\"extra\":1,\"role_x\":0", "")]
    [InlineData("\"role\":null", "\"role\":\"33\"", "channels[0].role: expected a GPIO number, found a string")]
    [InlineData("\"power_good\":[36]", "\"power_good\":36", "channels[0].power_good: expected an array of GPIO numbers, found a number")]
    [InlineData("\"channel\":\"s1\"", "\"channel\":\"s 1\"", "channels[0].channel: 's 1' must be 1-64 characters without '/', '+', '#' or spaces")]
    [InlineData("\"reset\":4", "\"reset\":2000", "channels[0].reset: GPIO 2000 is out of range (0-1023)")]
    public void Channel_faults_are_named(string from, string to, string expected)
    {
        string json = Good.Replace(from, to, StringComparison.Ordinal);
        bool ok = PinMapReader.TryRead(Encoding.UTF8.GetBytes(json), out _, out string error);
        if (expected.Length == 0)
        {
            Assert.True(ok, error); // unknown members are allowed (documentation fields)
            return;
        }

        Assert.False(ok);
        Assert.Equal("pin map: " + expected, error);
    }

    [Fact]
    public void Output_on_an_input_only_pin_is_refused_with_the_pin_note()
    {
        string json = Good.Replace("\"power\":5", "\"power\":35", StringComparison.Ordinal).Replace("\"heartbeat\":35", "\"heartbeat\":5", StringComparison.Ordinal);
        Assert.False(PinMapReader.TryRead(Encoding.UTF8.GetBytes(json), out _, out string error));
        Assert.Equal("pin map: channels[0].power: GPIO 35 cannot drive an output (pins[] says input only: input only)", error);
    }

    [Fact]
    public void Relay_on_a_strapping_pin_is_allowed_with_a_warning()
    {
        string json = Good.Replace("\"reset\":4", "\"reset\":12", StringComparison.Ordinal);
        Assert.True(PinMapReader.TryRead(Encoding.UTF8.GetBytes(json), out PinMap? map, out string error), error);
        string warning = Assert.Single(map!.Warnings);
        Assert.Contains("channels[0].reset: GPIO 12 is a strapping pin", warning, StringComparison.Ordinal);
    }

    [Fact]
    public void Virtual_rack_pair_boards_cross_their_heartbeats_and_reset_each_other()
    {
        Assert.True(PinMapReader.TryRead(File.ReadAllBytes(Repository.Path("hardware/boards/virtual-rack.json")), out PinMap? a, out string error), error);
        Assert.True(PinMapReader.TryRead(File.ReadAllBytes(Repository.Path("hardware/boards/virtual-rack-b.json")), out PinMap? b, out error), error);

        PairPins pa = a!.Pair!;
        PairPins pb = b!.Pair!;
        Assert.Equal((82, 83, 84), (pa.HeartbeatOut, pa.PeerHeartbeat, pa.PeerReset));
        Assert.Equal((83, 82, 85), (pb.HeartbeatOut, pb.PeerHeartbeat, pb.PeerReset));
        Assert.Equal((80, 81, 86, 87), (a.WatchdogFeed, a.StatusLed, b.WatchdogFeed, b.StatusLed));

        // Both boards drive the same channel wires (relay contacts in parallel on hardware).
        Assert.Equal(a.Channels.Length, b.Channels.Length);
        for (int i = 0; i < a.Channels.Length; i++)
        {
            Assert.Equal(a.Channels[i].Channel, b.Channels[i].Channel);
            Assert.Equal((a.Channels[i].Reset, a.Channels[i].Power, a.Channels[i].Fence, a.Channels[i].Role), (b.Channels[i].Reset, b.Channels[i].Power, b.Channels[i].Fence, b.Channels[i].Role));
            Assert.Equal(a.Channels[i].Heartbeat, b.Channels[i].Heartbeat);
        }
    }

    private const string PairSection = ",\"pair\":{\"heartbeat_out\":4,\"peer_heartbeat\":35,\"peer_reset\":5}}";

    [Fact]
    public void Map_without_a_pair_section_has_no_pair()
    {
        Assert.True(PinMapReader.TryRead(Encoding.UTF8.GetBytes(Good), out PinMap? map, out string error), error);
        Assert.Null(map!.Pair);
    }

    [Fact]
    public void Pair_section_reads_on_free_pins()
    {
        Assert.True(PinMapReader.TryRead(Encoding.UTF8.GetBytes(PairMap(PairSection)), out PinMap? map, out string error), error);
        Assert.Equal(4, map!.Pair!.HeartbeatOut);
        Assert.Equal(35, map.Pair.PeerHeartbeat);
        Assert.Equal(5, map.Pair.PeerReset);
        Assert.Empty(map.Warnings);
    }

    [Theory]
    [InlineData("\"peer_reset\":5", "\"peer_reset\":37", "pair.peer_reset: GPIO 37 cannot drive an output (pins[] says input only: input only)")]
    [InlineData("\"heartbeat_out\":4", "\"heartbeat_out\":37", "pair.heartbeat_out: GPIO 37 cannot drive an output (pins[] says input only: input only)")]
    [InlineData("\"peer_heartbeat\":35", "\"peer_heartbeat\":39", "pair.peer_heartbeat: GPIO 39 cannot be read as an input: output only")]
    [InlineData("\"peer_reset\":5", "\"peer_reset\":6", "pair.peer_reset: GPIO 6 is reserved (flash)")]
    [InlineData("\"peer_reset\":5", "\"peer_reset\":33", "pair.peer_reset: GPIO 33 is not in pins[] (the board does not offer it)")]
    [InlineData("\"peer_reset\":5", "\"peer_reset\":4", "pair.peer_reset: GPIO 4 is already used by pair.heartbeat_out")]
    [InlineData("\"heartbeat_out\":4", "\"heartbeat_out\":13", "pair.heartbeat_out: GPIO 13 is already used by channels[0].reset")]
    [InlineData("\"peer_heartbeat\":35", "\"peer_heartbeat\":34", "pair.peer_heartbeat: GPIO 34 is already used by channels[0].heartbeat")]
    [InlineData("\"heartbeat_out\":4", "\"heartbeat_out\":2", "pair.heartbeat_out: GPIO 2 is already used by watchdog_feed")]
    [InlineData("\"peer_reset\":5", "\"peer_reset\":14", "pair.peer_reset: GPIO 14 is already used by status_led")]
    [InlineData(",\"peer_reset\":5", "", "pair.peer_reset: missing (a GPIO number is required)")]
    [InlineData("\"heartbeat_out\":4,", "", "pair.heartbeat_out: missing (a GPIO number is required)")]
    [InlineData("\"peer_heartbeat\":35", "\"peer_heartbeat\":\"35\"", "pair.peer_heartbeat: expected a GPIO number, found a string")]
    [InlineData("{\"heartbeat_out\":4,\"peer_heartbeat\":35,\"peer_reset\":5}", "[4,35,5]", "pair: expected an object {heartbeat_out, peer_heartbeat, peer_reset}, found an array")]
    public void Pair_faults_are_named(string from, string to, string expected)
    {
        string json = PairMap(PairSection.Replace(from, to, StringComparison.Ordinal));
        Assert.False(PinMapReader.TryRead(Encoding.UTF8.GetBytes(json), out PinMap? map, out string error), "accepted: " + json);
        Assert.Null(map);
        Assert.Equal("pin map: " + expected, error);
    }

    [Fact]
    public void Peer_reset_on_a_strapping_pin_warns_that_it_may_restart_the_other_board()
    {
        string json = PairMap(PairSection.Replace("\"peer_reset\":5", "\"peer_reset\":12", StringComparison.Ordinal));
        Assert.True(PinMapReader.TryRead(Encoding.UTF8.GetBytes(json), out PinMap? map, out string error), error);
        string warning = Assert.Single(map!.Warnings);
        Assert.StartsWith("pair.peer_reset: GPIO 12 is a strapping pin: the other board's reset line may twitch", warning, StringComparison.Ordinal);
    }

    [Fact]
    public void Null_pair_section_means_no_pair()
    {
        Assert.True(PinMapReader.TryRead(Encoding.UTF8.GetBytes(PairMap(",\"pair\":null}")), out PinMap? map, out string error), error);
        Assert.Null(map!.Pair);
    }

    /// <summary>
    /// A board with one channel (s1 on 34, 36, 39, 13, 16), the feed on 2, the LED on 14, and
    /// free pins 4, 5, 12 (outputs) and 35, 37 (input only) for the pair; <paramref name="tail"/> closes the object.
    /// </summary>
    private static string PairMap(string tail) => """
        {"board":"b1","platform":"esp32","nanoff_target":"ESP32_WT32_ETH01","logic_volts":3.3,
         "inputs_active_low":true,"outputs_active_high":true,
         "pins":[{"gpio":2,"input":true,"output":true},{"gpio":4,"input":true,"output":true},{"gpio":5,"input":true,"output":true},
                 {"gpio":12,"input":true,"output":true,"strapping":true},{"gpio":13,"input":true,"output":true},
                 {"gpio":14,"input":true,"output":true},{"gpio":16,"input":true,"output":true},
                 {"gpio":34,"input":true,"output":false},{"gpio":35,"input":true,"output":false},
                 {"gpio":36,"input":true,"output":false},{"gpio":37,"input":true,"output":false,"note":"input only"},
                 {"gpio":39,"input":false,"output":true,"note":"output only"}],
         "reserved":[{"gpio":6,"reason":"flash"}],
         "watchdog_feed":2,"status_led":14,
         "channels":[{"channel":"s1","heartbeat":34,"power_good":[36],"link":[],"reset":13,"power":16}]
        """ + tail;

    [Fact]
    public void Empty_input_is_refused()
    {
        Assert.False(PinMapReader.TryRead([], out _, out string error));
        Assert.Equal("pin map: the file is empty", error);
    }

    [Theory]
    [InlineData("gpiochip0", 0)]
    [InlineData("/dev/gpiochip4", 4)]
    [InlineData("12", 12)]
    [InlineData("", -1)]
    [InlineData("pinctrl-rp1", -1)]
    public void Gpio_chip_number_is_taken_from_the_usual_spellings(string chip, int expected)
    {
        var map = new PinMap("b", "", PinPlatform.Linux, "", chip, 3.3, true, true, [], [], -1, -1, [], []);
        Assert.Equal(expected, map.GpioChipNumber());
    }
}
