using System.Text.Json.Nodes;

namespace Watchdog.Operator.HomeAssistant;

/// <summary>What the bridge does with one message on its press topics.</summary>
public sealed record PressDecision(HomeAssistantControl? Control, string Refusal)
{
    public bool Sign => Control is not null;
}

/// <summary>
/// The decisions of <c>watchdogctl homeassistant bridge</c>, apart from the broker: its topics,
/// the Home Assistant entities it announces (a button per configured control, a sensor with the
/// last outcome, all unavailable while the bridge is not running), and which presses it signs.
/// Home Assistant cannot sign: whoever may write a press topic can press. So the bridge signs only
/// the configured controls, never a retained press (that would fire again at every bridge start),
/// at most one command at a time and one per control per <see cref="ControlsConfig.MinIntervalSeconds"/>;
/// the board's own rules still apply to every command it signs (epoch, lifetime, replay, safety).
/// </summary>
public sealed class ControlBridge
{
    /// <summary>The payload Home Assistant's MQTT button sends (its default <c>payload_press</c>).</summary>
    public const string PressPayload = "PRESS";

    private readonly ControlsConfig _config;
    private readonly Dictionary<HomeAssistantControl, long> _lastSentMs = [];
    private HomeAssistantControl? _inFlight;

    public ControlBridge(string cluster, ControlsConfig config, string prefix = DiscoveryConfigs.DefaultPrefix)
    {
        Cluster = cluster;
        _config = config;
        Root = $"{prefix}/watchdog/{cluster}/control";
        Prefix = prefix;
    }

    public string Cluster { get; }

    public string Prefix { get; }

    /// <summary>Under the discovery prefix, which Home Assistant's user may write (the broker's ACL).</summary>
    public string Root { get; }

    /// <summary>Retained <c>online</c> while the bridge runs; its will says <c>offline</c>.</summary>
    public string AvailabilityTopic => $"{Root}/bridge";

    /// <summary>Retained JSON of the last press the bridge handled: control, outcome, detail, ts.</summary>
    public string ResultTopic => $"{Root}/last";

    public string PressFilter => $"{Root}/+/+";

    /// <summary>The device identifier of the bridge's entities; <see cref="DiscoveryConfigs.Stale"/> keys on it.</summary>
    public string DeviceId => $"watchdog/{Cluster}/controls/bridge";

    public string PressTopic(HomeAssistantControl control) => $"{Root}/{control.Word}/{control.Target}";

    /// <summary>A button for each control and the last-outcome sensor.</summary>
    public IReadOnlyList<DiscoveryConfig> Discovery()
    {
        var device = new JsonObject
        {
            ["identifiers"] = new JsonArray(DeviceId),
            ["name"] = $"Watchdog controls ({Cluster})",
            ["manufacturer"] = "Watchdog",
            ["model"] = "watchdogctl homeassistant bridge",
        };
        var nodeId = DiscoveryConfigs.Slug($"watchdog_{Cluster}_controls");
        var configs = new List<DiscoveryConfig>();
        foreach (var control in _config.Controls)
        {
            var entity = DiscoveryConfigs.Slug($"{control.Word}_{control.Target}");
            var button = new JsonObject
            {
                ["name"] = $"{control.Word} {control.Target}",
                ["unique_id"] = $"{nodeId}_{entity}",
                ["object_id"] = $"{nodeId}_{entity}",
                ["device"] = device.DeepClone(),
                ["command_topic"] = PressTopic(control),
                ["payload_press"] = PressPayload,
                ["availability_topic"] = AvailabilityTopic,
                ["retain"] = false,
            };
            configs.Add(new DiscoveryConfig($"{Prefix}/button/{nodeId}/{entity}/config", button.ToJsonString()));
        }

        var last = new JsonObject
        {
            ["name"] = "last control",
            ["unique_id"] = $"{nodeId}_last",
            ["object_id"] = $"{nodeId}_last",
            ["device"] = device.DeepClone(),
            ["state_topic"] = ResultTopic,
            ["value_template"] = "{{ value_json.summary }}",
            ["json_attributes_topic"] = ResultTopic,
            ["availability_topic"] = AvailabilityTopic,
        };
        configs.Add(new DiscoveryConfig($"{Prefix}/sensor/{nodeId}/last/config", last.ToJsonString()));
        return configs;
    }

    /// <summary>Whether a message on a press topic is signed and sent; the reason when it is not.</summary>
    public PressDecision Decide(string topic, string payload, bool retained, long nowMs)
    {
        var control = _config.Controls.FirstOrDefault(c => PressTopic(c) == topic);
        if (control is null)
        {
            return new PressDecision(null, $"{topic} is not a configured control: nothing signed");
        }

        if (retained)
        {
            return new PressDecision(null, $"a retained press of {control.Word} {control.Target} is a press from the past: nothing signed (clear it with an empty retained message)");
        }

        if (payload != PressPayload)
        {
            return new PressDecision(null, $"payload '{Truncate(payload)}' is not {PressPayload}: nothing signed");
        }

        if (_inFlight is { } busy)
        {
            return new PressDecision(null, $"{busy.Word} {busy.Target} is still waiting for the board's answer: nothing signed");
        }

        if (_lastSentMs.TryGetValue(control, out long last) && nowMs - last < _config.MinIntervalSeconds * 1000L)
        {
            return new PressDecision(null, $"{control.Word} {control.Target} was sent {(nowMs - last) / 1000} s ago (at most one per {_config.MinIntervalSeconds} s): nothing signed");
        }

        _lastSentMs[control] = nowMs;
        _inFlight = control;
        return new PressDecision(control, "");
    }

    /// <summary>The board answered (or did not in time): the next press may be signed.</summary>
    public void Answered() => _inFlight = null;

    /// <summary>The retained result: <c>summary</c> for the sensor's state, the rest as its attributes.</summary>
    public static string Result(string control, string outcome, string detail, long nowMs) => new JsonObject
    {
        ["summary"] = $"{control}: {outcome}",
        ["control"] = control,
        ["outcome"] = outcome,
        ["detail"] = detail,
        ["ts"] = nowMs,
    }.ToJsonString();

    private static string Truncate(string text) => text.Length <= 40 ? text : text[..40] + "...";
}
