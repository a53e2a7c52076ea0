using System.Text.Json;

namespace Hardware.Tests.PinMaps;

/// <summary>A pin map file that cannot be read: the message names the file and the field.</summary>
internal sealed class PinMapFormatException(string message) : Exception(message);

/// <summary>
/// Reads a pin map with System.Text.Json's DOM so a missing or mistyped field is reported by
/// its path ("channels[1].reset") rather than as a null somewhere later. Unknown fields are
/// ignored: the format may grow.
/// </summary>
internal static class PinMapReader
{
    public static PinMap ReadFile(string path) =>
        Parse(File.ReadAllText(path), Path.GetFileName(path));

    public static PinMap Parse(string json, string source)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Disallow });
        }
        catch (JsonException e)
        {
            throw new PinMapFormatException($"{source}: not valid JSON: {e.Message}");
        }

        using (doc)
        {
            var r = new Reader(source);
            var root = doc.RootElement;
            r.ExpectKind(root, JsonValueKind.Object, "(root)");
            return new PinMap(
                Board: r.String(root, "board"),
                Title: r.String(root, "title"),
                Platform: r.String(root, "platform"),
                NanoffTarget: r.OptionalString(root, "nanoff_target"),
                GpioChip: r.OptionalString(root, "gpio_chip"),
                LogicVolts: r.Number(root, "logic_volts"),
                InputsActiveLow: r.Bool(root, "inputs_active_low"),
                OutputsActiveHigh: r.Bool(root, "outputs_active_high"),
                Pins: r.Array(root, "pins", (e, p) => ReadPin(r, e, p)),
                Reserved: r.OptionalArray(root, "reserved", (e, p) => new ReservedPin(r.Int(e, "gpio", p), r.String(e, "reason", p))),
                WatchdogFeed: r.OptionalInt(root, "watchdog_feed"),
                StatusLed: r.OptionalInt(root, "status_led"),
                Channels: r.Array(root, "channels", (e, p) => ReadChannel(r, e, p)),
                Expansion: root.TryGetProperty("expansion", out var x) && x.ValueKind != JsonValueKind.Null
                    ? ReadExpansion(r, x, "expansion")
                    : null,
                Pair: root.TryGetProperty("pair", out var pair) && pair.ValueKind != JsonValueKind.Null
                    ? ReadPair(r, pair, "pair")
                    : null);
        }
    }

    private static PinInfo ReadPin(Reader r, JsonElement e, string path) => new(
        Gpio: r.Int(e, "gpio", path),
        Input: r.Bool(e, "input", path),
        Output: r.Bool(e, "output", path),
        Strapping: r.Bool(e, "strapping", path),
        Boot: r.OptionalString(e, "boot", path) ?? "floating",
        UpsetsBootWhen: r.OptionalString(e, "upsets_boot_when", path),
        GlitchProne: r.OptionalBool(e, "glitch_prone", path) ?? false,
        Label: r.OptionalString(e, "label", path),
        Note: r.OptionalString(e, "note", path) ?? "");

    private static ChannelMap ReadChannel(Reader r, JsonElement e, string path) => new(
        Name: r.String(e, "channel", path),
        Heartbeat: r.Int(e, "heartbeat", path),
        PowerGood: r.IntArray(e, "power_good", path),
        Link: r.IntArray(e, "link", path),
        Reset: r.Int(e, "reset", path),
        Power: r.Int(e, "power", path),
        Fence: r.OptionalInt(e, "fence", path),
        Role: r.OptionalInt(e, "role", path));

    private static PairMap ReadPair(Reader r, JsonElement e, string path)
    {
        r.ExpectKind(e, JsonValueKind.Object, path);
        return new PairMap(
            HeartbeatOut: r.Int(e, "heartbeat_out", path),
            PeerHeartbeat: r.Int(e, "peer_heartbeat", path),
            PeerReset: r.Int(e, "peer_reset", path));
    }

    private static ExpansionMap ReadExpansion(Reader r, JsonElement e, string path) => new(
        Chip: r.String(e, "chip", path),
        Sda: r.Int(e, "sda", path),
        Scl: r.Int(e, "scl", path),
        Addresses: r.IntArray(e, "addresses", path),
        ReplacesDirectChannels: r.Bool(e, "replaces_direct_channels", path),
        Note: r.OptionalString(e, "note", path) ?? "");

    /// <summary>Field accessors that throw with "file: field 'a.b' ..." messages.</summary>
    private sealed class Reader(string source)
    {
        public void ExpectKind(JsonElement e, JsonValueKind kind, string path)
        {
            if (e.ValueKind != kind)
            {
                throw Fail(path, $"must be {Word(kind)}, found {Word(e.ValueKind)}");
            }
        }

        public string String(JsonElement parent, string name, string? at = null)
        {
            var v = Required(parent, name, at);
            ExpectKind(v, JsonValueKind.String, Path(at, name));
            var s = v.GetString()!;
            return s.Length == 0 ? throw Fail(Path(at, name), "must not be empty") : s;
        }

        public string? OptionalString(JsonElement parent, string name, string? at = null)
        {
            if (!parent.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null)
            {
                return null;
            }
            ExpectKind(v, JsonValueKind.String, Path(at, name));
            return v.GetString();
        }

        public double Number(JsonElement parent, string name, string? at = null)
        {
            var v = Required(parent, name, at);
            ExpectKind(v, JsonValueKind.Number, Path(at, name));
            return v.GetDouble();
        }

        public int Int(JsonElement parent, string name, string? at = null) =>
            AsInt(Required(parent, name, at), Path(at, name));

        public int? OptionalInt(JsonElement parent, string name, string? at = null) =>
            !parent.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null
                ? null
                : AsInt(v, Path(at, name));

        public bool Bool(JsonElement parent, string name, string? at = null)
        {
            var v = Required(parent, name, at);
            return v.ValueKind switch
            {
                JsonValueKind.True => true,
                JsonValueKind.False => false,
                _ => throw Fail(Path(at, name), $"must be true or false, found {Word(v.ValueKind)}"),
            };
        }

        public bool? OptionalBool(JsonElement parent, string name, string? at = null) =>
            !parent.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null
                ? null
                : Bool(parent, name, at);

        public IReadOnlyList<int> IntArray(JsonElement parent, string name, string? at = null)
        {
            var path = Path(at, name);
            var v = Required(parent, name, at);
            ExpectKind(v, JsonValueKind.Array, path);
            return v.EnumerateArray().Select((e, i) => AsInt(e, $"{path}[{i}]")).ToList();
        }

        public IReadOnlyList<T> Array<T>(JsonElement parent, string name, Func<JsonElement, string, T> item, string? at = null)
        {
            var path = Path(at, name);
            var v = Required(parent, name, at);
            ExpectKind(v, JsonValueKind.Array, path);
            return Items(v, path, item);
        }

        public IReadOnlyList<T> OptionalArray<T>(JsonElement parent, string name, Func<JsonElement, string, T> item)
        {
            if (!parent.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null)
            {
                return [];
            }
            ExpectKind(v, JsonValueKind.Array, name);
            return Items(v, name, item);
        }

        private List<T> Items<T>(JsonElement array, string path, Func<JsonElement, string, T> item) =>
            array.EnumerateArray().Select((e, i) =>
            {
                var p = $"{path}[{i}]";
                ExpectKind(e, JsonValueKind.Object, p);
                return item(e, p);
            }).ToList();

        private int AsInt(JsonElement v, string path)
        {
            if (v.ValueKind != JsonValueKind.Number || !v.TryGetInt32(out var n))
            {
                throw Fail(path, $"must be a whole number, found {(v.ValueKind == JsonValueKind.Number ? v.GetRawText() : Word(v.ValueKind))}");
            }
            return n;
        }

        private JsonElement Required(JsonElement parent, string name, string? at) =>
            parent.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null
                ? v
                : throw Fail(Path(at, name), "is missing");

        private PinMapFormatException Fail(string path, string what) =>
            new($"{source}: field '{path}' {what}");

        private static string Path(string? at, string name) => at is null ? name : $"{at}.{name}";

        private static string Word(JsonValueKind kind) => kind switch
        {
            JsonValueKind.Object => "an object",
            JsonValueKind.Array => "an array",
            JsonValueKind.String => "a string",
            JsonValueKind.Number => "a number",
            JsonValueKind.True or JsonValueKind.False => "true/false",
            JsonValueKind.Null => "null",
            _ => kind.ToString(),
        };
    }
}
