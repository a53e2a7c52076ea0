using System.Device.Gpio;
using System.Device.Gpio.Drivers;
using System.Runtime.CompilerServices;
using Iot.Device.Ft232H;
using Iot.Device.Ft4222;
using Iot.Device.FtCommon;
using Watchdog.Agent.Configuration;
using Watchdog.VirtualWires;

namespace Watchdog.Agent.Heartbeat;

/// <summary>Builds the configured heartbeat hardware. Nothing here touches a device: Open does.</summary>
public static class HeartbeatHardwareFactory
{
    public static IHeartbeatHardware Create(AgentOptions o)
    {
        HeartbeatOptions h = o.Heartbeat;
        RoleInputOptions r = o.RoleInput;
        switch (h.Driver)
        {
            case "serial":
                return CreateSerial(h, r);
            case "gpio":
                return new GpioHeartbeatHardware(
                    "gpio gpiochip" + h.Chip + " line " + h.Pin,
                    () => new GpioController(new LibGpiodDriver(h.Chip)),
                    h.Pin,
                    r.Source == "gpio" ? r.Pin : -1,
                    r.ActiveLow);
            case "ft232h":
                return new GpioHeartbeatHardware(
                    "ft232h " + (h.SerialNumber.Length > 0 ? h.SerialNumber : "(first)") + " pin " + (h.PinName.Length > 0 ? h.PinName : h.Pin.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                    () => Ft232HController(h.SerialNumber),
                    h.PinName.Length > 0 ? Ft232HPinNumber(h.PinName) : h.Pin);
            case "ft4222":
                return new GpioHeartbeatHardware(
                    "ft4222 " + (h.SerialNumber.Length > 0 ? h.SerialNumber : "(first)") + " GPIO" + h.Pin,
                    () => Ft4222Controller(h.SerialNumber),
                    h.Pin);
            case "virtual":
                return new GpioHeartbeatHardware(
                    "virtual wire " + h.WireFile + " pin " + h.Pin,
                    () => new GpioController(new VirtualWireDriver(h.WireFile, WireWriter.Agent)),
                    h.Pin,
                    r.Source == "virtual" ? r.Pin : -1,
                    r.ActiveLow);
            default:
                throw new ArgumentException("unknown heartbeat driver '" + h.Driver + "'", nameof(o));
        }
    }

    private static SerialHeartbeatHardware CreateSerial(HeartbeatOptions h, RoleInputOptions r)
    {
        string roleSignal = r.Source switch { "serial-cts" => "cts", "serial-dsr" => "dsr", _ => "" };
        if (roleSignal.Length > 0 && r.Device.Length > 0 && r.Device != h.Device)
        {
            // Heartbeat and ROLE on two adapters is possible but unusual; one adapter has both lines.
            throw new ArgumentException("RoleInput:Device must be the heartbeat's serial port (one adapter carries both lines)");
        }

        return new SerialHeartbeatHardware(h.Device, h.Signal, roleSignal, r.ActiveLow);
    }

    // The FTDI helpers below sit in their own methods, kept out of line, so that Iot.Device.Bindings
    // (1.4 MB mapped) is loaded only on servers that use an FTDI adapter.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int Ft232HPinNumber(string name) => Ft232HDevice.GetPinNumberFromString(name);

    /// <summary>Opens the FT232H with the given serial number (or the first one) as a GpioController.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static GpioController Ft232HController(string serialNumber) =>
        OpenAdapter("FT232H", serialNumber, Ft232HDevice.GetFt232H, device => device.CreateGpioController());

    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static GpioController Ft4222Controller(string serialNumber) =>
        OpenAdapter("FT4222", serialNumber, Ft4222Device.GetFt4222, device => device.CreateGpioController());

    /// <summary>The adapter of this chip with the given serial number (or the first one found), opened as a GpioController.</summary>
    private static GpioController OpenAdapter<TDevice>(string chip, string serialNumber, Func<List<TDevice>> listAdapters, Func<TDevice, GpioController> open)
        where TDevice : FtDevice
    {
        List<TDevice> devices = FtdiCall(chip, listAdapters);
        foreach (TDevice d in devices)
        {
            if (serialNumber.Length == 0 || d.SerialNumber == serialNumber)
            {
                return open(d);
            }
        }

        throw new HeartbeatDeviceException(NotFound(chip, serialNumber, devices.Count));
    }

    private static T FtdiCall<T>(string chip, Func<T> call)
    {
        try
        {
            return call();
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException or BadImageFormatException
                                       || ex.InnerException is DllNotFoundException)
        {
            // Iot.Device.Bindings talks to FTDI adapters through FTDI's D2XX library (libftd2xx.so
            // on Linux, libft4222.so for the FT4222), which is not part of .NET or of any distro.
            throw new HeartbeatDeviceException(chip + ": the FTDI D2XX library is not installed (install libftd2xx" +
                (chip == "FT4222" ? " and libft4222" : "") + " from ftdichip.com and unload ftdi_sio for this adapter): " + ex.Message, ex);
        }
        catch (Exception ex) when (GpioHeartbeatHardware.IsDeviceFault(ex))
        {
            throw new HeartbeatDeviceException(chip + ": cannot list adapters: " + ex.Message, ex);
        }
    }

    private static string NotFound(string chip, string serialNumber, int count) =>
        count == 0
            ? chip + ": no adapter found on USB (plugged in? permission on /dev/bus/usb? ftdi_sio unloaded?)"
            : chip + ": no adapter with serial number '" + serialNumber + "' among " + count + " found";
}
