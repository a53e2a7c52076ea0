using System.Globalization;

namespace Watchdog.Metrics;

/// <summary>
/// Where the Prometheus endpoint listens: "host:port", "[v6]:port", or "*:port" for every
/// address. There is no default port: the endpoint is off unless an address is given.
/// </summary>
public sealed record ListenAddress(string Host, int Port)
{
    /// <summary>The URL a scraper reads (the wildcard shown as localhost).</summary>
    public string ScrapeUrl => $"http://{(Host == "*" ? "localhost" : Host.Contains(':', StringComparison.Ordinal) ? "[" + Host + "]" : Host)}:{Port}/metrics";

    public override string ToString() => (Host.Contains(':', StringComparison.Ordinal) ? "[" + Host + "]" : Host) + ":" + Port.ToString(CultureInfo.InvariantCulture);

    /// <param name="where">The option or key the text came from, named in the error.</param>
    public static bool TryParse(string text, string where, out ListenAddress? address, out string error)
    {
        address = null;
        error = "";
        string t = text.Trim();
        int colon = t.LastIndexOf(':');
        if (colon < 0 || (t.StartsWith('[') && t.IndexOf(']', StringComparison.Ordinal) > colon))
        {
            error = $"{where} '{text}': give host:port (for example 127.0.0.1:9105, [::1]:9105 or *:9105)";
            return false;
        }

        string host = t[..colon];
        string portText = t[(colon + 1)..];
        if (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out int port) || port is < 1 or > 65535)
        {
            error = $"{where} '{text}': port '{portText}' is not a number from 1 to 65535";
            return false;
        }

        if (host.StartsWith('[') != host.EndsWith(']'))
        {
            error = $"{where} '{text}': unbalanced brackets (write an IPv6 address as [v6]:port)";
            return false;
        }

        host = host.Trim('[', ']');
        if (host.Length == 0)
        {
            error = $"{where} '{text}': no host (use * for every address)";
            return false;
        }

        address = new ListenAddress(host, port);
        return true;
    }
}
