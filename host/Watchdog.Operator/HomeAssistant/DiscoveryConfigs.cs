using System.Text.Json.Nodes;
using Watchdog.Firmware.Core.Config;
using Watchdog.Protocol.Topics;

namespace Watchdog.Operator.HomeAssistant;

/// <summary>One retained discovery message: Home Assistant's config for one entity.</summary>
public sealed record DiscoveryConfig(string Topic, string Payload);

/// <summary>
/// Home Assistant's MQTT discovery for a Watchdog cluster, built from its board configurations: a
/// device per board and per node, and entities whose state topics are Watchdog's own retained
/// topics (Home Assistant reads them directly; nothing is republished). A node: binary sensors for
/// problem (its agent says failing or degraded), connectivity (its status word) and power (any
/// power-good input high on its board channel); sensors for role, epoch, channel state and
/// verdict. A board: connectivity, problem (status alert), epoch and its place in a pair.
/// Availability comes from the status topics: an entity read from an agent's state is unavailable
/// while the agent is lost, one read from the board while the board is. Config topics are
/// <c>&lt;prefix&gt;/&lt;component&gt;/watchdog_&lt;cluster&gt;_&lt;node|board&gt;_&lt;name&gt;/&lt;entity&gt;/config</c>;
/// every device's identifier is <c>watchdog/&lt;cluster&gt;/&lt;kind&gt;/&lt;name&gt;</c>, which is how
/// <see cref="Stale"/> recognises the configs of a member that left the configuration. Controls
/// (buttons) are the <see cref="ControlBridge"/>'s, off unless it runs.
/// </summary>
public static class DiscoveryConfigs
{
    public const string DefaultPrefix = "homeassistant";

    // Home Assistant's words for a status word: init, ready and alert are a running process.
    private const string StatusAvailable = "{{ 'online' if value in ['init', 'ready', 'alert'] else 'offline' }}";

    /// <summary>Every entity's config for the cluster of <paramref name="boards"/> (one board, or both boards of a pair).</summary>
    public static IReadOnlyList<DiscoveryConfig> For(IReadOnlyList<BoardConfig> boards, string prefix = DefaultPrefix)
    {
        if (boards.Count == 0)
        {
            throw new ArgumentException("at least one board configuration is needed");
        }

        var cluster = boards[0].Cluster;
        if (boards.FirstOrDefault(b => b.Cluster != cluster) is { } other)
        {
            // No parameter name: the message goes to the operator as it is.
            throw new ArgumentException($"board {other.Board} is in cluster '{other.Cluster}', board {boards[0].Board} in '{cluster}': one cluster at a time");
        }

        var t = new TopicTree(cluster);
        var configs = new List<DiscoveryConfig>();
        foreach (var board in boards)
        {
            var device = Device(cluster, "board", board.Board, "watchdog board", via: null);
            var status = t.BoardStatus(board.Board);
            var state = t.BoardState(board.Board);
            configs.Add(Entity(prefix, cluster, "board", board.Board, "binary_sensor", "connectivity", device, status,
                "{{ 'ON' if value in ['init', 'ready', 'alert'] else 'OFF' }}", deviceClass: "connectivity", availability: null));
            configs.Add(Entity(prefix, cluster, "board", board.Board, "binary_sensor", "problem", device, status,
                "{{ 'ON' if value == 'alert' else 'OFF' }}", deviceClass: "problem", availability: status));
            configs.Add(Entity(prefix, cluster, "board", board.Board, "sensor", "epoch", device, state, "{{ value_json.epoch }}", deviceClass: null, availability: status));
            configs.Add(Entity(prefix, cluster, "board", board.Board, "sensor", "pair", device, state, "{{ value_json.pair | default('authority') }}", deviceClass: null, availability: status));
        }

        // A node of a pair is wired to both boards: its wire readings are taken from the first
        // board that names it (the preferred one, which normally holds authority).
        var nodes = new List<(string Node, BoardConfig Board, ChannelConfig Channel)>();
        foreach (var board in boards)
        {
            foreach (var channel in board.Channels)
            {
                if (channel.Node.Length > 0 && nodes.All(n => n.Node != channel.Node))
                {
                    nodes.Add((channel.Node, board, channel));
                }
            }
        }

        foreach (var (node, board, channel) in nodes)
        {
            var device = Device(cluster, "node", node, "server watched by Watchdog", via: $"watchdog/{cluster}/board/{board.Board}");
            var status = t.NodeStatus(node);
            var state = t.NodeState(node);
            var wires = t.BoardChannel(board.Board, channel.Name);
            var boardStatus = t.BoardStatus(board.Board);
            configs.Add(Entity(prefix, cluster, "node", node, "binary_sensor", "connectivity", device, status,
                "{{ 'ON' if value in ['init', 'ready', 'alert'] else 'OFF' }}", deviceClass: "connectivity", availability: null));
            configs.Add(Entity(prefix, cluster, "node", node, "binary_sensor", "problem", device, state,
                "{{ 'ON' if value_json.health in ['failing', 'degraded'] else 'OFF' }}", deviceClass: "problem", availability: status));
            configs.Add(Entity(prefix, cluster, "node", node, "binary_sensor", "power", device, wires,
                "{{ 'ON' if true in (value_json.power_good | default([])) else 'OFF' }}", deviceClass: "power", availability: boardStatus));
            configs.Add(Entity(prefix, cluster, "node", node, "sensor", "role", device, state, "{{ value_json.role }}", deviceClass: null, availability: status));
            configs.Add(Entity(prefix, cluster, "node", node, "sensor", "epoch", device, state, "{{ value_json.epoch }}", deviceClass: null, availability: status));
            configs.Add(Entity(prefix, cluster, "node", node, "sensor", "channel_state", device, wires, "{{ value_json.state }}", deviceClass: null, availability: boardStatus));
            configs.Add(Entity(prefix, cluster, "node", node, "sensor", "verdict", device, wires, "{{ value_json.verdict | default('none') }}", deviceClass: null, availability: boardStatus));
        }

        return configs;
    }

