using Watchdog.Sim.Posix;

namespace Watchdog.Sim.Tests.Support;

/// <summary>A fact that needs root (network namespaces, veth pairs). CI runs as root, so it runs there.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class RootFactAttribute : FactAttribute
{
    public RootFactAttribute()
    {
        if (!PosixSignals.IsRoot)
        {
            Skip = "needs root: network namespaces and veth pairs need CAP_SYS_ADMIN (CI runs these as root)";
        }
    }
}
