using System.ComponentModel;
using System.Device.Gpio;

namespace Watchdog.Agent.Heartbeat;

/// <summary>
/// Heartbeat (and optional ROLE input) on pins of a System.Device.Gpio GpioController. The
/// controller comes from a factory because creating it is what touches the device: libgpiod
/// chip, FT232H/FT4222 adapter or the virtual wire file. The same class serves all four; only
/// the factory differs (see HeartbeatHardwareFactory).
/// </summary>
public sealed class GpioHeartbeatHardware(string description, Func<GpioController> createController, int outPin, int rolePin = -1, bool roleActiveLow = false)
    : IHeartbeatHardware
{
    private GpioController? _controller;

    public string Description { get; } = description;

    public bool HasRoleInput => rolePin >= 0;

    public void Open()
    {
        Close();
        GpioController? controller = null;
        try
        {
            controller = createController();
            controller.OpenPin(outPin, PinMode.Output);
            controller.Write(outPin, PinValue.Low);
            if (rolePin >= 0)
            {
                controller.OpenPin(rolePin, PinMode.Input);
            }

            _controller = controller;
        }
        catch (HeartbeatDeviceException)
        {
            controller?.Dispose();
            throw;
        }
        catch (Exception ex) when (IsDeviceFault(ex))
        {
            controller?.Dispose();
            throw new HeartbeatDeviceException(Description + ": cannot open: " + ex.Message, ex);
        }
    }

    public void Write(bool high)
    {
        GpioController c = _controller ?? throw new HeartbeatDeviceException(Description + ": not open");
        try
        {
            c.Write(outPin, high ? PinValue.High : PinValue.Low);
        }
        catch (Exception ex) when (IsDeviceFault(ex))
        {
            throw new HeartbeatDeviceException(Description + ": write failed: " + ex.Message, ex);
        }
    }

    public bool ReadRole()
    {
        GpioController c = _controller ?? throw new HeartbeatDeviceException(Description + ": not open");
        try
        {
            bool high = c.Read(rolePin) == PinValue.High;
            return high != roleActiveLow;
        }
        catch (Exception ex) when (IsDeviceFault(ex))
        {
            throw new HeartbeatDeviceException(Description + ": ROLE read failed: " + ex.Message, ex);
        }
    }

    public void Close()
    {
        GpioController? controller = _controller;
        _controller = null;
        DeviceHandle.Release(controller, IsDeviceFault);
    }

    public void Dispose() => Close();

    /// <summary>The exceptions the GPIO stack throws for a missing, busy or vanished device.</summary>
    internal static bool IsDeviceFault(Exception ex) =>
        ex is IOException or UnauthorizedAccessException or InvalidOperationException or PlatformNotSupportedException
            or DllNotFoundException or EntryPointNotFoundException or TypeInitializationException or Win32Exception
            or ArgumentException or NotSupportedException;
}
