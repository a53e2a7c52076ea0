namespace Watchdog.Sim.Tests.Rack;

/// <summary>
/// The reset path and its observers do not wait for slow work elsewhere in the simulated server.
/// On a loaded machine an `ip` spawn takes tens of ms; a link flap's `ip` once held the server's
/// gate while the board asserted reset, the freeze came 65-146 ms late, after the board had
/// counted the server out and granted the standby, and the bench reported two actives. A
/// timeline handler that blocks stands in for the slow step, so these tests wait on events, not
/// on how slow the machine happens to be.
/// </summary>
public sealed class ResetUnderLoadTests(ITestOutputHelper output) : VirtualRackTestBase(output, useNamespaces: true)
{
    private SimulatedServer AddServerWithService()
    {
        SimulatedServer server = Rack.AddServer("node-a", "s1", new ServerOptions { BootDelay = TimeSpan.FromMilliseconds(100) });
        server.AddService(new ServiceSpec("app", "sleep", "1000"));
        return server;
    }

    [RootFact]
    public void A_reset_asserted_while_a_cable_is_being_pulled_freezes_the_server_before_the_pull_is_over()
    {
        SimulatedServer server = AddServerWithService();
        var frozen = new ManualResetEventSlim();
        var pullSeen = false;
        var frozeDuringPull = false;
        Rack.Timeline.Recorded += e =>
        {
            if (e.Subject != server.Name)
            {
                return;
            }

            if (e.What == "reset held: frozen")
            {
                frozen.Set();
            }
            else if (e.Kind == TimelineKind.Fault && e.What == "link 0 down" && !pullSeen)
            {
                // On the fault's thread, in the middle of the pull: the board asserts reset now.
                pullSeen = true;
                Board.Drive(server.Wiring.ResetPin, asserted: true);
                frozeDuringPull = frozen.Wait(Timeout);
            }
        };

        server.LinkDown();

        Assert.True(pullSeen, "the pull was not recorded as link 0 down");
        Assert.True(frozeDuringPull, "reset was not obeyed until the cable pull was over: the relay loop waited for the fault");
        Assert.True(server.IsFrozen);
        Assert.True(RackProbe.WaitFor(() => !Board.InputPresent(server.Wiring.LinkPins[1]), Timeout), "the pull itself still happens");
    }

    [RootFact]
    public void IsRunning_answers_at_once_while_the_relay_loop_is_busy_freezing_the_server()
    {
        SimulatedServer server = AddServerWithService();
        Assert.True(server.IsRunning);
        bool? answered = null;
        var answeredInTime = false;
        var handled = new ManualResetEventSlim();
        Rack.Timeline.Recorded += e =>
        {
            if (e.Subject == server.Name && e.What == "reset held: frozen" && !handled.IsSet)
            {
                // On the relay thread, inside the server's gate, where it then spawns `ip` and
                // waits for processes: a reader must not wait for that to end.
                Task<bool> reading = Task.Run(() => server.IsRunning);
                answeredInTime = reading.Wait(Timeout);
                answered = answeredInTime ? reading.Result : null;
                handled.Set();
            }
        };

        Board.Drive(server.Wiring.ResetPin, asserted: true);

        Assert.True(handled.Wait(Timeout * 2), "reset was not obeyed");
        Assert.True(answeredInTime, "IsRunning waited for the relay loop to finish its reset work");
        Assert.False(answered, "a server held in reset is not running");
    }
}
