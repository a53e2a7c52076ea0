using Watchdog.Sim.Rack;

namespace Watchdog.Lab.Faults;

/// <summary>
/// How long the simulated server took to obey the board's reset: from the reset wire asserted
/// (stamped with the board's own write) to the relay loop's reaction to it ("reset held: frozen",
/// or nothing to freeze on a server already off). The board counts the server out after
/// fence_confirm_ms of reset; on real hardware the relay and the motherboard must stop it within
/// that time, and in the lab the simulator must.
/// </summary>
public static class ResetStop
{
    public const string Asserted = "reset asserted";

    /// <summary>The relay loop's records of a reset it obeyed (SimulatedServer.Relays.cs).</summary>
    private static readonly string[] Obeyed = ["reset held: frozen", "reset asserted (server off: nothing to freeze)"];

    /// <summary>Faults and server events after which the server runs nothing until it is thawed or boots again.</summary>
    private static readonly string[] Stopped = ["kill -STOP all processes", "power loss", "powered off"];

    /// <summary>
    /// The stop time of the first reset asserted on <paramref name="server"/> within [fromMs, toMs]
    /// of the rack's timeline; null when none was. 0 when the server had already stopped since
    /// <paramref name="fromMs"/> (a hang's SIGSTOP, a power loss): nothing ran while the relay loop
    /// caught up, however late. A reset never obeyed by <paramref name="toMs"/> gives the time up
    /// to there, a lower bound that still exceeds any confirm time it should.
    /// </summary>
    public static double? Of(IReadOnlyList<TimelineEvent> timeline, string server, double fromMs, double toMs)
    {
        var asserted = timeline.FirstOrDefault(e => e.Subject == server && e.Kind == TimelineKind.Wire && e.What == Asserted && e.AtMs >= fromMs && e.AtMs <= toMs);
        if (asserted is null)
        {
            return null;
        }

        if (timeline.Any(e => e.Subject == server && e.Kind is TimelineKind.Fault or TimelineKind.Server && Stopped.Contains(e.What) && e.AtMs >= fromMs && e.AtMs <= asserted.AtMs))
        {
            return 0;
        }

        var obeyed = timeline.FirstOrDefault(e => e.Subject == server && e.Kind == TimelineKind.Relay && Obeyed.Contains(e.What) && e.AtMs >= asserted.AtMs);
        return (obeyed?.AtMs ?? toMs) - asserted.AtMs;
    }
}
