using Watchdog.Platform.Posix;

namespace Watchdog.Sim.Tests.Support;

/// <summary>A fact that needs root (network namespaces, veth pairs). CI runs as root, so it runs there.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class RootFactAttribute : FactAttribute
{
    public RootFactAttribute()
        : this("network namespaces and veth pairs need CAP_SYS_ADMIN")
    {
    }

    /// <param name="why">What the test does that only root may (the skip reason says it).</param>
    public RootFactAttribute(string why)
    {
        if (!PosixSignals.IsRoot)
        {
            Skip = $"needs root: {why} (CI runs these as root)";
        }
    }
}
