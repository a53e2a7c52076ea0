using Watchdog.Board.Hosting;
using Watchdog.Mqtt;

namespace Watchdog.Board.Tests.Hosting;

public sealed class BoardOptionsTests
{
    [Fact]
    public void Full_command_line_parses_with_brokers_in_order()
    {
        Assert.True(BoardOptions.TryParse(
            ["--config", "b.json", "--pins", "p.json", "--wires", "w", "--state-dir", "/tmp/s", "--broker", "10.0.0.1",
             "--broker", "mqtt.local:1884", "--cluster-key-file", "k", "--status-interval-ms", "250", "--epoch-floor", "7", "--tick-ms", "20", "--realtime-priority", "0"],
            out BoardOptions o, out string error), error);
        Assert.Equal("b.json", o.ConfigPath);
        Assert.Equal("p.json", o.PinMapPath);
        Assert.Equal("w", o.WiresPath);
        Assert.Equal("/tmp/s", o.StateDirectory);
        Assert.Equal([new MqttBroker("10.0.0.1", 1883), new MqttBroker("mqtt.local", 1884)], o.Brokers);
        Assert.Equal(250, o.StatusIntervalMs);
        Assert.Equal(7, o.EpochFloor);
        Assert.Equal(20, o.TickMs);
        Assert.Equal(0, o.RealtimePriority);
    }

    [Fact]
    public void Defaults_are_a_local_broker_and_the_system_state_directory()
    {
        Assert.True(BoardOptions.TryParse(["--config", "b", "--pins", "p"], out BoardOptions o, out string error), error);
        Assert.Equal([new MqttBroker("127.0.0.1", 1883)], o.Brokers);
        Assert.Equal("/var/lib/watchdog-board", o.StateDirectory);
        Assert.Equal(10, o.RealtimePriority);
        Assert.False(o.UseTls);
    }

    [Fact]
    public void A_ca_file_switches_to_tls_and_its_default_port()
    {
        Assert.True(BoardOptions.TryParse(["--config", "b", "--pins", "p", "--ca-file", "ca.pem", "--broker", "m"], out BoardOptions o, out string error), error);
        Assert.True(o.UseTls);
        Assert.Equal(8883, o.Brokers[0].Port);
    }

    [Theory]
    [InlineData(new[] { "--pins", "p" }, "--config <board.json> is required")]
    [InlineData(new[] { "--config", "b" }, "--pins <pinmap.json> is required")]
    [InlineData(new[] { "--config", "b", "--pins" }, "option '--pins' needs a value")]
    [InlineData(new[] { "--config", "b", "--pins", "p", "--frobnicate", "1" }, "unknown option '--frobnicate'")]
    [InlineData(new[] { "--config", "b", "--pins", "p", "--broker", "h:99999" }, "--broker 'h:99999': port '99999' is not a number from 1 to 65535")]
    [InlineData(new[] { "--config", "b", "--pins", "p", "--broker", ":1883" }, "--broker ':1883': no host name")]
    [InlineData(new[] { "--config", "b", "--pins", "p", "--status-interval-ms", "5" }, "--status-interval-ms '5' must be a whole number from 100 to 3600000")]
    [InlineData(new[] { "--config", "b", "--pins", "p", "--tick-ms", "0" }, "--tick-ms '0' must be a whole number from 1 to 1000")]
    [InlineData(new[] { "--config", "b", "--pins", "p", "--realtime-priority", "100" }, "--realtime-priority '100' must be a whole number from 0 to 99")]
    [InlineData(new[] { "--config", "b", "--pins", "p", "--epoch-floor", "-1" }, "--epoch-floor '-1' is not a non-negative integer")]
    [InlineData(new[] { "--config", "b", "--pins", "p", "--epoch-floor", "x" }, "--epoch-floor 'x' is not a non-negative integer")]
    [InlineData(new[] { "--config", "b", "--pins", "p", "--username", "u" }, "--username needs --password-file")]
    public void Bad_command_lines_name_the_option(string[] args, string expected)
    {
        Assert.False(BoardOptions.TryParse(args, out _, out string error));
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }
}
