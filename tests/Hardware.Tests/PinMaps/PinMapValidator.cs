namespace Hardware.Tests.PinMaps;

/// <summary>
/// The wiring rules a pin map must keep. Each broken rule yields one message that names the
/// board, the use ("s1.reset") and the GPIO, so whoever edits a map sees what to move.
/// </summary>
/// <remarks>
/// Boot-time reasoning, for an ESP32 with the interface circuits of hardware/README.md:
/// an input sits behind an opto with a pull-up, so at reset it can be high (signal absent) or low
/// (signal present); a pin whose level at reset changes the boot mode can therefore never carry an
/// input. An output drives an opto LED (or relay module input) to ground with a pull-down, so while
/// the board boots it reads low unless the chip itself drives or pulls it high; such a pin
/// ("high" or "pulses" at boot) would press a server's button or drop its ROLE grant falsely, so
/// channel outputs may only sit on pins that stay at the inactive level through reset.
/// Strapping pins that pass: GPIO2 (pulled down; it matters only with GPIO0 low, in download mode)
/// and GPIO12 (pulled down; only HIGH at reset is harmful, and an output's load pulls it low).
/// Strapping pins that fail: GPIO0 (any load to ground can enter download mode), GPIO5 and GPIO15
/// (pulled up and driven by the boot ROM, so an active-high output would press the button).
/// The watchdog feed stays off GPIO12 too: the watchdog IC's input is not under the firmware's
/// control while the board resets.
/// </remarks>
internal static class PinMapValidator
{
    private static readonly string[] Platforms = ["esp32", "linux", "virtual"];
    private static readonly string[] BootLevels = ["low", "high", "pulses", "floating"];

    public static IReadOnlyList<string> Validate(PinMap map, string fileName)
    {
        var problems = new List<string>();
        void Fail(string message) => problems.Add($"{map.Board}: {message}");

        CheckHeader(map, fileName, Fail);
        CheckPinList(map, Fail);
        CheckChannels(map, Fail);

        var uses = Uses(map);
        CheckUsesTwice(uses, Fail);
        foreach (var use in uses)
        {
            CheckUse(map, use, Fail);
        }
        CheckExpansion(map, uses, Fail);
        return problems;
    }

    /// <summary>Every GPIO the map puts to use, in file order, with what it is for.</summary>
    public static IReadOnlyList<PinUse> Uses(PinMap map)
    {
        var uses = new List<PinUse>();
        foreach (var c in map.Channels)
        {
            uses.Add(new PinUse(c.Heartbeat, $"{c.Name}.heartbeat", PinUseKind.Input));
            uses.AddRange(c.PowerGood.Select((g, i) => new PinUse(g, $"{c.Name}.power_good[{i}]", PinUseKind.Input)));
            uses.AddRange(c.Link.Select((g, i) => new PinUse(g, $"{c.Name}.link[{i}]", PinUseKind.Input)));
            uses.Add(new PinUse(c.Reset, $"{c.Name}.reset", PinUseKind.ChannelOutput));
            uses.Add(new PinUse(c.Power, $"{c.Name}.power", PinUseKind.ChannelOutput));
            if (c.Fence is int fence)
            {
                uses.Add(new PinUse(fence, $"{c.Name}.fence", PinUseKind.ChannelOutput));
            }
            if (c.Role is int role)
            {
                uses.Add(new PinUse(role, $"{c.Name}.role", PinUseKind.ChannelOutput));
            }
        }
        if (map.WatchdogFeed is int feed)
        {
            uses.Add(new PinUse(feed, "watchdog_feed", PinUseKind.AuxOutput));
        }
        if (map.StatusLed is int led)
        {
            uses.Add(new PinUse(led, "status_led", PinUseKind.AuxOutput));
        }
        if (map.Pair is { } pair)
        {
            // The heartbeat out only makes edges (a twitch at boot is a few stray edges); the peer's
            // reset must stay off through our boot like a button, or our restart restarts the peer.
            uses.Add(new PinUse(pair.HeartbeatOut, "pair.heartbeat_out", PinUseKind.AuxOutput));
            uses.Add(new PinUse(pair.PeerHeartbeat, "pair.peer_heartbeat", PinUseKind.Input));
            uses.Add(new PinUse(pair.PeerReset, "pair.peer_reset", PinUseKind.ChannelOutput));
        }
        return uses;
    }

