using Watchdog.Cli.Mqtt;

namespace Watchdog.Cli.Tests;

public class BrokerEndpointTests
{
    [Theory]
    [InlineData("broker", "broker", 1883)]
    [InlineData("10.0.0.5:8883", "10.0.0.5", 8883)]
    [InlineData("[::1]", "::1", 1883)]
    [InlineData("[::1]:1884", "::1", 1884)]
    [InlineData("::1", "::1", 1883)]
    [InlineData("fd00::5", "fd00::5", 1883)]
    [InlineData(" broker:1884 ", "broker", 1884)]
    public void Parses_host_and_port(string text, string host, int port)
    {
        Assert.Equal(new BrokerEndpoint(host, port), BrokerEndpoint.Parse(text));
    }

    [Fact]
    public void With_tls_a_broker_without_a_port_means_8883()
    {
        Assert.Equal(new BrokerEndpoint("broker", 8883), BrokerEndpoint.Parse("broker", BrokerEndpoint.DefaultTlsPort));
        Assert.Equal(new BrokerEndpoint("broker", 1884), BrokerEndpoint.Parse("broker:1884", BrokerEndpoint.DefaultTlsPort));
    }

    [Theory]
    [InlineData("host:0")]
    [InlineData("host:70000")]
    [InlineData("host:abc")]
    [InlineData(" ")]
    [InlineData(":1883")]
    [InlineData("[::1")]
    [InlineData("[::1]:")]
    public void Rejects_bad_addresses_with_a_reason(string text)
    {
        var ex = Assert.Throws<FormatException>(() => BrokerEndpoint.Parse(text));
        Assert.Contains("broker", ex.Message, StringComparison.Ordinal);
    }
}
