namespace Watchdog.Sim.Rack;

/// <summary>
/// A program a simulated server runs from boot (an agent, a service behind the virtual IP). It is
/// started again on every boot, like a systemd unit that is enabled.
/// </summary>
public sealed record ServiceSpec
{
    public ServiceSpec(string name, string fileName, params string[] arguments)
    {
        Name = name;
        FileName = fileName;
        Arguments = arguments;
    }

    /// <summary>The service's name on this server (unique per server), used in faults and logs.</summary>
    public string Name { get; init; }

    public string FileName { get; init; }

    public IReadOnlyList<string> Arguments { get; init; }

    /// <summary>Extra environment (the server adds WATCHDOG_SIM_* variables, see README).</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    public string? WorkingDirectory { get; init; }

    /// <summary>
    /// Start it again after it exits on its own, after this delay (systemd's Restart=always); null
    /// (the default) leaves a crashed service dead, which is what the agent-crash scenario needs.
    /// </summary>
    public TimeSpan? RestartAfterExit { get; init; }
}
