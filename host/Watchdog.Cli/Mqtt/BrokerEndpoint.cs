using System.Globalization;

namespace Watchdog.Cli.Mqtt;

/// <summary>A broker address as operators write it: host, host:port or [v6]:port.</summary>
public sealed record BrokerEndpoint(string Host, int Port)
{
    public const int DefaultPort = 1883;
    public const int DefaultTlsPort = 8883;

    public static BrokerEndpoint Parse(string text) => Parse(text, DefaultPort);

    public static BrokerEndpoint Parse(string text, int defaultPort)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            throw new FormatException("broker address is empty (expected host or host:port)");
        }

        var host = text;
        var port = defaultPort;
        var colon = text.LastIndexOf(':');
        if (colon > 0 && !text.EndsWith(']') && text.IndexOf(':') == colon)
        {
            host = text[..colon];
            if (!int.TryParse(text[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535)
            {
                throw new FormatException($"broker '{text}': port must be a number from 1 to 65535");
            }
        }

        return new BrokerEndpoint(host.Trim('[', ']'), port);
    }

    public override string ToString() => $"{Host}:{Port}";
}
