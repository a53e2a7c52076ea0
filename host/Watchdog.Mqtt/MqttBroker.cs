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

    /// <summary>
    /// Reads host, host:port, [v6] or [v6]:port; a bare IPv6 address (two colons or more, no
    /// brackets) is a host with the default port, since its last group cannot be told from a port.
    /// <paramref name="error"/> is a sentence starting with the quoted text. The one parser of
    /// broker addresses for the board, the agent and watchdogctl.
    /// </summary>
    public static bool TryParse(string text, int defaultPort, out MqttBroker? broker, out string error)
    {
        broker = null;
        error = "";
        string host = text.Trim();
        int port = defaultPort;
        int colon = host.LastIndexOf(':');
        bool bareIpv6 = colon > host.IndexOf(':') && !host.StartsWith('[');
        if (colon >= 0 && !bareIpv6 && host.IndexOf(']', StringComparison.Ordinal) < colon)
        {
            string portText = host[(colon + 1)..];
            host = host[..colon];
            if (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535)
            {
                error = $"'{text}': port '{portText}' is not a number from 1 to 65535";
                return false;
            }
        }

        if (host.StartsWith('[') != host.EndsWith(']'))
        {
            error = $"'{text}': unbalanced brackets (write an IPv6 address as [v6] or [v6]:port)";
            return false;
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
