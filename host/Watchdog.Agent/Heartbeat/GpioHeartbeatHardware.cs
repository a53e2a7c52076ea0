using System.ComponentModel;
using System.Device.Gpio;

namespace Watchdog.Agent.Heartbeat;

/// <summary>
/// Heartbeat (and optional ROLE input) on pins of a System.Device.Gpio GpioController. The
/// controller comes from a factory because creating it is what touches the device: libgpiod
/// chip, FT232H/FT4222 adapter or the virtual wire file. The same class serves all four; only
/// the factory differs (see HeartbeatHardwareFactory).
/// </summary>
public sealed class GpioHeartbeatHardware : IHeartbeatHardware
{
    private readonly Func<GpioController> _createController;
    private readonly int _outPin;
    private readonly int _rolePin;
    private readonly bool _roleActiveLow;
    private GpioController? _controller;

    public GpioHeartbeatHardware(string description, Func<GpioController> createController, int outPin, int rolePin = -1, bool roleActiveLow = false)
    {
        Description = description;
        _createController = createController;
        _outPin = outPin;
        _rolePin = rolePin;
        _roleActiveLow = roleActiveLow;
    }

    public string Description { get; }

    public bool HasRoleInput => _rolePin >= 0;

    public void Open()
    {
        Close();
        GpioController? controller = null;
        try
        {
            controller = _createController();
            controller.OpenPin(_outPin, PinMode.Output);
            controller.Write(_outPin, PinValue.Low);
            if (_rolePin >= 0)
            {
                controller.OpenPin(_rolePin, PinMode.Input);
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
            c.Write(_outPin, high ? PinValue.High : PinValue.Low);
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
            bool high = c.Read(_rolePin) == PinValue.High;
            return high != _roleActiveLow;
        }
        catch (Exception ex) when (IsDeviceFault(ex))
        {
            throw new HeartbeatDeviceException(Description + ": ROLE read failed: " + ex.Message, ex);
        }
    }

    public void Close()
    {
        GpioController? c = _controller;
        _controller = null;
        if (c == null)
        {
            return;
        }

        try
        {
            c.Dispose();
        }
        catch (Exception ex) when (IsDeviceFault(ex))
        {
            // The device is already gone; nothing left to release.
        }
    }

    public void Dispose() => Close();

    /// <summary>The exceptions the GPIO stack throws for a missing, busy or vanished device.</summary>
    internal static bool IsDeviceFault(Exception ex) =>
        ex is IOException or UnauthorizedAccessException or InvalidOperationException or PlatformNotSupportedException
            or DllNotFoundException or EntryPointNotFoundException or TypeInitializationException or Win32Exception
            or ArgumentException or NotSupportedException;
}
