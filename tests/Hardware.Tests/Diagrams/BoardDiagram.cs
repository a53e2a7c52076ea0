using Hardware.Tests.PinMaps;

namespace Hardware.Tests.Diagrams;

/// <summary>
/// Draws one board's wiring from its pin map: the board's pins on the left, the interface
/// circuit in the middle, each server's terminal on the right, one row per signal, grouped by
/// channel; then spare pins, reserved pins and the expander bus below.
/// </summary>
internal static class BoardDiagram
{
    private const double Width = 920;
    private const double BoardX = 20, BoardW = 250;
    private const double InterfaceX = 390, InterfaceW = 170;
    private const double ServerX = 620, ServerW = 280;
    private const double Row = 24, GroupHeader = 26, GroupGap = 14;

    public static string Render(PinMap map, string sourceFile)
    {
        var uses = PinMapValidator.Uses(map);
        var groups = Groups(map, uses);
        var reserved = ReservedLines(map);
        var used = uses.Select(u => u.Gpio).ToHashSet();
        var spare = map.Pins.Where(p => !used.Contains(p.Gpio)).Select(p => p.Gpio).ToList();

        var top = 96.0;
        var rowsHeight = groups.Sum(g => GroupHeader + (g.Uses.Count * Row) + GroupGap);
        var footerLines = 4 + (reserved.Count == 0 ? 1 : reserved.Count + 1) + (map.Expansion is null ? 0 : 2);
        var height = top + rowsHeight + 30 + (footerLines * 17) + 12;
        var svg = new SvgWriter(Width, height);

        svg.Comment($"Generated from hardware/boards/{sourceFile} by tests/Hardware.Tests; do not edit (WATCHDOG_REWRITE=1 dotnet test tests/Hardware.Tests).");
        svg.Text(20, 30, map.Title, 18, bold: true);
        svg.Text(20, 52, Subtitle(map), 12, fill: "#444");
        svg.Text(BoardX + (BoardW / 2), top - 14, "board pins", 12, "middle", "#444", bold: true);
        svg.Text(InterfaceX + (InterfaceW / 2), top - 14, "interface circuit", 12, "middle", "#444", bold: true);
        svg.Text(ServerX + (ServerW / 2), top - 14, "server side", 12, "middle", "#444", bold: true);
        svg.Rect(BoardX, top - 6, BoardW, rowsHeight, "#eef3fb", "#34495e", 6);

        var y = top;
        foreach (var g in groups)
        {
            DrawGroup(svg, map, g, y);
            y += GroupHeader + (g.Uses.Count * Row) + GroupGap;
        }

        y += 24;
        y = Legend(svg, y, map.Pair is not null);
        svg.Text(20, y, "Spare header pins: " + (spare.Count == 0 ? "none" : string.Join(", ", spare.Select(g => $"GPIO{g}"))), 12);
        y += 17;
        svg.Text(20, y, reserved.Count == 0 ? "Reserved pins: none" : "Reserved, do not connect:", 12, bold: true);
        y += 17;
        foreach (var line in reserved)
        {
            svg.Text(34, y, line, 11, fill: "#444");
            y += 17;
        }
        if (map.Expansion is { } x)
        {
            svg.Text(20, y, $"{x.Chip} expansion: I2C SDA GPIO{x.Sda}, SCL GPIO{x.Scl}, addresses {string.Join(" ", x.Addresses.Select(a => $"0x{a:X2}"))}", 12, bold: true);
            y += 17;
            svg.Text(34, y, x.ReplacesDirectChannels ? "uses pins of the direct channels: wire either the direct channels or the expanders" : "kept free: expanders add channels next to the direct ones", 11, fill: "#444");
            y += 17;
        }
        svg.Text(20, y + 6, $"Inputs active {(map.InputsActiveLow ? "low" : "high")} (opto pulls the pin low when the signal is present); outputs active {(map.OutputsActiveHigh ? "high" : "low")} (a dead board presses nothing).", 11, fill: "#444");
        return svg.ToString();
    }

    private sealed record Group(string Title, IReadOnlyList<PinUse> Uses, bool IsServer);

