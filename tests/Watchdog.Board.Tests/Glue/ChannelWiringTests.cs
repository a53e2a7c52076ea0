using System.Device.Gpio;
using Watchdog.Firmware.Core.PinMaps;
using Watchdog.Firmware.Glue;
using Watchdog.VirtualWires;

namespace Watchdog.Board.Tests.Glue;

/// <summary>
/// The GPIO glue the ESP32 app and the Linux board share, on the virtual rack's driver:
/// polarity, edge counting (both the wire-file counters and the ValueChanged interrupt path the
/// ESP32 uses), relay levels, the external watchdog feed.
/// </summary>
public sealed class ChannelWiringTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly WireFile _wires;
    private readonly PinMap _map;

    public ChannelWiringTests()
    {
        _wires = WireFile.Create(_dir.File("wires"));
        Assert.True(PinMapReader.TryRead(File.ReadAllBytes(Repository.Path("hardware/boards/virtual-rack.json")), out PinMap? map, out string error), error);
        _map = map!;
    }

    private ChannelWiring Open(bool interrupts, out GpioController controller)
    {
        var driver = new VirtualWireDriver(_wires, WireWriter.Board);
        controller = new GpioController(driver);
        return new ChannelWiring(controller, _map, interrupts ? null : driver.ReadEdgeCount);
    }

    [Fact]
    public void Outputs_open_released_and_follow_the_mask_with_the_pin_map_polarity()
    {
        ChannelWiring wiring = Open(interrupts: false, out GpioController controller);
        using (controller)
        {
            ChannelPins s1 = _map.Channels[0];
            Assert.False(_wires.Read(s1.Reset)); // outputs active high: released = low
            wiring.SetOutputs(0, ChannelWiring.OutReset | ChannelWiring.OutFence);
            Assert.True(_wires.Read(s1.Reset));
            Assert.False(_wires.Read(s1.Power));
            Assert.True(_wires.Read(s1.Fence));
            Assert.Equal(ChannelWiring.OutReset | ChannelWiring.OutFence, wiring.Outputs(0));

            // A glitched pin is put back on the next write even though the mask did not change.
            _wires.Write(s1.Reset, false, WireWriter.Test);
            wiring.SetOutputs(0, ChannelWiring.OutReset | ChannelWiring.OutFence);
            Assert.True(_wires.Read(s1.Reset));

            wiring.ReleaseAll();
            Assert.False(_wires.Read(s1.Reset));
            Assert.False(_wires.Read(s1.Fence));
        }
    }

    [Fact]
    public void Inputs_are_reported_asserted_after_the_active_low_inversion()
    {
        ChannelWiring wiring = Open(interrupts: false, out GpioController controller);
        using (controller)
        {
            ChannelPins s2 = _map.Channels[1];
            _wires.Write(s2.PowerGood[0], false, WireWriter.Server); // low = asserted on this rack
            _wires.Write(s2.PowerGood[1], true, WireWriter.Server);
            _wires.Write(s2.Link[0], true, WireWriter.Server);
            Assert.True(wiring.PowerGood(1, 0));
            Assert.False(wiring.PowerGood(1, 1));
            Assert.False(wiring.Link(1, 0));
            Assert.Equal(2, wiring.PowerGoodCount(1));
            Assert.Equal(2, wiring.LinkCount(1));
        }
    }

    [Fact]
    public void Heartbeat_edges_from_the_wire_counters_are_taken_once()
    {
        ChannelWiring wiring = Open(interrupts: false, out GpioController controller);
        using (controller)
        {
            int pin = _map.Channels[2].Heartbeat;
            for (int i = 0; i < 7; i++) { _wires.Toggle(pin, WireWriter.Agent); }
            Assert.Equal(7, wiring.TakeHeartbeatEdges(2));
            Assert.Equal(0, wiring.TakeHeartbeatEdges(2));
            Assert.Equal(0, wiring.TakeHeartbeatEdges(0)); // other channels untouched
        }
    }

    [Fact]
    public async Task Heartbeat_edges_from_ValueChanged_interrupts_are_counted_like_on_the_device()
    {
        ChannelWiring wiring = Open(interrupts: true, out GpioController controller);
        using (controller)
        {
            int pin = _map.Channels[0].Heartbeat;
            for (int i = 0; i < 10; i++)
            {
                _wires.Toggle(pin, WireWriter.Agent);
                await Task.Delay(5); // edges spread out as a heartbeat's are: the stimulus, not a wait
            }

            // Callbacks come from the driver's poller thread; the edge counter raises no event, so it
            // is polled until every edge arrived or a generous bound passed.
            int total = 0;
            var deadline = DateTime.UtcNow.AddSeconds(5);
            while (total < 10 && DateTime.UtcNow < deadline)
            {
                total += wiring.TakeHeartbeatEdges(0);
                await Task.Delay(10);
            }

            Assert.Equal(10, total);
        }
    }

    [Fact]
    public void External_watchdog_feed_toggles_on_every_call()
    {
        ChannelWiring wiring = Open(interrupts: false, out GpioController controller);
        using (controller)
        {
            uint before = _wires.ReadEdgeCount(_map.WatchdogFeed);
            wiring.FeedExternalWatchdog();
            wiring.FeedExternalWatchdog();
            wiring.FeedExternalWatchdog();
            Assert.Equal(before + 3, _wires.ReadEdgeCount(_map.WatchdogFeed));
        }
    }

    public void Dispose()
    {
        _wires.Dispose();
        _dir.Dispose();
    }
}
