using Watchdog.Firmware.Core.Config;
using Watchdog.Protocol.Topics;

namespace Watchdog.Operator.Broker;

/// <summary>What a broker user is: a board, the agent of a node, an operator (watchdogctl), or the bridge of another site's broker.</summary>
public enum PrincipalKind
{
    Board,
    Agent,
    Operator,

    /// <summary>Another site's broker pushing its own cluster's status and events here (<see cref="BrokerBridge"/>); its name is that cluster's.</summary>
    Bridge,
}

/// <summary>One MQTT user of the cluster's broker: its user name, what it is and the name it has in topics.</summary>
public sealed record BrokerUser(string User, PrincipalKind Kind, string Name);

/// <summary>A board as the broker sees it: its name and what its configuration wires to it.</summary>
public sealed record BoardPrincipal(string Board, IReadOnlyList<string> Channels, IReadOnlyList<string> Nodes, IReadOnlyList<string> Groups);

/// <summary>
/// Who may log in to one cluster's broker. Boards, their channels, nodes and groups come from the
/// boards' own configuration files (the files the boards run with), so the ACL can hold each board
/// to the nodes it is wired to; each node's agent gets a user; operators are named on the command
/// line. User names say what a user is: <c>board-&lt;board&gt;</c>, <c>agent-&lt;node&gt;</c>,
/// <c>operator-&lt;name&gt;</c> (the agent's is the one its deploy example already uses).
/// </summary>
public sealed class BrokerPlan
{
    public const string BoardUserPrefix = "board-";
    public const string AgentUserPrefix = "agent-";
    public const string OperatorUserPrefix = "operator-";

    private BrokerPlan(string cluster, IReadOnlyList<BoardPrincipal> boards, IReadOnlyList<string> operators, IReadOnlyList<string> bridgePeers)
    {
        Cluster = cluster;
        Boards = boards;
        Operators = operators;
        BridgePeers = bridgePeers;
        Topics = new TopicTree(cluster);
    }

    public string Cluster { get; }

    public TopicTree Topics { get; }

    public IReadOnlyList<BoardPrincipal> Boards { get; }

    /// <summary>Every node of every board, in the order of the boards and their channels; once, though both boards of a pair watch it.</summary>
    public IReadOnlyList<string> Nodes => Boards.SelectMany(b => b.Nodes).Distinct(StringComparer.Ordinal).ToList();

    public IReadOnlyList<string> Operators { get; }

    /// <summary>The clusters of other sites whose brokers bridge their status into this one (user bridge-&lt;cluster&gt; each).</summary>
    public IReadOnlyList<string> BridgePeers { get; }

    /// <summary>Every user, boards first, then agents, then operators, then other sites' bridges.</summary>
    public IReadOnlyList<BrokerUser> Users =>
    [
        .. Boards.Select(b => new BrokerUser(BoardUserPrefix + b.Board, PrincipalKind.Board, b.Board)),
        .. Nodes.Select(n => new BrokerUser(AgentUserPrefix + n, PrincipalKind.Agent, n)),
        .. Operators.Select(o => new BrokerUser(OperatorUserPrefix + o, PrincipalKind.Operator, o)),
        .. BridgePeers.Select(p => new BrokerUser(BrokerBridge.UserOf(p), PrincipalKind.Bridge, p)),
    ];

    /// <summary>Reads and checks the boards' configuration files; throws <see cref="BrokerConfigException"/> naming the file and the problem.</summary>
    public static BrokerPlan Read(IReadOnlyList<string> boardConfigPaths, IReadOnlyList<string> operators, IReadOnlyList<string>? bridgePeers = null)
    {
        var configs = new List<(string Source, BoardConfig Config)>();
        foreach (string path in boardConfigPaths)
        {
            if (!BoardConfigFile.TryRead(path, out BoardConfig? config, out string error))
            {
                throw new BrokerConfigException(error);
            }

            configs.Add((path, config!));
        }

        return From(configs, operators, bridgePeers);
    }

