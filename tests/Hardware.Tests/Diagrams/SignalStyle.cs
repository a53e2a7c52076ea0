using Hardware.Tests.PinMaps;

namespace Hardware.Tests.Diagrams;

/// <summary>
/// How each signal is drawn and what sits between the board pin and the server: the interface
/// circuit named in hardware/README.md and the server-side terminal it lands on.
/// </summary>
internal sealed record SignalStyle(string Colour, string Interface, string Terminal, bool IntoBoard);

internal static class SignalStyles
{
    public static SignalStyle For(PinUse use)
    {
        var what = use.What;
        var signal = what.Contains('.', StringComparison.Ordinal) ? what[(what.IndexOf('.', StringComparison.Ordinal) + 1)..] : what;
        var index = signal.EndsWith(']') ? signal[^2] - '0' : 0;
        var plain = signal.Split('[')[0];
        return plain switch
        {
            "heartbeat" => new("#1f77b4", "PC817 in (1 k @ 5 V)", "DTR of USB-serial adapter", true),
            "power_good" => new("#2ca02c", "PC817 in", index == 0 ? "power LED header / PSU 1 PWR_OK" : "PSU 2 PWR_OK", true),
            "link" => new("#9467bd", "PC817 in (1 k)", index == 0 ? "NIC 1 link LED" : "NIC 2 link LED", true),
            "reset" => new("#d62728", "PhotoMOS out (330 R)", "RESET header (front panel)", false),
            "power" => new("#ff7f0e", "PhotoMOS out (330 R)", "POWER SW header (front panel)", false),
            "fence" => new("#8c564b", "relay module out", "fence: contactor coil / PDU", false),
            "role" => new("#17becf", "PC817 out (330 R)", "CTS of USB-serial adapter", false),
            "watchdog_feed" => new("#555555", "watchdog IC WDI", "TPL5010 / TPS3823 -> EN", false),
            "status_led" => new("#555555", "LED + 1 k to GND", "status LED", false),
            "heartbeat_out" => new("#e377c2", "PC817 out (330 R)", "other board's peer heartbeat in", false),
            "peer_heartbeat" => new("#e377c2", "PC817 in (10 k up)", "other board's heartbeat out", true),
            "peer_reset" => new("#e377c2", "PC817 out (330 R)", "other board's EN / RUN (reset)", false),
            _ => new("#555555", "", what, false),
        };
    }

    /// <summary>"s1.power_good[1]" drawn inside its server group as "power-good 2".</summary>
    public static string ShortName(PinUse use)
    {
        var dot = use.What.IndexOf('.', StringComparison.Ordinal);
        var signal = dot < 0 ? use.What : use.What[(dot + 1)..];
        var bracket = signal.IndexOf('[', StringComparison.Ordinal);
        if (bracket < 0)
        {
            return signal.Replace('_', ' ');
        }
        var index = int.Parse(signal[(bracket + 1)..^1], System.Globalization.CultureInfo.InvariantCulture);
        return $"{signal[..bracket].Replace('_', '-')} {index + 1}";
    }

    /// <summary>The short label drawn on the board side of a pin row.</summary>
    public static string PinLabel(PinMap map, int gpio)
    {
        var label = map.Pin(gpio)?.Label;
        var name = map.Platform == "linux" ? $"GPIO{gpio} (BCM)" : $"GPIO{gpio}";
        return label is null || label == $"GPIO{gpio}" ? name : $"{name} {label}";
    }
}
