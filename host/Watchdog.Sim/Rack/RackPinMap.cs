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
/// The wires between the two boards of a pair, from the map's optional "pair" section: this
/// board's heartbeat output, the peer's heartbeat input, and the peer's reset line this board drives.
/// </summary>
public sealed record PairWiring(int HeartbeatOutPin, int PeerHeartbeatPin, int PeerResetPin);

/// <summary>
/// The board pin map the rack wires itself by: hardware/boards/virtual-rack.json (the same format
/// as the real boards' files). Only the parts the rack needs are read: polarity, channels and the
/// optional pair section; other sections are ignored. Board B of the virtual pair is
/// hardware/boards/virtual-rack-b.json: the same channel pins, its own feed, LED and pair wires.
/// </summary>
public sealed class RackPinMap
{
    public const string VirtualRackRelativePath = "hardware/boards/virtual-rack.json";

    /// <summary>Board B of the virtual rack's pair (rack1-b).</summary>
    public const string VirtualRackBRelativePath = "hardware/boards/virtual-rack-b.json";

    private RackPinMap(string source, bool inputsActiveLow, bool outputsActiveHigh, IReadOnlyList<ChannelWiring> channels, PairWiring? pair, int highestPin)
    {
        Source = source;
        InputsActiveLow = inputsActiveLow;
        OutputsActiveHigh = outputsActiveHigh;
        Channels = channels;
        Pair = pair;
        HighestPin = highestPin;
    }

    /// <summary>Where the map was read from.</summary>
    public string Source { get; }

    /// <summary>Power-good and link inputs read low when the signal is present (opto-coupler pulling down).</summary>
    public bool InputsActiveLow { get; }

    /// <summary>Reset, power, fence and role outputs are high when asserted.</summary>
    public bool OutputsActiveHigh { get; }

    public IReadOnlyList<ChannelWiring> Channels { get; }

    /// <summary>The pair wires; null when the map has no "pair" section.</summary>
    public PairWiring? Pair { get; }

    /// <summary>The highest gpio number a channel or the pair uses (the wire file needs at least this many + 1 pins).</summary>
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
    public static RackPinMap LoadVirtualRack() => Load(FindVirtualRack());

    /// <summary>Board B of the pair: hardware/boards/virtual-rack-b.json, found like <see cref="LoadVirtualRack"/>.</summary>
    public static RackPinMap LoadVirtualRackB() => Load(FindVirtualRackB());

    /// <summary>
    /// The path of hardware/boards/virtual-rack.json: WATCHDOG_VIRTUAL_RACK when set, else the
    /// first one above the app's directory or the working directory.
    /// </summary>
    public static string FindVirtualRack() =>
        Find(VirtualRackRelativePath, Environment.GetEnvironmentVariable("WATCHDOG_VIRTUAL_RACK"), "WATCHDOG_VIRTUAL_RACK");

    /// <summary>
    /// The path of hardware/boards/virtual-rack-b.json: WATCHDOG_VIRTUAL_RACK_B when set, else
    /// next to a WATCHDOG_VIRTUAL_RACK file, else found by walking up like board A's map.
    /// </summary>
    public static string FindVirtualRackB()
    {
        string? env = Environment.GetEnvironmentVariable("WATCHDOG_VIRTUAL_RACK_B");
        string? a = Environment.GetEnvironmentVariable("WATCHDOG_VIRTUAL_RACK");
        if (string.IsNullOrEmpty(env) && !string.IsNullOrEmpty(a))
        {
            string sibling = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(a)) ?? ".", Path.GetFileName(VirtualRackBRelativePath));
            if (File.Exists(sibling))
            {
                env = sibling;
            }
        }

        return Find(VirtualRackBRelativePath, env, "WATCHDOG_VIRTUAL_RACK_B");
    }

    private static string Find(string relativePath, string? overridePath, string variable)
    {
        if (!string.IsNullOrEmpty(overridePath))
        {
            return overridePath;
        }

        foreach (string start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            for (DirectoryInfo? dir = new(start); dir is not null; dir = dir.Parent)
            {
                string candidate = Path.Combine(dir.FullName, relativePath);
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
        }

        throw new FileNotFoundException(
            $"{relativePath} not found above {AppContext.BaseDirectory} or {Directory.GetCurrentDirectory()}; set {variable} to its path");
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

        PairWiring? pair = ReadPair(root, source);
        if (pair is not null)
        {
            highest = Math.Max(highest, Math.Max(pair.HeartbeatOutPin, Math.Max(pair.PeerHeartbeatPin, pair.PeerResetPin)));
        }

        return new RackPinMap(source, activeLow, activeHigh, channels, pair, highest);
    }

    /// <summary>The optional "pair" section: absent or null is no pair; present, all three pins are required.</summary>
    private static PairWiring? ReadPair(JsonElement root, string source)
    {
        if (!root.TryGetProperty("pair", out JsonElement p) || p.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (p.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidDataException($"pin map {source}: \"pair\" must be an object with heartbeat_out, peer_heartbeat and peer_reset");
        }

        int Pin(string field) => OptionalPin(p, field) ?? throw new InvalidDataException($"pin map {source}: pair has no \"{field}\" pin");
        return new PairWiring(Pin("heartbeat_out"), Pin("peer_heartbeat"), Pin("peer_reset"));
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
