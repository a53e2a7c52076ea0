using System.IO.Ports;

namespace Watchdog.Agent.Heartbeat;

/// <summary>
/// Heartbeat on a serial port's DTR or RTS output, ROLE on its CTS or DSR input: the cheapest
/// wiring (a USB-serial adapter and an opto-coupler). No data is sent; only modem-control
/// lines are used, set through the TIOCMBIS/TIOCMBIC ioctls that System.IO.Ports issues.
/// </summary>
public sealed class SerialHeartbeatHardware : IHeartbeatHardware
{
    private readonly string _device;
    private readonly bool _useRts;
    private readonly string _roleSignal;
    private readonly bool _roleActiveLow;
    private SerialPort? _port;

    /// <param name="signal">dtr or rts: the output that carries the heartbeat.</param>
    /// <param name="roleSignal">cts, dsr or empty: the input the board's ROLE wire drives.</param>
    public SerialHeartbeatHardware(string device, string signal, string roleSignal = "", bool roleActiveLow = false)
    {
        _device = device;
        _useRts = signal == "rts";
        _roleSignal = roleSignal;
        _roleActiveLow = roleActiveLow;
        Description = "serial " + device + " " + (_useRts ? "RTS" : "DTR") + (roleSignal.Length > 0 ? ", ROLE on " + roleSignal.ToUpperInvariant() : "");
    }

    public string Description { get; }

    public bool HasRoleInput => _roleSignal.Length > 0;

    public void Open()
    {
        Close();
        if (!File.Exists(_device))
        {
            throw new HeartbeatDeviceException(Description + ": device " + _device + " does not exist (adapter unplugged, or a different ttyUSB number: use a /dev/serial/by-id/ path)");
        }

        var port = new SerialPort(_device)
        {
            // Handshake none: the driver must not drive RTS/DTR by itself.
            Handshake = Handshake.None,
            DtrEnable = false,
            RtsEnable = false,
        };
        try
        {
            port.Open();
        }
        catch (UnauthorizedAccessException ex)
        {
            port.Dispose();
            throw new HeartbeatDeviceException(Description + ": permission denied or port busy (another program holds it, or the agent's user is not in the dialout group): " + ex.Message, ex);
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or ArgumentException)
        {
            port.Dispose();
            throw new HeartbeatDeviceException(Description + ": cannot open: " + ex.Message, ex);
        }

        _port = port;
    }

    public void Write(bool high)
    {
        SerialPort p = _port ?? throw new HeartbeatDeviceException(Description + ": not open");
        try
        {
            if (_useRts)
            {
                p.RtsEnable = high;
            }
            else
            {
                p.DtrEnable = high;
            }
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or UnauthorizedAccessException)
        {
            throw new HeartbeatDeviceException(Description + ": setting " + (_useRts ? "RTS" : "DTR") + " failed: " + ex.Message, ex);
        }
    }

    public bool ReadRole()
    {
        SerialPort p = _port ?? throw new HeartbeatDeviceException(Description + ": not open");
        try
        {
            bool asserted = _roleSignal == "dsr" ? p.DsrHolding : p.CtsHolding;
            return asserted != _roleActiveLow;
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or UnauthorizedAccessException)
        {
            throw new HeartbeatDeviceException(Description + ": reading " + _roleSignal.ToUpperInvariant() + " failed: " + ex.Message, ex);
        }
    }

    public void Close()
    {
        SerialPort? port = _port;
        _port = null;
        // An unplugged adapter fails its release with one of these.
        DeviceHandle.Release(port, ex => ex is IOException or InvalidOperationException);
    }

    public void Dispose() => Close();
}
