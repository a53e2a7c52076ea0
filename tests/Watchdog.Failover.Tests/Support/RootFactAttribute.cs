namespace Watchdog.Failover.Tests.Support;

/// <summary>A fact that needs root (it creates network namespaces); skipped with the reason otherwise.</summary>
public sealed class RootFactAttribute : FactAttribute
{
    public RootFactAttribute()
    {
        if (!Host.IsRoot)
        {
            Skip = "needs root: creates network namespaces and interfaces (run the tests as root)";
        }
        else if (!Host.HasCommand("ip") || !Host.HasCommand("arping"))
        {
            Skip = "needs iproute2 (ip) and iputils-arping (arping) on PATH";
        }
    }
}

internal static class Host
{
    public static bool IsRoot => Environment.UserName == "root" || Sh.Run("id -u").Stdout.Trim() == "0";

    public static bool HasCommand(string name) => Sh.Run("command -v " + name).ExitCode == 0;
}
