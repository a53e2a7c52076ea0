namespace Watchdog.Agent.Heartbeat;

/// <summary>
/// The wires between this server and its board as the agent sees them: one output (the
/// heartbeat) and, where wired, one input (ROLE: the board holds it asserted while this node
/// holds the active grant). Open may fail (device missing, busy, no permission): it then throws
/// HeartbeatDeviceException with a message meant for an operator.
/// </summary>
public interface IHeartbeatHardware : IDisposable
{
    /// <summary>What the hardware is, for logs and alerts ("serial /dev/ttyUSB0 DTR").</summary>
    string Description { get; }

    /// <summary>True when a ROLE input is wired.</summary>
    bool HasRoleInput { get; }

    void Open();

    /// <summary>Drives the heartbeat line. Throws HeartbeatDeviceException when the device went away.</summary>
    void Write(bool high);

    /// <summary>True while the board asserts ROLE (active grant). Only valid when HasRoleInput.</summary>
    bool ReadRole();

    /// <summary>Releases the device so the next Open starts clean (after an error).</summary>
    void Close();
}

/// <summary>A heartbeat or ROLE device that is missing, busy or failed, described for an operator.</summary>
public sealed class HeartbeatDeviceException : Exception
{
    public HeartbeatDeviceException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }
}
