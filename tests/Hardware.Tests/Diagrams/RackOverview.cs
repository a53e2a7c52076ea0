using Hardware.Tests.PinMaps;

namespace Hardware.Tests.Diagrams;

/// <summary>
/// The rack picture of a two-server active-standby group: server A on channel s1, server B on
/// s2, the watchdog board between them with the GPIO numbers from the pin map, the network and
/// broker above and the supply that outlives the servers below. A signal the board cannot wire
/// directly (fence, role on the small ESP32 boards) is drawn dashed, "(MCP23017)".
/// </summary>
internal static class RackOverview
{
    private const double W = 1000, H = 640;
    private const double AX = 30, BoardX = 390, BX = 710, BoxW = 260, BoardW = 220;
    private const double Top = 170, RowStep = 34;

    private static readonly (string Key, string Name, string Source, string Colour)[] Signals =
    [
        ("heartbeat", "heartbeat (DTR)", "agent, USB-serial", "#1f77b4"),
        ("power_good", "power-good", "front-panel LED", "#2ca02c"),
        ("link", "NIC link", "NIC link LED", "#9467bd"),
        ("reset", "RESET header", "front panel", "#d62728"),
        ("power", "POWER header", "front panel", "#ff7f0e"),
        ("fence", "fence relay", "mains contactor", "#8c564b"),
        ("role", "ROLE (CTS)", "USB-serial, agent", "#17becf"),
    ];

    public static string Render(PinMap map, string sourceFile)
    {
        if (map.Channels.Count < 2)
        {
            throw new ArgumentException($"{map.Board} has {map.Channels.Count} channel(s); the overview needs s1 and s2", nameof(map));
        }
        var a = map.Channels[0];
        var b = map.Channels[1];
        var svg = new SvgWriter(W, H);
        svg.Comment($"Generated from hardware/boards/{sourceFile} by tests/Hardware.Tests; do not edit (WATCHDOG_REWRITE=1 dotnet test tests/Hardware.Tests).");
        svg.Text(30, 32, $"Two-server active-standby group on a {map.Title}", 18, bold: true);
        svg.Text(30, 54, "Wires carry health and control without the network; MQTT carries status, leases and signed commands.", 12, fill: "#444");

        Network(svg);
        var rows = Signals.Length;
        var bottom = Top + 40 + (rows * RowStep);
        svg.Rect(AX, Top, BoxW, bottom - Top, "#fbf7ee", "#7f6a3b", 8);
        svg.Rect(BoardX, Top, BoardW, bottom - Top, "#eef3fb", "#34495e", 8);
        svg.Rect(BX, Top, BoxW, bottom - Top, "#fbf7ee", "#7f6a3b", 8);
        svg.Text(AX + 12, Top + 22, $"server A on {a.Name}: active", 14, bold: true);
        svg.Text(BoardX + (BoardW / 2), Top + 22, "watchdog board", 14, "middle", bold: true);
        svg.Text(BX + 12, Top + 22, $"server B on {b.Name}: standby", 14, bold: true);

        var y = Top + 56;
        foreach (var (key, name, source, colour) in Signals)
        {
            svg.Text(AX + 12, y + 4, source, 11, fill: "#777777");
            svg.Text(BX + BoxW - 12, y + 4, source, 11, "end", "#777777");
            SignalRow(svg, y, name, colour, IntoBoard(key), Pins(a, key), Pins(b, key));
            y += RowStep;
        }

        Power(svg, bottom);
        return svg.ToString();
    }

    private static bool IntoBoard(string key) => key is "heartbeat" or "power_good" or "link";

    private static string? Pins(ChannelMap c, string key)
    {
        static string List(IEnumerable<int> pins) => string.Join("+", pins.Select(p => $"GPIO{p}"));
        return key switch
        {
            "heartbeat" => $"GPIO{c.Heartbeat}",
            "power_good" => List(c.PowerGood),
            "link" => List(c.Link),
            "reset" => $"GPIO{c.Reset}",
            "power" => $"GPIO{c.Power}",
            "fence" => c.Fence is int f ? $"GPIO{f}" : null,
            "role" => c.Role is int r ? $"GPIO{r}" : null,
            _ => null,
        };
    }