    /// <summary>
    /// Of the retained discovery topics found on the broker (topic and payload), those of this
    /// cluster's boards and nodes that <paramref name="wanted"/> no longer has: a node or board that
    /// left the configuration. Configs of other clusters, of the control bridge's device and of
    /// anything that is not ours are left alone.
    /// </summary>
    public static IReadOnlyList<string> Stale(IEnumerable<(string Topic, string Payload)> found, IReadOnlyList<DiscoveryConfig> wanted, string cluster) =>
        Stale(found, wanted, id => id.StartsWith($"watchdog/{cluster}/board/", StringComparison.Ordinal) || id.StartsWith($"watchdog/{cluster}/node/", StringComparison.Ordinal));

    /// <summary>Of the retained discovery topics found, those of the devices <paramref name="ours"/> owns (by device identifier) that <paramref name="wanted"/> no longer has.</summary>
    public static IReadOnlyList<string> Stale(IEnumerable<(string Topic, string Payload)> found, IReadOnlyList<DiscoveryConfig> wanted, Func<string, bool> ours)
    {
        var keep = wanted.Select(w => w.Topic).ToHashSet(StringComparer.Ordinal);
        var stale = new List<string>();
        foreach (var (topic, payload) in found)
        {
            if (payload.Length > 0 && !keep.Contains(topic) && DeviceOf(payload) is { } id && ours(id))
            {
                stale.Add(topic);
            }
        }

        return stale;
    }

    /// <summary>The discovery topics' filter under <paramref name="prefix"/> (the node-id form this class writes).</summary>
    public static string Filter(string prefix = DefaultPrefix) => $"{prefix}/+/+/+/config";

    private static string? DeviceOf(string payload)
    {
        try
        {
            return JsonNode.Parse(payload)?["device"]?["identifiers"]?[0]?.GetValue<string>();
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException or FormatException)
        {
            return null;
        }
    }

    /// <summary>Home Assistant's node and object ids take letters, digits, '_' and '-' only; Watchdog names may hold more ('.').</summary>
    public static string Slug(string id) => string.Concat(id.Select(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' ? c : '_'));

    private static JsonObject Device(string cluster, string kind, string name, string model, string? via)
    {
        var device = new JsonObject
        {
            ["identifiers"] = new JsonArray($"watchdog/{cluster}/{kind}/{name}"),
            ["name"] = $"{name} ({cluster})",
            ["manufacturer"] = "Watchdog",
            ["model"] = model,
        };
        if (via is not null)
        {
            device["via_device"] = via;
        }

        return device;
    }

    private static DiscoveryConfig Entity(string prefix, string cluster, string kind, string name, string component, string entity, JsonObject device,
        string stateTopic, string valueTemplate, string? deviceClass, string? availability)
    {
        var nodeId = Slug($"watchdog_{cluster}_{kind}_{name}");
        var payload = new JsonObject
        {
            ["name"] = entity.Replace('_', ' '),
            ["unique_id"] = $"{nodeId}_{entity}",
            ["object_id"] = $"{nodeId}_{entity}",
            ["device"] = device.DeepClone(),
            ["state_topic"] = stateTopic,
            ["value_template"] = valueTemplate,
        };
        if (deviceClass is not null)
        {
            payload["device_class"] = deviceClass;
        }

        if (availability is not null)
        {
            payload["availability_topic"] = availability;
            payload["availability_template"] = StatusAvailable;
        }

        return new DiscoveryConfig($"{prefix}/{component}/{nodeId}/{entity}/config", payload.ToJsonString());
    }
}
