namespace Watchdog.Board.Tests.Hosting;

/// <summary>The real process refuses bad files with one sentence naming the file and the fault, and exit code 2.</summary>
public sealed class BoardStartupErrorTests
{
    private const string GoodConfig = """
        {"board": "b1", "cluster": "c1", "channels": [{"name": "s1", "node": "n1", "power_good_inputs": 2, "link_inputs": 2}]}
        """;

    private static string Run(TempDirectory dir, params string[] args)
    {
        using BoardProcess board = BoardProcess.Start([.. args, "--state-dir", dir.Path, "--broker", "127.0.0.1:1"]);
        Assert.True(board.WaitForExit(TimeSpan.FromSeconds(30)), "the board kept running:\n" + board.Output);
        Assert.Equal(2, board.ExitCode);
        return board.Output;
    }

    /// <summary>Writes <paramref name="config"/> as the board's config file and runs the board on it with <paramref name="pins"/>.</summary>
    private static string RunWith(TempDirectory dir, string config, string pins, params string[] args)
    {
        File.WriteAllText(dir.File("board.json"), config);
        return Run(dir, ["--config", dir.File("board.json"), "--pins", pins, .. args]);
    }

    private static string VirtualRackPins => Repository.Path("hardware/boards/virtual-rack.json");

    /// <summary><see cref="GoodConfig"/> with one power-good and one link input, as boards with fewer lines have.</summary>
    private static string OneInputEach => GoodConfig.Replace("\"power_good_inputs\": 2, \"link_inputs\": 2", "\"power_good_inputs\": 1, \"link_inputs\": 1", StringComparison.Ordinal);

    [Fact]
    public void Missing_config_file_is_named()
    {
        using var dir = new TempDirectory();
        string output = Run(dir, "--config", dir.File("nope.json"), "--pins", VirtualRackPins);
        Assert.Contains($"--config '{dir.File("nope.json")}': no such file", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Bad_pin_map_is_named_with_the_field()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("pins.json"), """{"board": "x", "platform": "virtual", "inputs_active_low": true, "pins": [], "channels": []}""");
        string output = RunWith(dir, GoodConfig, dir.File("pins.json"));
        Assert.Contains($"--pins '{dir.File("pins.json")}': pin map: outputs_active_high: missing", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Config_channel_missing_from_the_pin_map_is_named()
    {
        using var dir = new TempDirectory();
        string output = RunWith(dir, GoodConfig.Replace("\"s1\"", "\"s9\"", StringComparison.Ordinal), VirtualRackPins);
        Assert.Contains("board config channel 's9' has no pins in pin map 'virtual-rack' (it has s1, s2, s3, s4, s5, s6, s7, s8)", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_gpio_chip_is_named_with_the_hint()
    {
        using var dir = new TempDirectory();
        string map = File.ReadAllText(Repository.Path("hardware/boards/raspberry-pi.json")).Replace("\"gpiochip0\"", "\"gpiochip97\"", StringComparison.Ordinal);
        File.WriteAllText(dir.File("pins.json"), map);
        string output = RunWith(dir, OneInputEach, dir.File("pins.json"));
        Assert.Contains("GPIO chip /dev/gpiochip97 (gpio_chip 'gpiochip97' in pin map 'raspberry-pi') does not exist on this machine", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Esp32_pin_map_without_wires_is_refused()
    {
        using var dir = new TempDirectory();
        string output = RunWith(dir, OneInputEach, Repository.Path("hardware/boards/wt32-eth01.json"));
        Assert.Contains("pin map 'wt32-eth01' is for platform esp32", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Corrupt_epoch_file_stops_the_board()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("epoch"), "watchdog-epoch 1 12");
        string output = RunWith(dir, GoodConfig, VirtualRackPins, "--wires", dir.File("w"));
        Assert.Contains($"epoch file '{dir.File("epoch")}' is corrupt", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Tick_override_that_breaks_the_timing_rules_is_named()
    {
        using var dir = new TempDirectory();
        string output = RunWith(dir, GoodConfig, VirtualRackPins, "--tick-ms", "200");
        Assert.Contains("--tick-ms 200 does not fit --config", output, StringComparison.Ordinal);
        Assert.Contains("timing.heartbeat_period_ms (250) must be at least 2 ticks (2 x 200 ms)", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_wire_file_is_named()
    {
        using var dir = new TempDirectory();
        string output = RunWith(dir, GoodConfig, VirtualRackPins, "--wires", dir.File("w"));
        Assert.Contains($"--wires '{dir.File("w")}': no such wire file", output, StringComparison.Ordinal);
    }
}
