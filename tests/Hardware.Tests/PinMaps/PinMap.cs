namespace Hardware.Tests.PinMaps;

/// <summary>One board's pin map, as read from hardware/boards/&lt;board&gt;.json.</summary>
internal sealed record PinMap(
    string Board,
    string Title,
    string Platform,
    string? NanoffTarget,
    string? GpioChip,
    double LogicVolts,
    bool InputsActiveLow,
    bool OutputsActiveHigh,
    IReadOnlyList<PinInfo> Pins,
    IReadOnlyList<ReservedPin> Reserved,
    int? WatchdogFeed,
    int? StatusLed,
    IReadOnlyList<ChannelMap> Channels,
    ExpansionMap? Expansion,
    PairMap? Pair = null)
{
    public PinInfo? Pin(int gpio) => Pins.FirstOrDefault(p => p.Gpio == gpio);

    public ReservedPin? ReservedEntry(int gpio) => Reserved.FirstOrDefault(r => r.Gpio == gpio);
}

/// <summary>
/// A header pin and what it can do. <see cref="Boot"/> is the level the pin shows between reset
/// and the firmware taking it over ("low", "high", "pulses", "floating");
/// <see cref="UpsetsBootWhen"/> is the level that, present at reset, stops a normal boot.
/// </summary>
internal sealed record PinInfo(
    int Gpio,
    bool Input,
    bool Output,
    bool Strapping,
    string Boot,
    string? UpsetsBootWhen,
    bool GlitchProne,
    string? Label,
    string Note);

internal sealed record ReservedPin(int Gpio, string Reason);

internal sealed record ChannelMap(
    string Name,
    int Heartbeat,
    IReadOnlyList<int> PowerGood,
    IReadOnlyList<int> Link,
    int Reset,
    int Power,
    int? Fence,
    int? Role);

/// <summary>The I2C bus for MCP23017 expanders; optional.</summary>
internal sealed record ExpansionMap(string Chip, int Sda, int Scl, IReadOnlyList<int> Addresses, bool ReplacesDirectChannels, string Note);

/// <summary>
/// The wires to the other board of a pair (optional "pair" section): our heartbeat out, the
/// peer's heartbeat in, and the output that holds the peer's EN/RUN line (its reset).
/// </summary>
internal sealed record PairMap(int HeartbeatOut, int PeerHeartbeat, int PeerReset);

/// <summary>What a pin is used for, so rules and messages can name the use ("s1.reset").</summary>
internal enum PinUseKind
{
    /// <summary>Heartbeat, power-good, link: read through an opto with a pull-up.</summary>
    Input,

    /// <summary>Reset, power, fence, role, the peer's reset: a level that must stay off while the board boots.</summary>
    ChannelOutput,

    /// <summary>Watchdog feed and status LED: outputs whose boot-time level harms nothing.</summary>
    AuxOutput,
}

internal sealed record PinUse(int Gpio, string What, PinUseKind Kind);