    private static void CheckHeader(PinMap map, string fileName, Action<string> fail)
    {
        var expected = Path.GetFileNameWithoutExtension(fileName);
        if (map.Board != expected)
        {
            fail($"field 'board' is \"{map.Board}\" but the file is {fileName}; they must match");
        }
        if (!Platforms.Contains(map.Platform))
        {
            fail($"platform \"{map.Platform}\" is not one of {string.Join(", ", Platforms)}");
        }
        if (map.Platform == "esp32" && string.IsNullOrEmpty(map.NanoffTarget))
        {
            fail("an esp32 board needs 'nanoff_target' (the firmware image nanoff writes)");
        }
        if (map.Platform == "linux" && string.IsNullOrEmpty(map.GpioChip))
        {
            fail("a linux board needs 'gpio_chip' (e.g. gpiochip0)");
        }
        if (map.LogicVolts is not (> 0 and <= 5.5))
        {
            fail($"logic_volts {map.LogicVolts} is not a logic supply (0 < V <= 5.5)");
        }
        if (map.Channels.Count == 0)
        {
            fail("has no channels");
        }
    }

    private static void CheckPinList(PinMap map, Action<string> fail)
    {
        foreach (var dup in map.Pins.GroupBy(p => p.Gpio).Where(g => g.Count() > 1))
        {
            fail($"GPIO {dup.Key} is listed {dup.Count()} times in 'pins'");
        }
        foreach (var dup in map.Reserved.GroupBy(p => p.Gpio).Where(g => g.Count() > 1))
        {
            fail($"GPIO {dup.Key} is listed {dup.Count()} times in 'reserved'");
        }
        foreach (var p in map.Pins)
        {
            if (map.ReservedEntry(p.Gpio) is { } r)
            {
                fail($"GPIO {p.Gpio} is both a usable pin and reserved ({r.Reason})");
            }
            if (!p.Input && !p.Output)
            {
                fail($"GPIO {p.Gpio} is neither input nor output; list it under 'reserved' instead");
            }
            if (!BootLevels.Contains(p.Boot))
            {
                fail($"GPIO {p.Gpio} has boot \"{p.Boot}\"; use one of {string.Join(", ", BootLevels)}");
            }
            if (p.UpsetsBootWhen is not (null or "low" or "high"))
            {
                fail($"GPIO {p.Gpio} has upsets_boot_when \"{p.UpsetsBootWhen}\"; use \"low\", \"high\" or null");
            }
            if (p.UpsetsBootWhen is not null && !p.Strapping)
            {
                fail($"GPIO {p.Gpio} upsets boot when {p.UpsetsBootWhen} but is not marked as a strapping pin");
            }
        }
    }

