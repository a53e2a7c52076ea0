namespace Watchdog.Sim.Rack;

/// <summary>What the fence relay of a server cuts.</summary>
public enum FenceKind
{
    /// <summary>A mains contactor or PDU outlet: the server loses power (and stays off while fenced).</summary>
    PowerOff,

    /// <summary>A managed switch port or isolation relay: the server's links go down, it keeps running.</summary>
    NetworkIsolation,
}

/// <summary>How a simulated server behaves. Defaults suit tests; the bench sets real-world timings.</summary>
public sealed record ServerOptions
{
    /// <summary>Powered and running when added (default true).</summary>
    public bool PoweredOnAtStart { get; init; } = true;

    /// <summary>
    /// From power-on or reset release until its services start again (default 300 ms; a real server
    /// takes tens of seconds, which only stretches the bench's failback phase).
    /// </summary>
    public TimeSpan BootDelay { get; init; } = TimeSpan.FromMilliseconds(300);

    /// <summary>How long the power button must be held to force the server off (ATX: about 4 s).</summary>
    public TimeSpan ForcedOffHold { get; init; } = TimeSpan.FromSeconds(4);

    /// <summary>What the fence relay does (default: cut power).</summary>
    public FenceKind FenceKind { get; init; } = FenceKind.PowerOff;

    /// <summary>Boot by itself when mains power returns (the BIOS "restore on AC loss" setting; default off).</summary>
    public bool BootOnPowerRestore { get; init; }

    /// <summary>A heartbeat wire quiet this long is recorded as "heartbeat stopped" (at its last edge).</summary>
    public TimeSpan HeartbeatSilence { get; init; } = TimeSpan.FromMilliseconds(300);

    /// <summary>How often the server samples its relay outputs (default 1 ms).</summary>
    public TimeSpan RelayPollInterval { get; init; } = TimeSpan.FromMilliseconds(1);

    internal void Validate(string server)
    {
        if (BootDelay < TimeSpan.Zero || ForcedOffHold <= TimeSpan.Zero || HeartbeatSilence <= TimeSpan.Zero || RelayPollInterval <= TimeSpan.Zero)
        {
            throw new ArgumentException($"server {server}: BootDelay must be >= 0 and ForcedOffHold, HeartbeatSilence, RelayPollInterval > 0");
        }
    }
}
