namespace Watchdog.Sim.Rack;

/// <summary>How the rack keeps its simulated servers apart.</summary>
public enum IsolationMode
{
    /// <summary>
    /// Each server is a network namespace with veth links to a bridge in the rack's own namespace;
    /// link faults and network fencing cut real traffic. Needs root.
    /// </summary>
    NetworkNamespaces,

    /// <summary>
    /// Fallback without root: servers are plain processes on distinct 127.213.x.y loopback
    /// addresses. Power, reset and freeze act for real; link faults and network fencing only flip
    /// the wires (no traffic is cut), and the rack says so when it starts.
    /// </summary>
    Loopback,
}
