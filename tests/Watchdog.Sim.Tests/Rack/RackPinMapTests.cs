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
        Assert.Equal(new PairWiring(82, 83, 84), map.Pair);
        Assert.Equal(84, map.HighestPin);
    }

    [Fact]
    public void Board_b_of_the_pair_shares_the_channels_and_crosses_the_pair_wires()
    {
        RackPinMap a = RackPinMap.LoadVirtualRack();
        RackPinMap b = RackPinMap.LoadVirtualRackB();

        Assert.EndsWith("virtual-rack-b.json", b.Source, StringComparison.Ordinal);
        Assert.Equal(a.Channels.Count, b.Channels.Count);
        for (int i = 0; i < a.Channels.Count; i++)
        {
            ChannelWiring x = a.Channels[i], y = b.Channels[i];
            Assert.Equal((x.Channel, x.HeartbeatPin, x.ResetPin, x.PowerPin, x.FencePin, x.RolePin), (y.Channel, y.HeartbeatPin, y.ResetPin, y.PowerPin, y.FencePin, y.RolePin));
            Assert.Equal(x.PowerGoodPins, y.PowerGoodPins);
            Assert.Equal(x.LinkPins, y.LinkPins);
        }

        Assert.Equal(new PairWiring(83, 82, 85), b.Pair);
        Assert.Equal(a.Pair!.HeartbeatOutPin, b.Pair!.PeerHeartbeatPin);
        Assert.Equal(b.Pair.HeartbeatOutPin, a.Pair.PeerHeartbeatPin);
        Assert.NotEqual(a.Pair.PeerResetPin, b.Pair.PeerResetPin);
    }

    [Fact]
    public void A_map_without_a_pair_section_has_no_pair()
    {
        RackPinMap map = Parse("""{"channels": [{"channel": "s1", "heartbeat": 0, "power_good": [1], "link": [2], "reset": 3, "power": 4}], "expansion": {"x": 1}}""");

        Assert.Null(map.Pair);
        Assert.Equal(4, map.HighestPin);
    }

    [Fact]
    public void A_pair_section_without_the_peer_reset_is_named_in_the_error()
    {
        var error = Assert.Throws<InvalidDataException>(() =>
            Parse("""{"channels": [{"channel": "s1", "heartbeat": 0, "power_good": [1], "link": [2], "reset": 3, "power": 4}], "pair": {"heartbeat_out": 5, "peer_heartbeat": 6}}"""));

        Assert.Contains("pair has no \"peer_reset\" pin", error.Message, StringComparison.Ordinal);
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