    private static List<Group> Groups(PinMap map, IReadOnlyList<PinUse> uses)
    {
        var groups = map.Channels
            .Select(c => new Group($"server {c.Name}", uses.Where(u => u.What.StartsWith(c.Name + ".", StringComparison.Ordinal)).ToList(), true))
            .ToList();
        var pair = uses.Where(u => u.What.StartsWith("pair.", StringComparison.Ordinal)).ToList();
        if (pair.Count > 0)
        {
            groups.Add(new Group("other board of the pair", pair, false));
        }
        var aux = uses.Where(u => u.Kind == PinUseKind.AuxOutput && !pair.Contains(u)).ToList();
        if (aux.Count > 0)
        {
            groups.Add(new Group("board support", aux, false));
        }
        return groups;
    }

    private static void DrawGroup(SvgWriter svg, PinMap map, Group g, double top)
    {
        var boxHeight = GroupHeader + (g.Uses.Count * Row) - 4;
        svg.Rect(ServerX, top, ServerW, boxHeight, g.IsServer ? "#fbf7ee" : "#f2f2f2", "#7f6a3b", 6, dashed: !g.IsServer);
        svg.Text(ServerX + 10, top + 17, g.Title, 13, bold: true);

        var y = top + GroupHeader + (Row / 2);
        foreach (var use in g.Uses)
        {
            var style = SignalStyles.For(use);
            var pinLabel = SignalStyles.PinLabel(map, use.Gpio);
            svg.Text(BoardX + BoardW - 12, y + 4, pinLabel, 12, "end", mono: true);
            svg.Circle(BoardX + BoardW, y, 4, style.Colour, "#222");

            svg.Line(BoardX + BoardW + 4, y, InterfaceX, y, style.Colour);
            svg.Text(BoardX + BoardW + 22, y - 4, SignalStyles.ShortName(use), 10, fill: style.Colour);
            svg.Rect(InterfaceX, y - 9, InterfaceW, 18, "#ffffff", style.Colour, 4, 1.2);
            svg.Text(InterfaceX + (InterfaceW / 2), y + 4, style.Interface, 10.5, "middle");
            svg.Line(InterfaceX + InterfaceW, y, ServerX, y, style.Colour);
            if (style.IntoBoard)
            {
                svg.Arrow(BoardX + BoardW + 14, y, -1, style.Colour);
            }
            else
            {
                svg.Arrow(ServerX, y, 1, style.Colour);
            }
            svg.Text(ServerX + 12, y + 4, style.Terminal, 11.5);
            y += Row;
        }
    }

    private static double Legend(SvgWriter svg, double y, bool pair)
    {
        (string Name, string Colour)[] items =
        [
            ("heartbeat", "#1f77b4"), ("power-good", "#2ca02c"), ("link", "#9467bd"), ("reset", "#d62728"),
            ("power", "#ff7f0e"), ("fence", "#8c564b"), ("role", "#17becf"), ("board support", "#555555"),
        ];
        if (pair)
        {
            items = [.. items[..^1], ("pair", "#e377c2"), items[^1]];
        }
        var x = 20.0;
        foreach (var (name, colour) in items)
        {
            svg.Line(x, y - 4, x + 22, y - 4, colour, 3);
            svg.Text(x + 27, y, name, 11);
            x += 32 + SvgWriter.TextWidth(name, 11) + 14;
        }
        return y + 22;
    }

    /// <summary>Reserved pins, one line per reason, runs of pins with the same reason joined ("GPIO6-GPIO11").</summary>
    private static List<string> ReservedLines(PinMap map)
    {
        var lines = new List<string>();
        var sorted = map.Reserved.OrderBy(r => r.Gpio).ToList();
        for (var i = 0; i < sorted.Count;)
        {
            var j = i;
            while (j + 1 < sorted.Count && sorted[j + 1].Reason == sorted[i].Reason && sorted[j + 1].Gpio == sorted[j].Gpio + 1)
            {
                j++;
            }
            var pins = i == j ? $"GPIO{sorted[i].Gpio}" : $"GPIO{sorted[i].Gpio}-GPIO{sorted[j].Gpio}";
            lines.Add($"{pins}: {sorted[i].Reason}");
            i = j + 1;
        }
        return lines;
    }

    private static string Subtitle(PinMap map)
    {
        var target = map.Platform switch
        {
            "esp32" => $"nanoff target {map.NanoffTarget}",
            "linux" => $"GPIO chip {map.GpioChip}",
            _ => "simulated wires",
        };
        return $"{map.Board}.json  |  {map.Platform}  |  {target}  |  {map.LogicVolts.ToString(System.Globalization.CultureInfo.InvariantCulture)} V logic  |  {map.Channels.Count} direct channels";
    }
}
