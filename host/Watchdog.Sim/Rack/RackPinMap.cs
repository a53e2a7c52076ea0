using System.Text.Json;

namespace Watchdog.Sim.Rack;

/// <summary>The wires of one board channel (one server), as gpio numbers of the pin map.</summary>
public sealed record ChannelWiring(
    string Channel,
    int HeartbeatPin,
    IReadOnlyList<int> PowerGoodPins,
    IReadOnlyList<int> LinkPins,
    int ResetPin,
    int PowerPin,
    int? FencePin,
    int? RolePin);

/// <summary>
/// The board pin map the rack wires itself by: hardware/boards/virtual-rack.json (the same format
/// as the real boards' files). Only the parts the rack needs are read: polarity and channels.
/// </summary>
public sealed class RackPinMap
{
    public const string VirtualRackRelativePath = "hardware/boards/virtual-rack.json";

    private RackPinMap(string source, bool inputsActiveLow, bool outputsActiveHigh, IReadOnlyList<ChannelWiring> channels, int highestPin)
    {
        Source = source;
        InputsActiveLow = inputsActiveLow;
        OutputsActiveHigh = outputsActiveHigh;
        Channels = channels;
        HighestPin = highestPin;
    }

    /// <summary>Where the map was read from.</summary>
    public string Source { get; }

    /// <summary>Power-good and link inputs read low when the signal is present (opto-coupler pulling down).</summary>
    public bool InputsActiveLow { get; }

    /// <summary>Reset, power, fence and role outputs are high when asserted.</summary>
    public bool OutputsActiveHigh { get; }

    public IReadOnlyList<ChannelWiring> Channels { get; }

    /// <summary>The highest gpio number any channel uses (the wire file needs at least this many + 1 pins).</summary>
    public int HighestPin { get; }

    /// <summary>The wiring of a channel by name (s1..s8), with a clear error naming the known ones.</summary>
    public ChannelWiring Channel(string name) =>
        Channels.FirstOrDefault(c => c.Channel == name)
        ?? throw new ArgumentException($"pin map {Source} has no channel '{name}' (it has {string.Join(", ", Channels.Select(c => c.Channel))})", nameof(name));

    /// <summary>The wire level that means "this input signal is present".</summary>
    public bool InputLevel(bool present) => InputsActiveLow ? !present : present;

    /// <summary>Whether a wire level on an output means "asserted" (relay closed).</summary>
    public bool OutputAsserted(bool level) => OutputsActiveHigh ? level : !level;

    /// <summary>Finds hardware/boards/virtual-rack.json by walking up from the app and the working directory.</summary>
    public static RackPinMap LoadVirtualRack()
    {
        string? env = Environment.GetEnvironmentVariable("WATCHDOG_VIRTUAL_RACK");
        if (!string.IsNullOrEmpty(env))
        {
            return Load(env);
        }

        foreach (string start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            for (DirectoryInfo? dir = new(start); dir is not null; dir = dir.Parent)
            {
                string candidate = Path.Combine(dir.FullName, VirtualRackRelativePath);
                if (File.Exists(candidate))
                {
                    return Load(candidate);
                }
            }
        }

        throw new FileNotFoundException(
            $"{VirtualRackRelativePath} not found above {AppContext.BaseDirectory} or {Directory.GetCurrentDirectory()}; set WATCHDOG_VIRTUAL_RACK to its path");
    }

    public static RackPinMap Load(string path)
    {
        using var stream = File.OpenRead(path);
        return Parse(stream, path);
    }

    public static RackPinMap Parse(Stream json, string source)
    {
        using JsonDocument doc = JsonDocument.Parse(json);
        JsonElement root = doc.RootElement;
        bool activeLow = root.TryGetProperty("inputs_active_low", out JsonElement low) && low.GetBoolean();
        bool activeHigh = !root.TryGetProperty("outputs_active_high", out JsonElement high) || high.GetBoolean();
        if (!root.TryGetProperty("channels", out JsonElement channelsJson) || channelsJson.ValueKind != JsonValueKind.Array)
        {
            throw new InvalidDataException($"pin map {source} has no \"channels\" array");
        }

        var channels = new List<ChannelWiring>();
        int highest = 0;
        foreach (JsonElement c in channelsJson.EnumerateArray())
        {
            string name = c.TryGetProperty("channel", out JsonElement n) ? n.GetString() ?? "" : "";
            if (name.Length == 0)
            {
                throw new InvalidDataException($"pin map {source}: channel #{channels.Count + 1} has no \"channel\" name");
            }

            var wiring = new ChannelWiring(
                name,
                RequiredPin(c, "heartbeat", source, name),
                PinList(c, "power_good", source, name),
                PinList(c, "link", source, name),
                RequiredPin(c, "reset", source, name),
                RequiredPin(c, "power", source, name),
                OptionalPin(c, "fence"),
                OptionalPin(c, "role"));
            highest = new[] { highest, wiring.HeartbeatPin, wiring.ResetPin, wiring.PowerPin, wiring.FencePin ?? 0, wiring.RolePin ?? 0 }
                .Concat(wiring.PowerGoodPins).Concat(wiring.LinkPins).Max();
            channels.Add(wiring);
        }

        return new RackPinMap(source, activeLow, activeHigh, channels, highest);
    }

    private static int RequiredPin(JsonElement channel, string field, string source, string name) =>
        OptionalPin(channel, field) ?? throw new InvalidDataException($"pin map {source}: channel {name} has no \"{field}\" pin");

    private static int? OptionalPin(JsonElement channel, string field) =>
        channel.TryGetProperty(field, out JsonElement v) && v.ValueKind == JsonValueKind.Number ? v.GetInt32() : null;

    private static int[] PinList(JsonElement channel, string field, string source, string name)
    {
        if (!channel.TryGetProperty(field, out JsonElement v))
        {
            throw new InvalidDataException($"pin map {source}: channel {name} has no \"{field}\" pins");
        }

        int[] pins = v.ValueKind == JsonValueKind.Array ? [.. v.EnumerateArray().Select(e => e.GetInt32())] : [v.GetInt32()];
        if (pins.Length == 0)
        {
            throw new InvalidDataException($"pin map {source}: channel {name} has an empty \"{field}\" list");
        }

        return pins;
    }
}
