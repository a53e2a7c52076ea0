using Watchdog.Mqtt;

namespace Watchdog.Cli.Mqtt;

/// <summary>A broker address as operators write it: host, host:port or [v6]:port.</summary>
public sealed record BrokerEndpoint(string Host, int Port)
{
    public const int DefaultPort = 1883;
    public const int DefaultTlsPort = 8883;

    public static BrokerEndpoint Parse(string text) => Parse(text, DefaultPort);

    /// <summary>Parses as the board and the agent do (<see cref="MqttBroker.TryParse"/>).</summary>
    /// <exception cref="FormatException">The address is empty or malformed; the message names it.</exception>
    public static BrokerEndpoint Parse(string text, int defaultPort)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            throw new FormatException("broker address is empty (expected host or host:port)");
        }

        if (!MqttBroker.TryParse(text, defaultPort, out MqttBroker? broker, out string error))
        {
            throw new FormatException($"broker {error}");
        }

        return new BrokerEndpoint(broker!.Host, broker.Port);
    }

    public override string ToString() => $"{Host}:{Port}";
}
