using Watchdog.Cli.Mqtt;

namespace Watchdog.Cli.Tests;

public class BrokerEndpointTests
{
    [Theory]
    [InlineData("broker", "broker", 1883)]
    [InlineData("10.0.0.5:8883", "10.0.0.5", 8883)]
    [InlineData("[::1]", "::1", 1883)]
    public void Parses_host_and_port(string text, string host, int port)
    {
        Assert.Equal(new BrokerEndpoint(host, port), BrokerEndpoint.Parse(text));
    }

    [Theory]
    [InlineData("host:0")]
    [InlineData("host:70000")]
    [InlineData("host:abc")]
    [InlineData(" ")]
    public void Rejects_bad_addresses_with_a_reason(string text)
    {
        var ex = Assert.Throws<FormatException>(() => BrokerEndpoint.Parse(text));
        Assert.Contains("broker", ex.Message, StringComparison.Ordinal);
    }
}
