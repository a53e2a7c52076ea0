namespace Watchdog.Agent.Tests;

/// <summary>
/// The serial (DTR/RTS) driver against a pseudo-terminal pair the test creates. A Linux pty has
/// no modem-control lines: the kernel refuses TIOCMBIS/TIOCMGET on it (ENOTTY/EINVAL), so what
/// a pty can test is opening the port, the error path of the toggle (a clear message, not a
/// crash) and the missing-device message. The real DTR level needs a USB-serial adapter.
/// </summary>
[Collection("timing")]
public sealed class SerialDriverTests
{
    [Fact]
    public void Missing_device_gives_a_clear_message()
    {
        using var hw = new SerialHeartbeatHardware("/dev/ttyUSB-does-not-exist", "dtr");
        HeartbeatDeviceException ex = Assert.Throws<HeartbeatDeviceException>(hw.Open);
        Assert.Contains("/dev/ttyUSB-does-not-exist", ex.Message, StringComparison.Ordinal);
        Assert.Contains("does not exist", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("dtr", "DTR")]
    [InlineData("rts", "RTS")]
    public void Opens_a_pseudo_terminal_and_the_refused_modem_ioctl_becomes_a_named_device_error(string signal, string line)
    {
        using var pty = new PseudoTerminal();
        using var hw = new SerialHeartbeatHardware(pty.SlavePath, signal, "cts");
        hw.Open(); // termios setup works on a pty: the port opens
        Assert.True(hw.HasRoleInput);
        Assert.Contains(pty.SlavePath, hw.Description, StringComparison.Ordinal);

        // The toggle goes all the way to the TIOCMBIS/TIOCMBIC ioctl, which a pty refuses (ENOTTY).
        HeartbeatDeviceException ex = Assert.Throws<HeartbeatDeviceException>(() => hw.Write(true));
        Assert.Contains("setting " + line + " failed", ex.Message, StringComparison.Ordinal);
        Assert.Contains(pty.SlavePath, ex.Message, StringComparison.Ordinal);
        Assert.IsType<IOException>(ex.InnerException);
        hw.Close();
    }

    [Fact]
    public void Pump_on_a_port_without_modem_lines_alerts_once_keeps_running_and_says_why()
    {
        using var pty = new PseudoTerminal();
        var status = new Watchdog.Agent.Status.AgentStatus();
        var events = new RecordingEvents();
        using var pump = new HeartbeatPump(new SerialHeartbeatHardware(pty.SlavePath, "dtr"), () => true, status, events, periodMs: 40, retryMinMs: 100, retryMaxMs: 200);
        pump.Start();
        Thread.Sleep(900);
        long loops = pump.Loops;
        Thread.Sleep(300);

        Assert.True(pump.Loops > loops, "the pump keeps retrying instead of dying");
        Assert.Equal(0, pump.Edges);
        Assert.False(status.Feeding);
        Assert.Contains("setting DTR failed", status.DeviceProblem, StringComparison.Ordinal);
        Assert.Single(events.All, e => e.Kind == "heartbeat-device-error"); // one alert, not one per retry
    }

    [Fact]
    public void Writing_before_open_is_a_device_error_not_a_null_reference()
    {
        using var hw = new SerialHeartbeatHardware("/dev/null", "rts");
        HeartbeatDeviceException ex = Assert.Throws<HeartbeatDeviceException>(() => hw.Write(true));
        Assert.Contains("not open", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_that_is_not_a_tty_is_refused_with_the_path()
    {
        using var dir = new TempDirectory();
        string notTty = dir.Write("plain-file", "");
        using var hw = new SerialHeartbeatHardware(notTty, "dtr");
        HeartbeatDeviceException ex = Assert.Throws<HeartbeatDeviceException>(hw.Open);
        Assert.Contains(notTty, ex.Message, StringComparison.Ordinal);
    }
}