    private static void CheckChannels(PinMap map, Action<string> fail)
    {
        foreach (var dup in map.Channels.GroupBy(c => c.Name, StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            fail($"channel name \"{dup.Key}\" is used {dup.Count()} times; channel names must be unique");
        }
        foreach (var c in map.Channels)
        {
            if (c.PowerGood.Count is < 1 or > 2)
            {
                fail($"{c.Name}.power_good has {c.PowerGood.Count} pins; it takes 1 or 2 (one per PSU)");
            }
            if (c.Link.Count is < 1 or > 2)
            {
                fail($"{c.Name}.link has {c.Link.Count} pins; it takes 1 or 2 (one per NIC or bond member)");
            }
        }
    }

    private static void CheckUsesTwice(IReadOnlyList<PinUse> uses, Action<string> fail)
    {
        foreach (var dup in uses.GroupBy(u => u.Gpio).Where(g => g.Count() > 1))
        {
            fail($"GPIO {dup.Key} is used twice: {string.Join(" and ", dup.Select(u => u.What))}");
        }
    }

    private static void CheckUse(PinMap map, PinUse use, Action<string> fail)
    {
        if (map.ReservedEntry(use.Gpio) is { } reserved)
        {
            fail($"{use.What} uses GPIO {use.Gpio}, which is reserved: {reserved.Reason}");
            return;
        }
        if (map.Pin(use.Gpio) is not { } pin)
        {
            fail($"{use.What} uses GPIO {use.Gpio}, which is not in the board's 'pins' list");
            return;
        }

        if (use.Kind == PinUseKind.Input)
        {
            CheckInput(use, pin, fail);
        }
        else
        {
            CheckOutput(map, use, pin, fail);
        }
    }

    private static void CheckInput(PinUse use, PinInfo pin, Action<string> fail)
    {
        if (!pin.Input)
        {
            fail($"{use.What} is an input but GPIO {pin.Gpio} cannot read");
        }
        if (pin.UpsetsBootWhen is not null)
        {
            // Behind an opto with a pull-up the line can be at either level when the board resets.
            fail($"{use.What} on GPIO {pin.Gpio}: an input can hold this strapping pin {pin.UpsetsBootWhen} at reset, which stops the board from booting");
        }
        if (pin.GlitchProne && (use.What.EndsWith(".heartbeat", StringComparison.Ordinal) || use.What == "pair.peer_heartbeat"))
        {
            fail($"{use.What} on GPIO {pin.Gpio}: the heartbeat is counted edge by edge and this pin can glitch (ESP32 GPIO36/39 erratum); put a level signal here instead");
        }
    }

    private static void CheckOutput(PinMap map, PinUse use, PinInfo pin, Action<string> fail)
    {
        if (!pin.Output)
        {
            fail($"{use.What} is an output but GPIO {pin.Gpio} is input only");
            return;
        }

        var active = map.OutputsActiveHigh ? "high" : "low";
        var idle = map.OutputsActiveHigh ? "low" : "high";
        if (pin.UpsetsBootWhen == idle)
        {
            fail($"{use.What} on GPIO {pin.Gpio}: the output's load holds this strapping pin {idle} at reset, which stops the board from booting");
        }
        if (use.What == "watchdog_feed" && pin.UpsetsBootWhen is not null)
        {
            // The watchdog IC's input is not ours to control while the board resets: a TPS382x
            // even pulses a floating WDI itself, so it could hold the strapping pin at either level.
            fail($"{use.What} on GPIO {pin.Gpio}: the watchdog IC's input may drive or pull this strapping pin at reset; use a pin that does not decide the boot");
        }
        if (use.Kind == PinUseKind.ChannelOutput && (pin.Boot == active || pin.Boot == "pulses"))
        {
            var how = pin.Boot == "pulses" ? "is driven (pulses) during boot" : $"is {active} during boot";
            var effect = use.What == "pair.peer_reset"
                ? "hold the other board in reset while this one starts"
                : "assert the output while the board starts (press the button, drop the fence, grant the role)";
            fail($"{use.What} on GPIO {pin.Gpio}: the pin {how}, which would {effect}");
        }
    }

    private static void CheckExpansion(PinMap map, IReadOnlyList<PinUse> uses, Action<string> fail)
    {
        if (map.Expansion is not { } x)
        {
            return;
        }
        if (x.Sda == x.Scl)
        {
            fail($"expansion sda and scl are both GPIO {x.Sda}");
        }
        foreach (var (gpio, what) in new[] { (x.Sda, "expansion.sda"), (x.Scl, "expansion.scl") })
        {
            if (map.ReservedEntry(gpio) is { } r)
            {
                fail($"{what} uses GPIO {gpio}, which is reserved: {r.Reason}");
                continue;
            }
            if (map.Pin(gpio) is not { } pin)
            {
                fail($"{what} uses GPIO {gpio}, which is not in the board's 'pins' list");
                continue;
            }
            if (!pin.Output)
            {
                fail($"{what} on GPIO {gpio}: I2C needs a pin that can drive, this one is input only");
            }
            if (pin.UpsetsBootWhen is not null)
            {
                fail($"{what} on GPIO {gpio}: the I2C pull-up holds this strapping pin high at reset");
            }
            foreach (var u in uses.Where(u => u.Gpio == gpio))
            {
                if (u.Kind == PinUseKind.AuxOutput || u.What.StartsWith("pair.", StringComparison.Ordinal) || !x.ReplacesDirectChannels)
                {
                    fail($"{what} uses GPIO {gpio}, which {u.What} also uses");
                }
            }
        }
        foreach (var a in x.Addresses.Where(a => a is < 0x20 or > 0x27))
        {
            fail($"expansion address 0x{a:X2} is outside the MCP23017 range 0x20-0x27");
        }
    }
}
