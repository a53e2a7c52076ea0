using System.Device.Gpio;
using System.Device.Gpio.Drivers;
using Watchdog.Firmware.Core.PinMaps;
using Watchdog.Firmware.Glue;
using Watchdog.VirtualWires;

namespace Watchdog.Board.Gpio;

/// <summary>
/// Opens the GpioController the wiring runs on: the virtual rack's wire file (--wires), or the
/// Linux board's GPIO character device named by the pin map (libgpiod). Failures come back as one
/// sentence naming the device or file and what to check.
/// </summary>
public sealed class BoardGpio : IDisposable
{
    private BoardGpio(GpioController controller, VirtualWireDriver? wires, string description)
    {
        Controller = controller;
        Wires = wires;
        Description = description;
    }

    public GpioController Controller { get; }

    /// <summary>The virtual driver, when on the virtual rack (heartbeat edges come from its counters).</summary>
    public VirtualWireDriver? Wires { get; }

    public string Description { get; }

    /// <summary>Heartbeat edge totals for the wiring: the wire file's counters, or null for interrupt counting.</summary>
    public EdgeTotalReader? EdgeTotals => Wires is null ? null : Wires.ReadEdgeCount;

    public static bool TryOpen(PinMap map, string? wiresPath, out BoardGpio? gpio, out string error)
    {
        gpio = null;
        error = "";
        if (wiresPath is not null)
        {
            if (!File.Exists(wiresPath))
            {
                error = $"--wires '{wiresPath}': no such wire file (the virtual rack creates it; start the rack first)";
                return false;
            }

            try
            {
                var driver = new VirtualWireDriver(wiresPath, WireWriter.Board);
                gpio = new BoardGpio(new GpioController(driver), driver, $"virtual wires {wiresPath}");
                return true;
            }
            catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException or ArgumentException)
            {
                error = $"--wires '{wiresPath}': cannot open the wire file: {e.Message}";
                return false;
            }
        }

        if (map.Platform != PinPlatform.Linux)
        {
            error = $"pin map '{map.Board}' is for platform {PlatformWord(map.Platform)}; this program drives a Linux board "
                + "(a pin map with \"platform\": \"linux\") or the virtual rack (--wires <file>)";
            return false;
        }

        int chip = map.GpioChipNumber();
        if (chip < 0)
        {
            error = $"pin map '{map.Board}': gpio_chip '{map.GpioChip}' is not of the form gpiochipN";
            return false;
        }

        string device = $"/dev/gpiochip{chip}";
        if (!File.Exists(device))
        {
            error = $"GPIO chip {device} (gpio_chip '{map.GpioChip}' in pin map '{map.Board}') does not exist on this machine; "
                + "'gpiodetect' lists the chips (a Raspberry Pi 5 on kernels before 6.6.45 has its header on gpiochip4)";
            return false;
        }

        try
        {
            var driver = new LibGpiodDriver(chip);
            gpio = new BoardGpio(new GpioController(driver), null, $"libgpiod {device}");
            return true;
        }
        catch (Exception e) when (e is PlatformNotSupportedException or DllNotFoundException or IOException or InvalidOperationException or UnauthorizedAccessException)
        {
            error = $"cannot open {device} through libgpiod: {e.Message} (install libgpiod2, and run as a user in the 'gpio' group)";
            return false;
        }
    }

    public void Dispose() => Controller.Dispose();

    private static string PlatformWord(PinPlatform platform) => platform switch
    {
        PinPlatform.Esp32 => "esp32",
        PinPlatform.Linux => "linux",
        _ => "virtual",
    };
}
