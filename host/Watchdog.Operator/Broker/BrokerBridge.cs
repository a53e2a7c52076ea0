using System.Globalization;
using System.Text;
using Watchdog.Protocol.Topics;

namespace Watchdog.Operator.Broker;

/// <summary>
/// This broker's bridge to the broker of another site (a cluster of its own name): the peer's
/// address, the password the peer's broker knows this site's bridge by, and how fast a lost link
/// is noticed and retried.
/// </summary>
public sealed record BridgeTarget
{
    /// <summary>The peer site's cluster name: its topics live under watchdog/v1/&lt;peer&gt;/.</summary>
    public required string PeerCluster { get; init; }

    /// <summary>The peer broker's listener, address:port.</summary>
    public required ListenAddress Peer { get; init; }

    /// <summary>
    /// The file holding the password of user bridge-&lt;this cluster&gt; on the peer's broker: the
    /// credential file the peer's own configuration run wrote (credentials/bridge-&lt;this cluster&gt;.password there).
    /// </summary>
    public required string PasswordFile { get; init; }

    /// <summary>The peer's CA certificate when its listener is TLS (bridge_cafile); null: plain MQTT.</summary>
    public string? CaFile { get; init; }

    /// <summary>Seconds without traffic before the bridge pings; a dead link is noticed within about two of them (mosquitto allows 5 at least).</summary>
    public int KeepaliveSeconds { get; init; } = 30;

    /// <summary>The reconnect back-off after a lost link: from this many seconds ...</summary>
    public int RestartBaseSeconds { get; init; } = 5;

    /// <summary>... up to this many (mosquitto's decorrelated jitter).</summary>
    public int RestartCapSeconds { get; init; } = 30;
}

/// <summary>
/// What a site's broker shares with the other site's, and what it never does. Each site's broker
/// pushes its own cluster's status and events to the peer (direction <c>out</c>) and takes
/// nothing in: the peer pushes its own the same way, logging in as <c>bridge-&lt;peer&gt;</c>,
/// whose ACL entry lets it write only the peer cluster's status and event topics. So a broker's
/// own tree is written by its own site's users alone, whatever the peer's configuration says.
/// Bridged: node status and state, board status, state and channel readings, group roles, events.
/// Never bridged: grants, grant acks, requests, commands and their acks (a site's board and
/// agents act on their own site's alone; a grant or command is sealed for one site's keys and
/// means nothing, or harm, at the other) and metrics (volume, no status).
/// </summary>
public static class BrokerBridge
{
    public const string UserPrefix = "bridge-";

    /// <summary>Reads <c>&lt;site&gt;=&lt;address&gt;:&lt;port&gt;</c>, the other site's cluster and its broker's listener.</summary>
    public static (string Site, ListenAddress Peer) ParseTarget(string text, string option)
    {
        int equals = text.IndexOf('=', StringComparison.Ordinal);
        if (equals <= 0)
        {
            throw new BrokerConfigException($"{option} '{text}': expected <site>=<address>:<port>, the other site's cluster and its broker");
        }

        ListenAddress peer = ListenAddress.Parse(text[(equals + 1)..], option);
        if (peer.Address is null)
        {
            throw new BrokerConfigException($"{option} '{text}': the other site's broker needs an address as well as a port");
        }

        return (text[..equals], peer);
    }

    /// <summary>The user a site's bridge logs in to the peer's broker as, also its client id there.</summary>
    public static string UserOf(string cluster) => UserPrefix + cluster;

    /// <summary>The topic filters of <paramref name="topics"/>' cluster a bridge shares.</summary>
    public static IReadOnlyList<string> Topics(TopicTree topics) =>
    [
        topics.AllNodeStatus(), topics.AllNodeStates(), topics.AllBoardStatus(), topics.AllBoardStates(),
        topics.AllBoardChannels(), topics.AllGroups(), topics.AllEvents(),
    ];

    /// <summary>
    /// Where mosquitto says whether the bridge of site <paramref name="cluster"/> is up ("1") or
    /// down ("0"), retained, on both brokers (the topic is named after the bridge's client id).
    /// Read it on the peer's broker: there "1" is published by the bridge as it connects and "0"
    /// is its will, which the peer publishes once it has lost the bridge (about 1.5 keepalives of
    /// silence). On the bridge's own broker mosquitto 2.0 says "1" on connecting but never "0"
    /// when the link is lost, so the word there may be stale.
    /// </summary>
    public static string StateTopic(string cluster) => $"$SYS/broker/connection/{UserOf(cluster)}/state";

    /// <summary>Every bridge's state topic: what operators may read beside the clusters' trees.</summary>
    public const string AllStateTopics = "$SYS/broker/connection/+/state";

    /// <summary>The bridge's section of mosquitto.conf; it holds the peer's password, so the file is written readable by its owner only.</summary>
    public static string Render(BrokerPlan plan, BridgeTarget target, string password)
    {
        if (target.Peer.Address is null)
        {
            throw new BrokerConfigException($"bridge to {target.PeerCluster}: the peer's broker needs an address (address:port), not a port alone");
        }

        if (target.KeepaliveSeconds < 5 || target.RestartBaseSeconds < 1 || target.RestartCapSeconds < target.RestartBaseSeconds)
        {
            throw new BrokerConfigException(
                $"bridge to {target.PeerCluster}: keepalive {target.KeepaliveSeconds} s (at least 5), restart {target.RestartBaseSeconds}..{target.RestartCapSeconds} s (base at least 1, cap not below it)");
        }

        string self = UserOf(plan.Cluster);
        var conf = new StringBuilder();
        conf.Append(CultureInfo.InvariantCulture,
            $"""

            # Bridge to site "{target.PeerCluster}": this site's status and events go out to its broker, nothing
            # comes in (its own bridge brings its). Grants, requests and commands are never bridged.
            connection {plan.Cluster}-to-{target.PeerCluster}
            address {target.Peer}
            remote_clientid {self}
            remote_username {self}
            remote_password {password}
            bridge_protocol_version mqttv311
            # Kept session: QoS 1 messages published while the link is down are delivered when it is back.
            cleansession false
            start_type automatic
            keepalive_interval {target.KeepaliveSeconds}
            restart_timeout {target.RestartBaseSeconds} {target.RestartCapSeconds}
            # Retained "1"/"0" on {StateTopic(plan.Cluster)}, here and at the peer.
            notifications true

            """);
        if (target.CaFile is not null)
        {
            conf.Append("bridge_cafile ").Append(Path.GetFullPath(target.CaFile)).Append('\n');
            conf.Append("bridge_tls_version tlsv1.2\n");
        }

        foreach (string topic in Topics(plan.Topics))
        {
            conf.Append("topic ").Append(topic).Append(" out 1\n");
        }

        return conf.ToString();
    }
}
