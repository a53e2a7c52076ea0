using System.Globalization;
using System.Text;

namespace Watchdog.Operator.Broker;

/// <summary>A listener as an operator writes it: a port, or address:port ([v6]:port).</summary>
public sealed record ListenAddress(string? Address, int Port)
{
    public static ListenAddress Parse(string text, string option)
    {
        string host = "";
        string portText = text;
        int colon = text.LastIndexOf(':');
        if (colon >= 0)
        {
            host = text[..colon].Trim('[', ']');
            portText = text[(colon + 1)..];
            if (host.Length == 0 || host.Contains(' ', StringComparison.Ordinal))
            {
                throw new BrokerConfigException($"{option} '{text}': expected a port or address:port");
            }
        }

        if (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out int port) || port is < 1 or > 65535)
        {
            throw new BrokerConfigException($"{option} '{text}': the port must be a number from 1 to 65535");
        }

        return new ListenAddress(host.Length == 0 ? null : host, port);
    }

    /// <summary>mosquitto's listener line: no address listens on every address.</summary>
    public string ConfLine() => Address is null ? $"listener {Port}" : $"listener {Port} {Address}";

    public override string ToString() => Address is null ? $"*:{Port}" : Address.Contains(':', StringComparison.Ordinal) ? $"[{Address}]:{Port}" : $"{Address}:{Port}";
}

/// <summary>The paths mosquitto reads its TLS files from, on the broker's machine.</summary>
public sealed record TlsPaths(string CaFile, string CertFile, string KeyFile);

/// <summary>
/// The broker's mosquitto.conf: one set of users and one ACL for every listener
/// (per_listener_settings false), no anonymous clients, plain and TLS listeners. It sets nothing
/// else (persistence, logging), so it serves as the whole configuration (<c>mosquitto -c</c>) or
/// as a file in Debian's /etc/mosquitto/conf.d beside the packaged main file.
/// </summary>
public static class MosquittoConf
{
    public static string Render(BrokerPlan plan, string passwordFile, string aclFile, IReadOnlyList<ListenAddress> plain, IReadOnlyList<ListenAddress> tls, TlsPaths? tlsPaths)
    {
        var conf = new StringBuilder();
        conf.Append(
            $"""
            # mosquitto 2.0 configuration for Watchdog cluster "{plan.Cluster}", written by `watchdogctl broker config`.
            # Boards, agents and operators log in as board-<board>, agent-<node>, operator-<name>;
            # acl_file says what each may write. Usable as the whole configuration (mosquitto -c) or
            # as a file in /etc/mosquitto/conf.d; it leaves persistence and logging to the main file.

            # One set of users and one ACL for every listener.
            per_listener_settings false
            allow_anonymous false
            password_file {passwordFile}
            acl_file {aclFile}

            # use_username_as_clientid stays off: clients keep their own client ids, because one user
            # may hold several connections at once (an operator's `watchdogctl events` beside a
            # command, the rack observer) and the option would make each new one disconnect the last.

            """);
        foreach (ListenAddress listener in plain)
        {
            conf.Append("\n# Plain MQTT: passwords cross the network readable; use it on loopback or a trusted network only.\n");
            conf.Append(listener.ConfLine()).Append('\n');
        }

        foreach (ListenAddress listener in tls)
        {
            conf.Append("\n# MQTT over TLS: clients check the broker's certificate against the cluster CA.\n");
            conf.Append(listener.ConfLine()).Append('\n');
            conf.Append("cafile ").Append(tlsPaths!.CaFile).Append('\n');
            conf.Append("certfile ").Append(tlsPaths.CertFile).Append('\n');
            conf.Append("keyfile ").Append(tlsPaths.KeyFile).Append('\n');
            conf.Append("tls_version tlsv1.2\n");
        }

        return conf.ToString();
    }
}
