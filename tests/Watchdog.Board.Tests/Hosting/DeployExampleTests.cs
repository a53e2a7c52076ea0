using Watchdog.Firmware.Core.Config;
using Watchdog.Firmware.Core.PinMaps;
using Watchdog.Firmware.Glue;

namespace Watchdog.Board.Tests.Hosting;

/// <summary>The example configurations shipped in firmware/Watchdog.Board/deploy read and fit their pin maps.</summary>
public sealed class DeployExampleTests
{
    [Theory]
    [InlineData("board.example.json", "raspberry-pi.json")]
    [InlineData("virtual-rack.example.json", "virtual-rack.json")]
    public void Example_config_reads_and_binds_to_its_pin_map(string config, string pinMap)
    {
        Assert.True(BoardConfigReader.TryRead(File.ReadAllBytes(Repository.Path("firmware/Watchdog.Board/deploy/" + config)), out BoardConfig? c, out string error), config + ": " + error);
        Assert.True(PinMapReader.TryRead(File.ReadAllBytes(Repository.Path("hardware/boards/" + pinMap)), out PinMap? map, out error), error);
        Assert.True(CoreGlue.TryBind(c!, map!, out int[] pins, out error), error);
        Assert.Equal(c!.Channels.Length, pins.Length);
    }

    [Fact]
    public void Systemd_unit_runs_the_board_with_the_watchdog_and_restarts_it()
    {
        string unit = File.ReadAllText(Repository.Path("firmware/Watchdog.Board/deploy/watchdog-board.service"));
        Assert.Contains("Type=notify", unit, StringComparison.Ordinal);
        Assert.Contains("WatchdogSec=", unit, StringComparison.Ordinal);
        Assert.Contains("Restart=always", unit, StringComparison.Ordinal);
        Assert.Contains("--state-dir /var/lib/watchdog-board", unit, StringComparison.Ordinal);
    }
}
