using Watchdog.Sim.Rack;

namespace Watchdog.Lab.Tests.Faults;

/// <summary>
/// The reset stop time a failover run reports, read off the rack's timeline: from the board's
/// write of the reset wire to the simulated server's reaction, for the victim only.
/// </summary>
public sealed class ResetStopTests
{
    private static TimelineEvent At(double ms, TimelineKind kind, string subject, string what) => new((long)(ms * 1000), ms, kind, subject, what);

    [Fact]
    public void It_runs_from_the_victims_reset_wire_to_its_freeze_and_ignores_the_rest()
    {
        TimelineEvent[] timeline =
        [
            At(50, TimelineKind.Wire, "web1", ResetStop.Asserted), // before the fault: an earlier run's
            At(52, TimelineKind.Relay, "web1", "reset held: frozen"),
            At(100, TimelineKind.Fault, "web1", "link 0 down"),
            At(114, TimelineKind.Wire, "web1", ResetStop.Asserted),
            At(115, TimelineKind.Wire, "web2", ResetStop.Asserted),
            At(116, TimelineKind.Relay, "web2", "reset held: frozen"),
            At(178.8, TimelineKind.Relay, "web1", "reset held: frozen"),
            At(200, TimelineKind.Relay, "web1", "reset held: frozen"),
        ];

        double? stop = ResetStop.Of(timeline, "web1", fromMs: 100, toMs: 1000);

        Assert.NotNull(stop);
        Assert.Equal(64.8, stop.Value, precision: 6);
    }

    [Fact]
    public void A_server_already_off_obeys_at_once_and_no_reset_gives_no_figure()
    {
        TimelineEvent[] timeline =
        [
            At(100, TimelineKind.Wire, "web1", ResetStop.Asserted),
            At(101.5, TimelineKind.Relay, "web1", "reset asserted (server off: nothing to freeze)"),
        ];

        Assert.Equal(1.5, ResetStop.Of(timeline, "web1", 0, 1000)!.Value, precision: 6);
        Assert.Null(ResetStop.Of(timeline, "web2", 0, 1000));
        Assert.Null(ResetStop.Of(timeline, "web1", 200, 1000));
    }

    [Fact]
    public void A_server_that_had_stopped_before_its_reset_counts_as_stopped_at_once_however_late_the_relay_loop()
    {
        TimelineEvent[] hung =
        [
            At(100, TimelineKind.Fault, "web1", "kill -STOP all processes"),
            At(160, TimelineKind.Wire, "web1", ResetStop.Asserted),
            At(400, TimelineKind.Relay, "web1", "reset held: frozen"),
        ];
        TimelineEvent[] lostPower =
        [
            At(100, TimelineKind.Fault, "web1", "power loss"),
            At(140, TimelineKind.Wire, "web1", ResetStop.Asserted),
            At(1900, TimelineKind.Relay, "web1", "reset asserted (server off: nothing to freeze)"),
        ];
        TimelineEvent[] stoppedBeforeTheRun = [.. hung.Skip(1)];

        Assert.Equal(0.0, ResetStop.Of(hung, "web1", 90, 1000)!.Value);
        Assert.Equal(0.0, ResetStop.Of(lostPower, "web1", 90, 1000)!.Value);
        Assert.Equal(240, ResetStop.Of(stoppedBeforeTheRun, "web1", 90, 1000)!.Value, precision: 6);
    }

    [Fact]
    public void A_reset_never_obeyed_counts_up_to_the_end_of_the_run()
    {
        TimelineEvent[] timeline = [At(100, TimelineKind.Wire, "web1", ResetStop.Asserted)];

        Assert.Equal(900, ResetStop.Of(timeline, "web1", 0, 1000)!.Value, precision: 6);
    }
}
