using Watchdog.Protocol.Json;
using Watchdog.Protocol.Messages;
using Watchdog.Protocol.Topics;
using Watchdog.Protocol.Wire;

namespace Watchdog.Operator.Status;

/// <summary>
/// Everything watchdogctl knows about a cluster, folded from the retained topics (and live
/// updates). A payload that does not decode is kept as a problem with its reason, never dropped
/// silently.
/// </summary>
public sealed class ClusterSnapshot(TopicTree topics)
{
    /// <summary>The shape of MessageCodec's decoders, one per message type.</summary>
    private delegate bool Decoder<T>(byte[] payload, out T message, out CodecError? error);

    public SortedDictionary<string, NodeView> Nodes { get; } = new(StringComparer.Ordinal);
    public SortedDictionary<string, BoardView> Boards { get; } = new(StringComparer.Ordinal);
    public SortedDictionary<string, GroupRoles> Groups { get; } = new(StringComparer.Ordinal);
    public List<string> Problems { get; } = [];

    /// <summary>Folds one message in. Returns the decoded event when the message was one, for `events`.</summary>
    public EventMessage? Apply(string topic, byte[] payload)
    {
        if (!topics.TryParse(topic, out var parsed) || parsed is null)
        {
            return null;
        }

        if (payload.Length == 0)
        {
            // A retained value being cleared.
            return null;
        }

        // A payload that does not decode fails its case's guard (and is kept as a problem).
        bool Decoded<T>(Decoder<T> decode, out T message) => Decode(topic, decode(payload, out message, out var error), error);
        switch (parsed.Kind)
        {
            case TopicKind.NodeStatus when Decoded(MessageCodec.TryDecodePresence, out Presence nodePresence):
                Node(parsed.Name).Presence = nodePresence;
                break;
            case TopicKind.NodeState when Decoded(MessageCodec.TryDecode, out NodeState? state):
                Node(parsed.Name).State = state;
                break;
            case TopicKind.NodeMetrics when Decoded(MessageCodec.TryDecode, out NodeMetrics? metrics):
                Node(parsed.Name).Metrics = metrics;
                break;
            case TopicKind.NodeGrant when Decoded(MessageCodec.TryDecode, out Grant? grant):
                Node(parsed.Name).Grant = grant;
                break;
            case TopicKind.BoardStatus when Decoded(MessageCodec.TryDecodePresence, out Presence boardPresence):
                Board(parsed.Name).Presence = boardPresence;
                break;
            case TopicKind.BoardState when Decoded(MessageCodec.TryDecode, out BoardStatus? boardState):
                Board(parsed.Name).State = boardState;
                break;
            case TopicKind.BoardChannel when Decoded(MessageCodec.TryDecode, out ChannelReading? reading) && reading is not null:
                Board(parsed.Name).Channels[parsed.Channel] = reading;
                break;
            case TopicKind.GroupRoles when Decoded(MessageCodec.TryDecode, out GroupRoles? roles) && roles is not null:
                Groups[parsed.Name] = roles;
                break;
            case TopicKind.Event when Decoded(MessageCodec.TryDecode, out EventMessage? ev):
                return ev;
            default:
                break;
        }

        return null;
    }

    /// <summary>The epoch a command for this target must carry: its group's (target may be a group or a member).</summary>
    public long EpochFor(string target)
    {
        if (Groups.TryGetValue(target, out var group))
        {
            return group.Epoch;
        }

        foreach (var roles in Groups.Values)
        {
            if (roles.Active.Contains(target) || roles.Standby.Contains(target) || roles.Fenced.Contains(target))
            {
                return roles.Epoch;
            }
        }

        if (Nodes.TryGetValue(target, out var node) && node.State is not null)
        {
            return node.State.Epoch;
        }

        return Boards.Values.Select(b => b.State?.Epoch ?? 0).DefaultIfEmpty(0).Max();
    }

    private NodeView Node(string name)
    {
        if (!Nodes.TryGetValue(name, out var view))
        {
            view = new NodeView(name);
            Nodes[name] = view;
        }

        return view;
    }

    private BoardView Board(string name)
    {
        if (!Boards.TryGetValue(name, out var view))
        {
            view = new BoardView(name);
            Boards[name] = view;
        }

        return view;
    }

    private bool Decode(string topic, bool ok, CodecError? error)
    {
        if (!ok)
        {
            Problems.Add($"{topic}: {error?.Text ?? "undecodable payload"}");
        }

        return ok;
    }
}

public sealed class NodeView(string name)
{
    public string Name { get; } = name;
    public Presence? Presence { get; set; }
    public NodeState? State { get; set; }
    public NodeMetrics? Metrics { get; set; }
    public Grant? Grant { get; set; }
}

public sealed class BoardView(string name)
{
    public string Name { get; } = name;
    public Presence? Presence { get; set; }
    public BoardStatus? State { get; set; }
    public SortedDictionary<string, ChannelReading> Channels { get; } = new(StringComparer.Ordinal);
}
