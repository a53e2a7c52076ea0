namespace Watchdog.Sim.Rack;

/// <summary>How to build a virtual rack.</summary>
public sealed record RackOptions
{
    /// <summary>The pin map; null reads hardware/boards/virtual-rack.json (see <see cref="RackPinMap.LoadVirtualRack"/>).</summary>
    public RackPinMap? PinMap { get; init; }

    /// <summary>Use network namespaces when possible (default true); false forces loopback mode.</summary>
    public bool UseNamespaces { get; init; } = true;

    /// <summary>Directory for the wire file and the service logs; null makes a temp dir deleted on Dispose.</summary>
    public string? Directory { get; init; }

    /// <summary>Where the rack says how it is isolated (one line at start); null for Console.Error.</summary>
    public TextWriter? Log { get; init; }

    /// <summary>Keep the directory (logs, wire file, timeline) after Dispose, for a failed test's post-mortem.</summary>
    public bool KeepDirectory { get; init; }
}
