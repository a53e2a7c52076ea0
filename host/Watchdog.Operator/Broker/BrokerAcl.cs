using System.Text;
using Watchdog.Protocol.Topics;

namespace Watchdog.Operator.Broker;

/// <summary>
/// The broker's acl_file: for every user, the cluster's topics to read and exactly the topics it
/// publishes to write, all built by <see cref="Watchdog.Protocol.Topics.TopicTree"/>.
/// <list type="bullet">
/// <item>a board: its own status, state, metrics report and channel readings, the grants and requests of the
/// nodes wired to it, the roles of its groups, its events, and the acks of commands for itself,
/// its nodes and its groups (the targets it subscribes to);</item>
/// <item>an agent: its node's status (also its will), state, metrics and grant acks, its events,
/// and the acks of commands for its node;</item>
/// <item>an operator: commands (<c>command/+</c>, which does not match <c>command/&lt;target&gt;/ack</c>)
/// and Home Assistant's discovery configs (<c>homeassistant/#</c>);
/// with bridged sites it also reads their trees and the bridges' state topics;</item>
/// <item>another site's bridge: that site's status and event topics and its bridge state topic,
/// and reads nothing (its bridge only pushes, <see cref="BrokerBridge"/>).</item>
/// </list>
/// Everything is written under <c>user</c> lines, none as a <c>pattern</c>: mosquitto applies a
/// pattern to every user, and <c>%u</c> stands for the whole user name, so with user names that
/// say what a user is (<c>agent-db1</c>) no pattern can name <c>node/db1/...</c>, and with bare
/// names (<c>db1</c>) a pattern for node topics would let boards and operators write node topics
/// under their own names.
/// </summary>
public static class BrokerAcl
{
    /// <summary>Home Assistant's default discovery prefix, which operators may write.</summary>
    public const string HomeAssistantDiscoveryTopics = "homeassistant/#";

    /// <summary>The topics each user may write, in the order they are written to the file.</summary>
    public static IReadOnlyList<(BrokerUser User, IReadOnlyList<string> Writes)> Writes(BrokerPlan plan)
    {
        var t = plan.Topics;
        var result = new List<(BrokerUser, IReadOnlyList<string>)>();
        foreach (BrokerUser user in plan.Users)
        {
            var writes = new List<string>();
            switch (user.Kind)
            {
                case PrincipalKind.Board:
                    BoardPrincipal board = plan.Boards.Single(b => b.Board == user.Name);
                    writes.Add(t.BoardStatus(board.Board));
                    writes.Add(t.BoardState(board.Board));
                    writes.Add(t.BoardMetrics(board.Board));
                    writes.AddRange(board.Channels.Select(c => t.BoardChannel(board.Board, c)));
                    foreach (string node in board.Nodes)
                    {
                        writes.Add(t.NodeGrant(node));
                        writes.Add(t.NodeRequest(node));
                    }

                    writes.AddRange(board.Groups.Select(t.GroupRoles));
                    writes.Add(t.Event(board.Board));
                    writes.Add(t.CommandAck(board.Board));
                    writes.AddRange(board.Nodes.Select(t.CommandAck));
                    writes.AddRange(board.Groups.Select(t.CommandAck));
                    break;
                case PrincipalKind.Agent:
                    writes.Add(t.NodeStatus(user.Name));
                    writes.Add(t.NodeState(user.Name));
                    writes.Add(t.NodeMetrics(user.Name));
                    writes.Add(t.NodeGrantAck(user.Name));
                    writes.Add(t.Event(user.Name));
                    writes.Add(t.CommandAck(user.Name));
                    break;
                case PrincipalKind.Operator:
                    writes.Add(t.AllCommands());
                    // Home Assistant's discovery configs (`watchdogctl homeassistant`): outside the cluster's tree, read by nobody of it.
                    writes.Add(HomeAssistantDiscoveryTopics);
                    break;
                case PrincipalKind.Bridge:
                    // The peer's own status and events, and mosquitto's word on its bridge: nothing of this site's tree.
                    writes.AddRange(BrokerBridge.Topics(new TopicTree(user.Name)));
                    writes.Add(BrokerBridge.StateTopic(user.Name));
                    break;
            }

            result.Add((user, writes));
        }

        return result;
    }

    public static string Render(BrokerPlan plan)
    {
        var acl = new StringBuilder();
        acl.Append(
            $"""
            # mosquitto acl_file for Watchdog cluster "{plan.Cluster}", written by `watchdogctl broker config`.
            # Every user of this site may read {plan.Topics.Everything()} and write only the topics listed under it;
            # another site's bridge (bridge-<cluster>) reads nothing and writes its own site's status.
            # User names: board-<board>, agent-<node>, operator-<name>, bridge-<cluster>. No line before the first user
            # line: anonymous clients get nothing (and allow_anonymous is false anyway).

            """);
        foreach (var (user, writes) in Writes(plan))
        {
            acl.Append('\n').Append("# ").Append(Describe(user, plan)).Append('\n');
            acl.Append("user ").Append(user.User).Append('\n');
            if (user.Kind != PrincipalKind.Bridge)
            {
                acl.Append("topic read ").Append(plan.Topics.Everything()).Append('\n');
            }

            if (user.Kind == PrincipalKind.Operator && plan.BridgePeers.Count > 0)
            {
                foreach (string peer in plan.BridgePeers)
                {
                    acl.Append("topic read ").Append(new TopicTree(peer).Everything()).Append('\n');
                }

                acl.Append("topic read ").Append(BrokerBridge.AllStateTopics).Append('\n');
            }

            if (user.Kind == PrincipalKind.Operator)
            {
                // `watchdogctl homeassistant` reads the configs it wrote before, to remove those of members that left.
                acl.Append("topic read ").Append(HomeAssistantDiscoveryTopics).Append('\n');
            }

            foreach (string topic in writes)
            {
                acl.Append("topic write ").Append(topic).Append('\n');
            }
        }

        return acl.ToString();
    }

    private static string Describe(BrokerUser user, BrokerPlan plan) => user.Kind switch
    {
        PrincipalKind.Board => $"board {user.Name}: nodes {string.Join(", ", plan.Boards.Single(b => b.Board == user.Name).Nodes)}",
        PrincipalKind.Agent => $"agent of node {user.Name}",
        PrincipalKind.Bridge => $"bridge of site {user.Name}: its own status and events only",
        _ => $"operator {user.Name}: commands only",
    };
}