    private static void SignalRow(SvgWriter svg, double y, string name, string colour, bool intoBoard, string? pinA, string? pinB)
    {
        // Left: server A -> board; right: board -> server B. Missing pins are drawn dashed.
        var greyA = pinA is null ? "#999999" : colour;
        var greyB = pinB is null ? "#999999" : colour;
        svg.Text(AX + BoxW - 12, y + 4, name, 12, "end", fill: greyA);
        svg.Line(AX + BoxW, y, BoardX, y, greyA, 2.5, pinA is null);
        svg.Arrow(intoBoard ? BoardX : AX + BoxW, y, intoBoard ? 1 : -1, greyA);
        svg.Text(BoardX + 12, y + 4, pinA ?? "(MCP23017)", 11.5, fill: greyA, mono: true);

        svg.Text(BX + 12, y + 4, name, 12, fill: greyB);
        svg.Line(BoardX + BoardW, y, BX, y, greyB, 2.5, pinB is null);
        svg.Arrow(intoBoard ? BoardX + BoardW : BX, y, intoBoard ? -1 : 1, greyB);
        svg.Text(BoardX + BoardW - 12, y + 4, pinB ?? "(MCP23017)", 11.5, "end", fill: greyB, mono: true);
    }

    private static void Network(SvgWriter svg)
    {
        svg.Rect(350, 76, 300, 40, "#f3f3f3", "#555555", 6);
        svg.Text(500, 101, "network switch (on the UPS)", 13, "middle");
        svg.Rect(730, 76, 240, 40, "#f3f3f3", "#555555", 6);
        svg.Text(850, 101, "MQTT broker (on the UPS)", 13, "middle");
        svg.Line(650, 96, 730, 96, "#555555", 2);
        svg.Wire("#555555", false, (AX + (BoxW / 2), Top), (AX + (BoxW / 2), 96), (350, 96));
        svg.Line(500, 116, 500, Top, "#555555", 2);
        svg.Wire("#555555", false, (BX + (BoxW / 2), Top), (BX + (BoxW / 2), 140), (560, 140), (560, 116));
        svg.Text(AX + (BoxW / 2) + 6, 140, "Ethernet: service + virtual IP", 11, fill: "#444");
        svg.Text(506, 148, "Ethernet", 11, fill: "#444");
    }

    private static void Power(SvgWriter svg, double bottom)
    {
        var y = bottom + 40;
        svg.Rect(350, y, 300, 44, "#eaf6ea", "#2e7d32", 6);
        svg.Text(500, y + 18, "UPS-backed 5 V supply (or PoE)", 13, "middle", bold: true);
        svg.Text(500, y + 35, "outlives both servers", 11, "middle", "#444");
        svg.Line(500, bottom, 500, y, "#2e7d32", 2.5);

        svg.Rect(AX, y, BoxW, 44, "#fdecea", "#b71c1c", 6);
        svg.Text(AX + (BoxW / 2), y + 18, "mains -> fence contactor / PDU", 12, "middle");
        svg.Text(AX + (BoxW / 2), y + 35, "-> server A PSU(s)", 11, "middle", "#444");
        svg.Rect(BX, y, BoxW, 44, "#fdecea", "#b71c1c", 6);
        svg.Text(BX + (BoxW / 2), y + 18, "mains -> fence contactor / PDU", 12, "middle");
        svg.Text(BX + (BoxW / 2), y + 35, "-> server B PSU(s)", 11, "middle", "#444");
        svg.Line(AX + (BoxW / 2), bottom, AX + (BoxW / 2), y, "#b71c1c", 2, true);
        svg.Line(BX + (BoxW / 2), bottom, BX + (BoxW / 2), y, "#b71c1c", 2, true);

        var t = y + 76;
        svg.Text(30, t, "The board grants the active role with an epoch that only grows; a new active is granted only after the old one is out.", 12);
        svg.Text(30, t + 18, "Fast fence: hold RESET (the old active freezes within milliseconds), then power off at leisure if the policy says so.", 12);
        svg.Text(30, t + 36, "Fail-safe: every output is off when the board is dead or rebooting, so losing the board never stops a running active.", 12);
    }
}
