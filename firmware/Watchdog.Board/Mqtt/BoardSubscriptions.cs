using Watchdog.Firmware.Core.Config;
using Watchdog.Protocol.Topics;

namespace Watchdog.Board.Mqtt;

/// <summary>
/// What the board listens to: status, state and grant acks of its own nodes, and commands for
/// itself, its groups and its nodes (the core answers a command for another target wrong-target).
/// Narrow filters keep other boards' traffic and node metrics off the tick thread.
/// </summary>
public static class BoardSubscriptions
{
    public static IReadOnlyList<string> For(BoardConfig config, TopicTree topics)
    {
        var filters = new List<string> { topics.Command(config.Board) };
        foreach (ChannelConfig channel in config.Channels)
        {
            filters.Add(topics.NodeStatus(channel.Node));
            filters.Add(topics.NodeState(channel.Node));
            filters.Add(topics.NodeGrantAck(channel.Node));
            filters.Add(topics.Command(channel.Node));
        }

        foreach (GroupConfig group in config.Groups)
        {
            filters.Add(topics.Command(group.Name));
        }

        return filters.Distinct(StringComparer.Ordinal).ToList();
    }
}
