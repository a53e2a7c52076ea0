using System.Text.Json;
using Watchdog.Firmware.Core.Config;
using Watchdog.Protocol.Messages;
using Watchdog.Protocol.Wire;

namespace Watchdog.Operator.HomeAssistant;

/// <summary>One command Home Assistant may ask for: an action on one named group or node.</summary>
public sealed record HomeAssistantControl(CommandAction Action, string Target)
{
    /// <summary>The action as watchdogctl and the wire spell it (<c>switchover</c>, <c>maintenance-on</c>).</summary>
    public string Word => WireWords.Of(Action);
}

/// <summary>
/// The controls file of <c>watchdogctl homeassistant bridge</c>: the limited set of commands the
/// bridge signs for Home Assistant, and how often each may be sent. Nothing is allowed unless it
/// is listed: the file has no wildcard, and an empty list is refused (a bridge with nothing to
/// sign is a mistake, not a configuration).
/// <code>
/// { "controls": [ { "action": "switchover", "target": "web" },
///                 { "action": "maintenance-on", "target": "web1" } ],
///   "min_interval_s": 30 }
/// </code>
/// </summary>
public sealed class ControlsConfig
{
    public const int DefaultMinIntervalSeconds = 30;

    private ControlsConfig(IReadOnlyList<HomeAssistantControl> controls, int minIntervalSeconds)
    {
        Controls = controls;
        MinIntervalSeconds = minIntervalSeconds;
    }

    public IReadOnlyList<HomeAssistantControl> Controls { get; }

    /// <summary>Seconds between two commands of one control: a button held, or pressed by a script, sends one command, not a storm.</summary>
    public int MinIntervalSeconds { get; }

    /// <summary>
    /// Reads and checks <paramref name="json"/> against the cluster's board configurations: every
    /// action is known, every target exists and is of the kind the action is for (a group for
    /// switchover and failback, a node for the rest), no control twice. Every problem is listed,
    /// each with the path of the field at fault.
    /// </summary>
    public static ControlsConfig? Read(string json, IReadOnlyList<BoardConfig> boards, out List<string> errors)
    {
        errors = [];
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            errors.Add($"not JSON: {e.Message}");
            return null;
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                errors.Add("$: expected an object with \"controls\"");
                return null;
            }

            foreach (var property in root.EnumerateObject())
            {
                if (property.Name is not ("controls" or "min_interval_s"))
                {
                    errors.Add($"$.{property.Name}: unknown key (known: controls, min_interval_s)");
                }
            }

            int minInterval = DefaultMinIntervalSeconds;
            if (root.TryGetProperty("min_interval_s", out var interval) && (!interval.TryGetInt32(out minInterval) || minInterval < 1 || minInterval > 86_400))
            {
                errors.Add($"$.min_interval_s: {interval.GetRawText()} is not a whole number of seconds from 1 to 86400");
            }

            var groups = boards.SelectMany(b => b.Groups).Select(g => g.Name).ToHashSet(StringComparer.Ordinal);
            var nodes = boards.SelectMany(b => b.Channels).Select(c => c.Node).Where(n => n.Length > 0).ToHashSet(StringComparer.Ordinal);
            var controls = new List<HomeAssistantControl>();
            if (!root.TryGetProperty("controls", out var list) || list.ValueKind != JsonValueKind.Array || list.GetArrayLength() == 0)
            {
                errors.Add("$.controls: expected a non-empty list of { \"action\", \"target\" }: the bridge signs only what is listed");
                return null;
            }

            int i = 0;
            foreach (var item in list.EnumerateArray())
            {
                var at = $"$.controls[{i++}]";
                if (ReadControl(item, at, groups, nodes, errors) is { } control)
                {
                    if (controls.Contains(control))
                    {
                        errors.Add($"{at}: {control.Word} {control.Target} is listed twice");
                    }
                    else
                    {
                        controls.Add(control);
                    }
                }
            }

            return errors.Count == 0 ? new ControlsConfig(controls, minInterval) : null;
        }
    }

    private static HomeAssistantControl? ReadControl(JsonElement item, string at, HashSet<string> groups, HashSet<string> nodes, List<string> errors)
    {
        if (item.ValueKind != JsonValueKind.Object ||
            !item.TryGetProperty("action", out var actionElement) || actionElement.ValueKind != JsonValueKind.String ||
            !item.TryGetProperty("target", out var targetElement) || targetElement.ValueKind != JsonValueKind.String)
        {
            errors.Add($"{at}: expected {{ \"action\": \"...\", \"target\": \"...\" }}, found {item.GetRawText()}");
            return null;
        }

        foreach (var property in item.EnumerateObject())
        {
            if (property.Name is not ("action" or "target"))
            {
                errors.Add($"{at}.{property.Name}: unknown key (known: action, target)");
            }
        }

        string word = actionElement.GetString()!;
        string target = targetElement.GetString()!;
        if (!WireWords.TryParse(word, out CommandAction action))
        {
            errors.Add($"{at}.action: '{word}' is not a command (switchover, failback, fence, unfence, reset, power-cycle, maintenance-on, maintenance-off)");
            return null;
        }

        bool forGroup = action is CommandAction.Switchover or CommandAction.Failback;
        if (forGroup && !groups.Contains(target))
        {
            errors.Add($"{at}.target: {word} is for a group; '{target}' is not a group of the board configuration (groups: {string.Join(", ", groups.Order())})");
            return null;
        }

        if (!forGroup && !nodes.Contains(target))
        {
            errors.Add($"{at}.target: {word} is for a node; '{target}' is not a node of the board configuration (nodes: {string.Join(", ", nodes.Order())})");
            return null;
        }

        return new HomeAssistantControl(action, target);
    }
}
