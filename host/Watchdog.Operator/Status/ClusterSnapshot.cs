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

        switch (parsed.Kind)
        {
            case TopicKind.NodeStatus:
                if (Decode(topic, MessageCodec.TryDecodePresence(payload, out var nodePresence, out var e1), e1))
                {
                    Node(parsed.Name).Presence = nodePresence;
                }

                break;
            case TopicKind.NodeState:
                if (Decode(topic, MessageCodec.TryDecode(payload, out NodeState? state, out var e2), e2))
                {
                    Node(parsed.Name).State = state;
                }

                break;
            case TopicKind.NodeMetrics:
                if (Decode(topic, MessageCodec.TryDecode(payload, out NodeMetrics? metrics, out var e3), e3))
                {
                    Node(parsed.Name).Metrics = metrics;
                }

                break;
            case TopicKind.NodeGrant:
                if (Decode(topic, MessageCodec.TryDecode(payload, out Grant? grant, out var e4), e4))
                {
                    Node(parsed.Name).Grant = grant;
                }

                break;
            case TopicKind.BoardStatus:
                if (Decode(topic, MessageCodec.TryDecodePresence(payload, out var boardPresence, out var e5), e5))
                {
                    Board(parsed.Name).Presence = boardPresence;
                }

                break;
            case TopicKind.BoardState:
                if (Decode(topic, MessageCodec.TryDecode(payload, out BoardStatus? boardState, out var e6), e6))
                {
                    Board(parsed.Name).State = boardState;
                }

                break;
            case TopicKind.BoardChannel:
                if (Decode(topic, MessageCodec.TryDecode(payload, out ChannelReading? reading, out var e7), e7) && reading is not null)
                {
                    Board(parsed.Name).Channels[parsed.Channel] = reading;
                }

                break;
            case TopicKind.GroupRoles:
                if (Decode(topic, MessageCodec.TryDecode(payload, out GroupRoles? roles, out var e8), e8) && roles is not null)
                {
                    Groups[parsed.Name] = roles;
                }

                break;
            case TopicKind.Event:
                if (Decode(topic, MessageCodec.TryDecode(payload, out EventMessage? ev, out var e9), e9))
                {
                    return ev;
                }

                break;
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
