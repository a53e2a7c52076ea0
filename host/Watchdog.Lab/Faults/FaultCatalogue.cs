using Watchdog.Bench.Keepalived;
using Watchdog.Bench.Patroni;
using Watchdog.Protocol.Messages;
using Watchdog.Protocol.Wire;

namespace Watchdog.Lab.Faults;

/// <summary>
/// Every fault the lab can inject, once. The demo, the bench (its scenarios, its chaos schedules
/// and its peers) and the rack tests all take their faults from here. Adding a fault is one entry
/// below plus, when the simulator cannot do it yet, its action on SimulatedServer
/// (host/Watchdog.Sim/Rack); give it its peer counterparts where one exists.
/// The order is the chaos schedule's: a new fault goes at the end, or seeded schedules change.
/// </summary>
public static class FaultCatalogue
{
    public static Fault AgentCrash { get; } = new()
    {
        Name = "agent-crash",
        Aliases = ["agent-dies", "kill-9"],
        Description = "kill -9 of the active's agent: its heartbeat stops, the service keeps running",
        Expected = Outcome.Takeover,
        InDemo = true,
        Inject = s => Done(() => s.VictimServer.KillProcess("agent")),
        Keepalived = KeepalivedFaults.DaemonCrash,
        // The database counterpart: Patroni and its PostgreSQL killed (Patroni alone killed would
        // leave PostgreSQL a primary with nobody to demote it).
        Patroni = PatroniFaults.PrimaryCrash,
    };

    public static Fault Hang { get; } = new()
    {
        Name = "hang",
        Aliases = ["freeze"],
        Description = "kill -STOP of every process on the active: a hang with the kernel alive",
        Expected = Outcome.Takeover,
        InDemo = true,
        Inject = s => Done(s.VictimServer.Freeze),
        Recover = s => s.VictimServer.Thaw(),
        Keepalived = KeepalivedFaults.Hang,
        Patroni = PatroniFaults.Hang,
    };

    public static Fault PowerLoss { get; } = new()
    {
        Name = "power-loss",
        Aliases = ["power"],
        Description = "the active loses power: processes die, power-good falls",
        Expected = Outcome.Takeover,
        InDemo = true,
        Inject = s => Done(s.VictimServer.PowerLoss),
        Recover = s => s.VictimServer.PowerRestore(pressPowerButton: true),
        Keepalived = KeepalivedFaults.PowerLoss,
        Patroni = PatroniFaults.PowerLoss,
    };

    public static Fault LinkLoss { get; } = new()
    {
        Name = "link-loss",
        Aliases = ["link"],
        Description = "the active's NIC link goes down (cable pulled)",
        Expected = Outcome.Takeover,
        InDemo = true,
        Inject = s => Done(() => s.VictimServer.LinkDown()),
        Recover = s => s.VictimServer.LinkUp(),
        Keepalived = KeepalivedFaults.LinkLoss,
        Patroni = PatroniFaults.LinkLoss,
    };

    public static Fault BrokerLoss { get; } = new()
    {
        Name = "broker-loss",
        Description = "the broker stops; wires stay fine. Nothing may fail over",
        Expected = Outcome.StayActive,
        Inject = s => s.Cluster.StopBrokerAsync(),
        Heal = s => s.Cluster.StartBrokerAgainAsync(s.Ct),
    };

    public static Fault BoardRestart { get; } = new()
    {
        Name = "board-restart",
        Description = "the board is killed in the middle of a failover (after the active hangs) and restarted",
        Expected = Outcome.Takeover,
        Inject = async s =>
        {
            s.VictimServer.Freeze();
            // Kill the board in the middle of the failover: once it has declared the victim failed.
            var since = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - 1;
            await s.Cluster.Observer.WaitForAsync(x => x.Events(since).Any(e => e.Node == s.Victim && e.Kind is "state-suspect" or "state-failed"), TimeSpan.FromSeconds(10), s.Ct).ConfigureAwait(false);
            s.Cluster.KillBoard();
            s.Say("board: killed with SIGKILL mid-failover; starting it again");
            // The fault's shape, not a wait for anything: the board stays dead this long.
            await Task.Delay(300, s.Ct).ConfigureAwait(false);
            s.Cluster.StartBoard();
        },
        Recover = s => s.VictimServer.Thaw(),
    };

    public static Fault Switchover { get; } = new()
    {
        Name = "switchover",
        Description = "not a fault: a planned, signed switchover to the standby",
        Expected = Outcome.Takeover,
        Inject = async s =>
        {
            var ack = await FailoverRun.SendCommandAsync(s.Cluster, CommandAction.Switchover, s.Cluster.Options.Group, s.Successor, s.Ct).ConfigureAwait(false);
            s.Say($"switchover command: {(ack is null ? "no answer" : WireWords.Of(ack.Verdict) + " " + ack.Detail)}");
        },
    };

    public static Fault Partition { get; } = new()
    {
        Name = "partition",
        Description = "the two servers cannot reach each other (blackhole routes both ways); every wire and the broker path stay up. Nothing may fail over",
        Expected = Outcome.StayActive,
        Inject = s => Done(() =>
        {
            s.VictimServer.BlockTraffic(s.SuccessorServer.Address);
            s.SuccessorServer.BlockTraffic(s.VictimServer.Address);
        }),
        Heal = s => Done(() =>
        {
            s.VictimServer.UnblockTraffic(s.SuccessorServer.Address);
            s.SuccessorServer.UnblockTraffic(s.VictimServer.Address);
        }),
        Keepalived = KeepalivedFaults.Partition,
    };

    /// <summary>
    /// Meant to stay inside the board's debounce. On a loaded machine `ip` may hold a link down
    /// longer; then a failover is right too. Either way it must be safe and leave exactly one active.
    /// </summary>
    public static Fault LinkFlap { get; } = new()
    {
        Name = "link-flap",
        Description = "the active's links flap: three down/up cycles of about 5 ms",
        Expected = Outcome.OneActive,
        Inject = async s =>
        {
            // The fault's shape: three cable pulls of 5 ms, 200 ms apart.
            for (var i = 0; i < 3; i++)
            {
                s.VictimServer.LinkDown();
                await Task.Delay(5, s.Ct).ConfigureAwait(false);
                s.VictimServer.LinkUp();
                await Task.Delay(200, s.Ct).ConfigureAwait(false);
            }
        },
    };

    /// <summary>Every fault, in the chaos schedule's order.</summary>
    public static IReadOnlyList<Fault> All { get; } = [AgentCrash, Hang, PowerLoss, LinkLoss, BrokerLoss, BoardRestart, Switchover, Partition, LinkFlap];

    /// <summary>The faults the demo shows.</summary>
    public static IEnumerable<Fault> Demo => All.Where(f => f.InDemo);

    /// <summary>A fault by its name or one of its aliases.</summary>
    public static Fault Parse(string name) =>
        All.FirstOrDefault(f => f.Name == name || f.Aliases.Contains(name))
        ?? throw new FormatException($"unknown fault '{name}': one of {string.Join(", ", All.Select(f => f.Name))}");

    private static Task Done(Action act)
    {
        act();
        return Task.CompletedTask;
    }
}