    /// <summary>
    /// Builds the plan from board configurations already read. Refuses what would make two users
    /// share a topic: two boards of one name, a node or group on two boards, and a name used for
    /// two things (boards and nodes share <c>events/&lt;name&gt;</c>; boards, nodes and groups share
    /// <c>command/&lt;name&gt;</c>). The one exception: the two boards of a pair (each naming the
    /// other its peer in its "pair" section) watch the same nodes and groups; only the one
    /// holding authority publishes their grants and roles, and each board's user may write them.
    /// </summary>
    public static BrokerPlan From(IReadOnlyList<(string Source, BoardConfig Config)> configs, IReadOnlyList<string> operators, IReadOnlyList<string>? bridgePeers = null)
    {
        if (configs.Count == 0)
        {
            throw new BrokerConfigException("at least one --board-config is needed");
        }

        if (operators.Count == 0)
        {
            throw new BrokerConfigException("at least one --operator is needed (watchdogctl logs in as one)");
        }

        string cluster = configs[0].Config.Cluster;
        var owner = new Dictionary<string, Claimed>(StringComparer.Ordinal);
        var boards = new List<BoardPrincipal>();
        foreach (var (source, config) in configs)
        {
            if (config.Cluster != cluster)
            {
                throw new BrokerConfigException($"'{source}' is for cluster '{config.Cluster}', '{configs[0].Source}' for '{cluster}': one broker configuration serves one cluster");
            }

            Claim(owner, config.Board, new Claimed("board", config.Board, $"board {config.Board} ({source})"), null);
            string? pairedWith = PairedWith(config, configs);
            if (pairedWith is not null)
            {
                CheckPair(source, config, configs.First(c => c.Config.Board == pairedWith));
            }

            foreach (ChannelConfig channel in config.Channels)
            {
                Claim(owner, channel.Node, new Claimed("node", config.Board, $"node {channel.Node} (channel {channel.Name} of board {config.Board})"), pairedWith);
            }

            foreach (GroupConfig group in config.Groups)
            {
                Claim(owner, group.Name, new Claimed("group", config.Board, $"group {group.Name} (board {config.Board})"), pairedWith);
            }

            boards.Add(new BoardPrincipal(
                config.Board,
                config.Channels.Select(c => c.Name).ToList(),
                config.Channels.Select(c => c.Node).ToList(),
                config.Groups.Select(g => g.Name).ToList()));
        }

        var seenOperators = new HashSet<string>(StringComparer.Ordinal);
        foreach (string name in operators)
        {
            CheckUserName(name, $"--operator '{name}'");
            if (!seenOperators.Add(name))
            {
                throw new BrokerConfigException($"--operator '{name}' is given twice");
            }
        }

        var seenPeers = new HashSet<string>(StringComparer.Ordinal);
        foreach (string peer in bridgePeers ?? [])
        {
            CheckUserName(peer, $"bridge peer '{peer}'");
            if (peer == cluster)
            {
                throw new BrokerConfigException($"bridge peer '{peer}' is this broker's own cluster: a bridged site must have a cluster name of its own, or its topics would land in this site's tree");
            }

            if (!seenPeers.Add(peer))
            {
                throw new BrokerConfigException($"bridge peer '{peer}' is given twice");
            }
        }

        return new BrokerPlan(cluster, boards, [.. operators], [.. bridgePeers ?? []]);
    }

    // Each board of a pair reads only its own file, so what the two must agree on is checked here,
    // where both are read: two preferred boards booting together would both take authority, two
    // boards neither preferred would both wait, and different timings break the race the delay
    // decides (docs/safety-rules.md, "Two boards").
    private static void CheckPair(string source, BoardConfig config, (string Source, BoardConfig Config) peer)
    {
        PairConfig a = config.Pair!, b = peer.Config.Pair!;
        if (a.Preferred == b.Preferred)
        {
            throw new BrokerConfigException($"'{source}' and '{peer.Source}' are a pair, and {(a.Preferred ? "both" : "neither")} say \"preferred\": true; exactly one board of a pair is preferred");
        }

        string[] differ = new (string Name, int A, int B)[]
        {
            ("heartbeat_period_ms", a.HeartbeatPeriodMs, b.HeartbeatPeriodMs), ("peer_timeout_ms", a.PeerTimeoutMs, b.PeerTimeoutMs),
            ("link_period_ms", a.LinkPeriodMs, b.LinkPeriodMs), ("link_timeout_ms", a.LinkTimeoutMs, b.LinkTimeoutMs),
            ("priority_delay_ms", a.PriorityDelayMs, b.PriorityDelayMs), ("confirm_ms", a.ConfirmMs, b.ConfirmMs),
            ("peer_boot_grace_ms", a.PeerBootGraceMs, b.PeerBootGraceMs), ("epoch_block", a.EpochBlock, b.EpochBlock),
        }.Where(t => t.A != t.B).Select(t => $"pair.{t.Name} ({t.A} and {t.B})").ToArray();
        if (differ.Length > 0)
        {
            throw new BrokerConfigException($"'{source}' and '{peer.Source}' are a pair with different timings: {string.Join(", ", differ)}; both boards must use the same");
        }
    }

    /// <summary>The board's pair peer when both name each other and the peer is among the configs read; otherwise null.</summary>
    private static string? PairedWith(BoardConfig config, IReadOnlyList<(string Source, BoardConfig Config)> configs) =>
        config.Pair is { } pair && configs.Any(c => c.Config.Board == pair.Peer && c.Config.Pair?.Peer == config.Board)
            ? pair.Peer
            : null;

    /// <summary>What a name was first used for: its kind (board, node, group), the board it came from, the words for a message.</summary>
    private sealed record Claimed(string Kind, string Board, string What);

    private static void Claim(Dictionary<string, Claimed> owner, string name, Claimed claim, string? pairedWith)
    {
        CheckUserName(name, claim.What);
        if (owner.TryGetValue(name, out Claimed? first))
        {
            // A pair's second board claims what its peer already did: the same node or group, watched twice.
            if (pairedWith is not null && first.Board == pairedWith && first.Kind == claim.Kind && claim.Kind != "board")
            {
                return;
            }

            throw new BrokerConfigException($"'{name}' is both {first.What} and {claim.What}: names share events/<name> and command/<name>, so each may be used once in a cluster");
        }

        owner[name] = claim;
    }

    /// <summary>A name becomes part of a user name: the topic rules, and no ':' (password_file separates user and hash with it).</summary>
    private static void CheckUserName(string name, string what)
    {
        if (!TopicTree.IsValidName(name))
        {
            throw new BrokerConfigException($"{what}: a name must be 1-64 characters without '/', '+', '#', spaces or control characters");
        }

        if (name.Contains(':', StringComparison.Ordinal))
        {
            throw new BrokerConfigException($"{what}: a name must not contain ':' (mosquitto's password_file separates user and hash with it)");
        }
    }
}

/// <summary>A problem with what `watchdogctl broker config` was given; the message is for the operator.</summary>
public sealed class BrokerConfigException(string message) : Exception(message);
