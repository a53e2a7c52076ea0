using System.Globalization;

namespace Watchdog.Mqtt;

/// <summary>
/// One broker of the ordered list the link tries, first to last. With <paramref name="Tls"/> the
/// broker's certificate must chain to <paramref name="CaFile"/> (the cluster's CA) and name the
/// host; without a CA file the system store decides.
/// </summary>
public sealed record MqttBroker(string Host, int Port, bool Tls = false, string? CaFile = null)
{
    public override string ToString() => $"{Host}:{Port}";

    /// <summary>Reads host, host:port or [v6]:port; <paramref name="error"/> is a sentence starting with the quoted text.</summary>
    public static bool TryParse(string text, int defaultPort, out MqttBroker? broker, out string error)
    {
        broker = null;
        error = "";
        string host = text;
        int port = defaultPort;
        int colon = text.LastIndexOf(':');
        if (colon >= 0 && text.IndexOf(']', StringComparison.Ordinal) < colon)
        {
            host = text[..colon];
            string portText = text[(colon + 1)..];
            if (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535)
            {
                error = $"'{text}': port '{portText}' is not a number from 1 to 65535";
                return false;
            }
        }

        host = host.Trim('[', ']');
        if (host.Length == 0)
        {
            error = $"'{text}': no host name";
            return false;
        }

        broker = new MqttBroker(host, port);
        return true;
    }
}
