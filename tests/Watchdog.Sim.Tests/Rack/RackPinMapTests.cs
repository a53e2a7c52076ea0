using System.Text;

namespace Watchdog.Sim.Tests.Rack;

public sealed class RackPinMapTests
{
    [Fact]
    public void The_virtual_rack_map_has_eight_channels_with_all_wires()
    {
        RackPinMap map = RackPinMap.LoadVirtualRack();

        Assert.Equal(8, map.Channels.Count);
        Assert.Equal(["s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8"], map.Channels.Select(c => c.Channel));
        Assert.All(map.Channels, c =>
        {
            Assert.Equal(2, c.PowerGoodPins.Count);
            Assert.Equal(2, c.LinkPins.Count);
            Assert.NotNull(c.FencePin);
            Assert.NotNull(c.RolePin);
        });
        int[] all = [.. map.Channels.SelectMany(c => new[] { c.HeartbeatPin, c.ResetPin, c.PowerPin, c.FencePin!.Value, c.RolePin!.Value }.Concat(c.PowerGoodPins).Concat(c.LinkPins))];
        Assert.Equal(all.Length, all.Distinct().Count());
        Assert.Equal(all.Max(), map.HighestPin);
    }

    [Fact]
    public void Polarity_maps_signals_to_levels()
    {
        RackPinMap map = Parse("""{"inputs_active_low": true, "outputs_active_high": true, "channels": [{"channel": "s1", "heartbeat": 0, "power_good": [1], "link": 2, "reset": 3, "power": 4}]}""");

        Assert.False(map.InputLevel(present: true));
        Assert.True(map.InputLevel(present: false));
        Assert.True(map.OutputAsserted(level: true));
        Assert.Equal([2], map.Channel("s1").LinkPins);
        Assert.Null(map.Channel("s1").FencePin);
    }

    [Fact]
    public void A_channel_without_a_reset_pin_is_named_in_the_error()
    {
        var error = Assert.Throws<InvalidDataException>(() =>
            Parse("""{"channels": [{"channel": "s3", "heartbeat": 0, "power_good": [1], "link": [2], "power": 4}]}"""));

        Assert.Contains("test.json", error.Message, StringComparison.Ordinal);
        Assert.Contains("channel s3 has no \"reset\" pin", error.Message, StringComparison.Ordinal);
    }

    private static RackPinMap Parse(string json) => RackPinMap.Parse(new MemoryStream(Encoding.UTF8.GetBytes(json)), "test.json");
}
