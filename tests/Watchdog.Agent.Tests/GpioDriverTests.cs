using System.Device.Gpio;
using Watchdog.VirtualWires;

namespace Watchdog.Agent.Tests;

/// <summary>GPIO, FT232H/FT4222 and virtual-wire heartbeat drivers through System.Device.Gpio's GpioDriver seam.</summary>
[Collection("timing")]
public sealed class GpioDriverTests
{
    [Fact]
    public void Writes_the_heartbeat_level_and_reads_the_role_input_through_a_GpioController()
    {
        var driver = new RecordingGpioDriver();
        using var hw = new GpioHeartbeatHardware("test gpio", () => new GpioController(driver), outPin: 5, rolePin: 6);
        hw.Open();
        hw.Write(true);
        hw.Write(false);
        driver.SetInput(6, PinValue.High);
        Assert.True(hw.ReadRole());
        driver.SetInput(6, PinValue.Low);
        Assert.False(hw.ReadRole());

        // Open drives the line low first, then the two writes.
        Assert.Equal(new[] { (5, PinValue.Low), (5, PinValue.High), (5, PinValue.Low) }, driver.Writes.ToArray());
    }

    [Fact]
    public void Active_low_role_input_is_inverted()
    {
        var driver = new RecordingGpioDriver();
        using var hw = new GpioHeartbeatHardware("test gpio", () => new GpioController(driver), 5, 6, roleActiveLow: true);
        hw.Open();
        driver.SetInput(6, PinValue.Low);
        Assert.True(hw.ReadRole());
    }

    [Fact]
    public void A_busy_line_gives_a_device_error_naming_the_device()
    {
        var driver = new RecordingGpioDriver { FailOpen = new IOException("Device or resource busy") };
        using var hw = new GpioHeartbeatHardware("gpio gpiochip0 line 17", () => new GpioController(driver), 17);
        HeartbeatDeviceException ex = Assert.Throws<HeartbeatDeviceException>(hw.Open);
        Assert.Contains("gpio gpiochip0 line 17", ex.Message, StringComparison.Ordinal);
        Assert.Contains("busy", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_gpio_chip_gives_a_clear_message()
    {
        var o = new AgentOptions { Heartbeat = new HeartbeatOptions { Driver = "gpio", Chip = 57, Pin = 3 } };
        using IHeartbeatHardware hw = HeartbeatHardwareFactory.Create(o);
        HeartbeatDeviceException ex = Assert.Throws<HeartbeatDeviceException>(hw.Open);
        Assert.Contains("gpiochip57 line 3", ex.Message, StringComparison.Ordinal);
        Assert.Contains("cannot open", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ft232h")]
    [InlineData("ft4222")]
    public void A_missing_ftdi_adapter_or_library_gives_a_clear_message(string driver)
    {
        // Iot.Device.Bindings reaches FTDI adapters through FTDI's D2XX library. Without it (or
        // without an adapter) opening must say which and what to do, not throw a raw DllNotFound.
        var o = new AgentOptions { Heartbeat = new HeartbeatOptions { Driver = driver, Pin = 0 } };
        using IHeartbeatHardware hw = HeartbeatHardwareFactory.Create(o);
        HeartbeatDeviceException ex = Assert.Throws<HeartbeatDeviceException>(hw.Open);
        string chip = driver.ToUpperInvariant();
        Assert.StartsWith(chip + ":", ex.Message, StringComparison.Ordinal);
        Assert.True(
            ex.Message.Contains("D2XX library is not installed", StringComparison.Ordinal) || ex.Message.Contains("no adapter found", StringComparison.Ordinal),
            ex.Message);
    }

    [Fact]
    public void Ft232h_pin_names_map_to_the_library_numbers()
    {
        Assert.Equal(7, Iot.Device.Ft232H.Ft232HDevice.GetPinNumberFromString("D7"));
        Assert.Equal(8, Iot.Device.Ft232H.Ft232HDevice.GetPinNumberFromString("C0"));
        var o = new AgentOptions { Heartbeat = new HeartbeatOptions { Driver = "ft232h", PinName = "C0" } };
        using IHeartbeatHardware hw = HeartbeatHardwareFactory.Create(o);
        Assert.Contains("pin C0", hw.Description, StringComparison.Ordinal);
    }

    [Fact]
    public void Virtual_wire_edges_grow_while_the_pump_feeds_and_stop_when_the_gate_closes()
    {
        using var dir = new TempDirectory();
        string wires = dir.File("wires");
        var o = new AgentOptions { Heartbeat = new HeartbeatOptions { Driver = "virtual", WireFile = wires, Pin = 4 } };
        var status = new AgentStatus();
        var events = new RecordingEvents();
        bool feed = true;
        using var pump = new HeartbeatPump(HeartbeatHardwareFactory.Create(o), () => Volatile.Read(ref feed), status, events, periodMs: 40, retryMinMs: 100, retryMaxMs: 100);
        pump.Start();
        using var reader = new VirtualWireDriver(wires, WireWriter.Test);
        var sw = System.Diagnostics.Stopwatch.StartNew();
        Thread.Sleep(800);
        int edgesWhileFeeding = reader.ReadEdgeCount(4);
        long elapsed = sw.ElapsedMilliseconds;
        // 40 in 800 ms at a 20 ms half-period, never more; an overloaded machine wakes the thread late.
        Assert.True(edgesWhileFeeding >= 10 && edgesWhileFeeding <= (elapsed + 40) / 20 + 1, "expected about 40 edges in " + elapsed + " ms at a 20 ms half-period, saw " + edgesWhileFeeding);
        Assert.True(status.Feeding);

        Volatile.Write(ref feed, false);
        Thread.Sleep(200); // one half-period for the pump to notice, plus scheduling slack
        int atStop = reader.ReadEdgeCount(4);
        Thread.Sleep(300);
        Assert.Equal(atStop, reader.ReadEdgeCount(4));
        Assert.False(status.Feeding);
        Assert.Empty(events.All);
    }

    [Fact]
    public void Pump_recovers_when_the_device_comes_back_and_says_so()
    {
        var driver = new RecordingGpioDriver { FailOpen = new IOException("No such device") };
        var status = new AgentStatus();
        var events = new RecordingEvents();
        using var pump = new HeartbeatPump(new GpioHeartbeatHardware("flaky", () => new GpioController(driver), 1), () => true, status, events, 20, 50, 50);
        pump.Start();
        Thread.Sleep(200);
        Assert.Contains("No such device", status.DeviceProblem, StringComparison.Ordinal);
        Assert.Equal(0, pump.Edges);

        driver.FailOpen = null;
        Thread.Sleep(600);
        Assert.True(pump.Edges > 3, "edges after recovery: " + pump.Edges);
        Assert.Equal("", status.DeviceProblem);
        Assert.Contains(events.All, e => e.Kind == "heartbeat-device-error");
        Assert.Contains(events.All, e => e.Kind == "heartbeat-device-recovered");
    }
}
