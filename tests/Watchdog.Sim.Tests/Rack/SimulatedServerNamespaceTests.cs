using Watchdog.Platform.Posix;

namespace Watchdog.Sim.Tests.Rack;

/// <summary>A simulated server in a real network namespace, driven by relays and faults.</summary>
public sealed class SimulatedServerNamespaceTests(ITestOutputHelper output) : VirtualRackTestBase(output, useNamespaces: true)
{
    private SimulatedServer AddServerWithService(ServerOptions? options = null)
    {
        SimulatedServer server = Rack.AddServer("node-a", "s1", options ?? new ServerOptions { BootDelay = TimeSpan.FromMilliseconds(100) });
        server.AddService(new ServiceSpec("app", "sleep", "1000"));
        return server;
    }

    [RootFact]
    public void The_rack_says_it_uses_namespaces_and_a_server_reaches_the_host_side()
    {
        SimulatedServer server = AddServerWithService();

        Assert.Equal(IsolationMode.NetworkNamespaces, Rack.IsolationMode);
        Assert.Contains("isolation = network namespaces", Log.ToString(), StringComparison.Ordinal);
        Assert.Contains(server.Namespace!, HostCommand.Ip("netns", "list"), StringComparison.Ordinal);
        Assert.Contains(server.Address + "/24", server.Exec("ip", "-o", "-4", "address", "show", "dev", "eth0").StandardOutput, StringComparison.Ordinal);
        Assert.True(RackProbe.CanReachHost(server, Rack.HostAddress));
        Assert.True(Board.InputPresent(server.Wiring.PowerGoodPins[0]));
        Assert.True(Board.InputPresent(server.Wiring.LinkPins[0]));
    }

    [RootFact]
    public void A_pulled_cable_flips_the_link_wire_and_cuts_traffic()
    {
        SimulatedServer server = AddServerWithService();
        int link = server.Wiring.LinkPins[0];

        server.LinkDown(0);

        Assert.True(RackProbe.WaitFor(() => !Board.InputPresent(link), Timeout), "link wire still present after ip link set down");
        Assert.False(RackProbe.CanReachHost(server, Rack.HostAddress));
        Assert.True(Board.InputPresent(server.Wiring.LinkPins[1]), "the other link must stay up");
        Assert.True(Board.InputPresent(server.Wiring.PowerGoodPins[0]), "power is not affected by a link fault");

        server.LinkUp(0);

        Assert.True(RackProbe.WaitFor(() => Board.InputPresent(link), Timeout));
        Assert.True(RackProbe.WaitFor(() => RackProbe.CanReachHost(server, Rack.HostAddress), Timeout));
        Assert.NotNull(Rack.Timeline.First(e => e.Kind == TimelineKind.Wire && e.What == "link 0 absent"));
    }

    [RootFact]
    public void Link_wire_follows_an_interface_taken_down_inside_the_server()
    {
        SimulatedServer server = AddServerWithService();

        server.Exec("ip", "link", "set", "eth0", "down");

        Assert.True(RackProbe.WaitFor(() => !Board.InputPresent(server.Wiring.LinkPins[0]), Timeout));
    }

    [RootFact]
    public void Reset_held_freezes_the_server_and_its_release_reboots_it()
    {
        SimulatedServer server = AddServerWithService();
        ServerProcess app = server.Process("app")!;
        int before = app.Pid;

        Board.Drive(server.Wiring.ResetPin, asserted: true);

        Assert.True(RackProbe.WaitFor(() => RackProbe.ProcessState(before) == 'T', Timeout), "service not stopped while reset is held: " + RackProbe.Describe(app));
        Assert.True(RackProbe.WaitFor(() => !Board.InputPresent(server.Wiring.LinkPins[0]), Timeout), "a server in reset answers nothing: link goes dark");
        Assert.True(Board.InputPresent(server.Wiring.PowerGoodPins[0]), "reset does not cut power");
        long checks = server.FreezeChecks;
        Assert.True(server.WaitUntil(s => s.FreezeChecks >= checks + 2, Timeout), "the relay loop made no freeze checks");
        Assert.Equal('T', RackProbe.ProcessState(before)); // stays frozen as long as reset is held

        Board.Drive(server.Wiring.ResetPin, asserted: false);

        Assert.True(server.WaitUntil(s => s.Process("app") is { } p && p.Pid != before, Timeout), "service not restarted after reset release");
        Assert.Null(RackProbe.ProcessState(before));
        Assert.True(RackProbe.WaitFor(() => Board.InputPresent(server.Wiring.LinkPins[0]), Timeout));
        var held = Rack.Timeline.First(e => e.What == "reset held: frozen");
        var booted = Rack.Timeline.First(e => e.What == "booted");
        Assert.NotNull(held);
        Assert.NotNull(booted);
        Assert.True(booted.AtMs > held.AtMs);
    }

    [RootFact]
    public void A_long_power_press_forces_the_server_off_and_a_short_one_boots_it()
    {
        SimulatedServer server = AddServerWithService(new ServerOptions
        {
            BootDelay = TimeSpan.FromMilliseconds(100),
            ForcedOffHold = TimeSpan.FromMilliseconds(300),
        });
        int pid = server.Process("app")!.Pid;

        double before = Rack.Timeline.NowMs;
        Board.Drive(server.Wiring.PowerPin, asserted: true);
        TimelineEvent? pressed = Rack.Timeline.WaitFor(e => e.What == "power button pressed (server on)", Timeout, before);
        Assert.NotNull(pressed);
        Assert.True(server.IsPoweredOn, "a press shorter than the forced-off hold must not power off");
        Assert.True(RackProbe.WaitFor(() => !server.IsPoweredOn, Timeout));
        Board.Drive(server.Wiring.PowerPin, asserted: false);
        TimelineEvent? forcedOff = Rack.Timeline.First(e => e.What == "forced off by power button hold", before);
        Assert.NotNull(forcedOff);
        Assert.True(forcedOff.AtMs - pressed.AtMs >= 299, $"forced off {forcedOff.AtMs - pressed.AtMs:0.0} ms after the press, before the 300 ms hold");

        Assert.Null(RackProbe.ProcessState(pid));
        Assert.True(RackProbe.WaitFor(() => !Board.InputPresent(server.Wiring.PowerGoodPins[0]) && !Board.InputPresent(server.Wiring.PowerGoodPins[1]), Timeout));
        Assert.True(RackProbe.WaitFor(() => !Board.InputPresent(server.Wiring.LinkPins[0]), Timeout));

        before = Rack.Timeline.NowMs;
        Board.Drive(server.Wiring.PowerPin, asserted: true);
        Assert.NotNull(Rack.Timeline.WaitFor(e => e.What == "power button pressed: power on", Timeout, before)); // a short press, released once seen
        Board.Drive(server.Wiring.PowerPin, asserted: false);

        Assert.True(server.WaitUntil(s => s.Process("app") is not null, Timeout), "short press did not boot the server");
        Assert.True(Board.InputPresent(server.Wiring.PowerGoodPins[0]));
        Assert.True(RackProbe.WaitFor(() => Board.InputPresent(server.Wiring.LinkPins[0]), Timeout));
    }

    [RootFact]
    public void A_network_fence_isolates_the_running_server()
    {
        SimulatedServer server = AddServerWithService(new ServerOptions { FenceKind = FenceKind.NetworkIsolation });
        int pid = server.Process("app")!.Pid;

        Board.Drive(server.Wiring.FencePin!.Value, asserted: true);

        Assert.True(RackProbe.WaitFor(() => !Board.InputPresent(server.Wiring.LinkPins[0]) && !Board.InputPresent(server.Wiring.LinkPins[1]), Timeout));
        Assert.False(RackProbe.CanReachHost(server, Rack.HostAddress));
        Assert.Equal(pid, server.Process("app")!.Pid); // still running, only cut off

        Board.Drive(server.Wiring.FencePin!.Value, asserted: false);

        Assert.True(RackProbe.WaitFor(() => RackProbe.CanReachHost(server, Rack.HostAddress), Timeout));
    }

    [RootFact]
    public void A_power_fence_cuts_power_and_keeps_it_off()
    {
        SimulatedServer server = AddServerWithService();
        int pid = server.Process("app")!.Pid;

        Board.Drive(server.Wiring.FencePin!.Value, asserted: true);

        Assert.True(RackProbe.WaitFor(() => !server.IsPoweredOn, Timeout));
        Assert.Null(RackProbe.ProcessState(pid));
        double before = Rack.Timeline.NowMs;
        Board.Drive(server.Wiring.PowerPin, asserted: true); // no mains: the button does nothing
        Assert.NotNull(Rack.Timeline.WaitFor(e => e.What == "power button pressed: no mains, nothing happens", Timeout, before));
        Board.Drive(server.Wiring.PowerPin, asserted: false);
        Assert.False(server.IsPoweredOn);
        Board.Drive(server.Wiring.FencePin!.Value, asserted: false);
    }

    [RootFact]
    public void A_relay_held_by_a_board_that_dies_is_released()
    {
        SimulatedServer server = AddServerWithService();
        int pid = server.Process("app")!.Pid;
        using var holder = ChildProcessMain.Start("wire-hold", Rack.WireFilePath, server.Wiring.ResetPin.ToString());
        Assert.Equal("holding", holder.StandardOutput.ReadLine());
        Assert.True(RackProbe.WaitFor(() => RackProbe.ProcessState(pid) == 'T', Timeout));

        holder.Kill();
        holder.WaitForExit();

        // Fail-safe outputs: the dead board's reset relay drops out, and the server reboots as from any reset.
        Assert.True(server.WaitUntil(s => s.Process("app") is { } p && p.Pid != pid, Timeout));
        Assert.NotNull(Rack.Timeline.First(e => e.What.Contains("its writer", StringComparison.Ordinal)));
    }

    [RootFact]
    public void Operator_faults_freeze_kill_and_cut_power()
    {
        SimulatedServer server = AddServerWithService();
        ServerProcess app = server.Process("app")!;
        int pid = app.Pid;

        server.Freeze();
        Assert.True(RackProbe.WaitFor(() => RackProbe.ProcessState(pid) == 'T', Timeout), "not frozen: " + RackProbe.Describe(app));
        Assert.True(Board.InputPresent(server.Wiring.LinkPins[0]), "a hung server keeps its link");
        server.Thaw();
        Assert.True(RackProbe.WaitFor(() => RackProbe.ProcessState(pid) is 'S' or 'R', Timeout));

        server.KillProcess("app");
        Assert.True(server.WaitUntil(s => s.Process("app") is null, Timeout));
        Assert.NotNull(Rack.Timeline.WaitFor(e => e.What == "service exited: app", Timeout));
        Assert.True(server.IsPoweredOn);

        server.PowerSupplyLoss(1);
        Assert.True(Board.InputPresent(server.Wiring.PowerGoodPins[0]));
        Assert.False(Board.InputPresent(server.Wiring.PowerGoodPins[1]));

        server.PowerLoss();
        Assert.False(Board.InputPresent(server.Wiring.PowerGoodPins[0]));
        Assert.False(server.IsPoweredOn);

        server.PowerSupplyRestore(1);
        server.PowerRestore();
        Assert.True(server.WaitUntil(s => s.Process("app") is not null, Timeout));
        Assert.True(Board.InputPresent(server.Wiring.PowerGoodPins[1]));
    }

    [RootFact]
    public void A_power_loss_drops_power_good_before_the_links()
    {
        // A PSU drops PWR_OK before its rails fail and the NIC loses link with its rail; a board
        // that saw the links go first would take the slower network-failure path.
        SimulatedServer server = AddServerWithService();
        Assert.True(server.WaitUntil(s => s.Process("app") is not null, Timeout));
        server.PowerLoss();
        Assert.True(RackProbe.WaitFor(() => server.Wiring.LinkPins.All(p => !Board.InputPresent(p)), Timeout), "the link wires never fell");
        long powerGoodFell = server.Wiring.PowerGoodPins.Max(p => Rack.Wires.Sample(p).LastChangeTimestamp);
        long firstLinkFell = server.Wiring.LinkPins.Min(p => Rack.Wires.Sample(p).LastChangeTimestamp);
        Output.WriteLine($"power-good fell {(firstLinkFell - powerGoodFell) * 1000.0 / System.Diagnostics.Stopwatch.Frequency:F1} ms before the first link");
        Assert.True(powerGoodFell <= firstLinkFell, "a link wire fell before power-good");
    }

    [RootFact]
    public void A_partition_blocks_one_peer_and_leaves_every_wire_up()
    {
        SimulatedServer a = AddServerWithService();
        SimulatedServer b = Rack.AddServer("node-b", "s2");

        a.BlockTraffic(Rack.HostAddress);

        Assert.False(RackProbe.CanReachHost(a, Rack.HostAddress));
        Assert.True(RackProbe.CanReachHost(b, Rack.HostAddress));
        Assert.True(Board.InputPresent(a.Wiring.LinkPins[0]));
        a.UnblockTraffic(Rack.HostAddress);
        Assert.True(RackProbe.CanReachHost(a, Rack.HostAddress));
    }

    [RootFact]
    public void Heartbeat_start_and_stop_land_on_the_timeline()
    {
        SimulatedServer server = AddServerWithService(new ServerOptions { HeartbeatSilence = TimeSpan.FromMilliseconds(100) });
        double beforeFirst = Rack.Timeline.NowMs;
        double beforeLast = 0, afterLast = 0;
        for (int i = 0; i < 10; i++)
        {
            // The edges' own times are what the timeline shows: a stall here longer than the
            // silence may add a stop and a start in between, and a stall of the watcher may
            // stamp the start at a later edge; the last stop is stamped at the last edge.
            beforeLast = Rack.Timeline.NowMs;
            Rack.Wires.Toggle(server.Wiring.HeartbeatPin, Watchdog.VirtualWires.WireWriter.Agent);
            afterLast = Rack.Timeline.NowMs;
            Thread.Sleep(10);
        }

        TimelineEvent? started = Rack.Timeline.First(e => e.What == "heartbeat started", beforeFirst);
        TimelineEvent? stopped = Rack.Timeline.WaitFor(e => e.What == "heartbeat stopped", Timeout, beforeLast);

        Assert.NotNull(started);
        Assert.NotNull(stopped);
        Assert.InRange(started.AtMs, beforeFirst, afterLast); // at an edge, the first unless the watcher stalled
        Assert.InRange(stopped.AtMs, beforeLast, afterLast); // at the last edge, after the silence
    }

    [RootFact]
    public async Task A_broker_runs_inside_a_namespace_and_on_the_host_side_of_the_rack()
    {
        NodeNetwork brokerHost = Rack.AddNetworkNode("mqtt", 5);
        using var inside = Watchdog.Sim.Broker.MosquittoProcess.Start(bindAddress: brokerHost.Address, networkNamespace: brokerHost.Namespace);
        using var hostSide = Rack.StartBroker();

        // The host side reaches a namespace through the Rack's uplink and bridge.
        Assert.Equal("in-ns", await MqttProbe.RoundTripAsync(inside.Host, inside.Port, "in-ns"));
        Assert.Equal(Rack.HostAddress, hostSide.Host);
        Assert.Equal("host", await MqttProbe.RoundTripAsync(hostSide.Host, hostSide.Port, "host"));

        Rack.KillBroker(hostSide);
        Assert.False(hostSide.IsRunning);
        Assert.NotNull(Rack.Timeline.First(e => e.Kind == TimelineKind.Fault && e.What == "broker kill (SIGKILL)"));
    }

    [RootFact]
    public void An_agent_in_the_namespace_feeds_the_heartbeat_until_reset_freezes_it()
    {
        SimulatedServer server = Rack.AddServer("node-a", "s1", new ServerOptions
        {
            BootDelay = TimeSpan.FromMilliseconds(50),
            HeartbeatSilence = TimeSpan.FromMilliseconds(100), // shorter than the 170 ms held in reset below
        });
        int hb = server.Wiring.HeartbeatPin;
        server.AddService(ChildProcessMain.Service("agent", "wire-heartbeat", Rack.WireFilePath, hb.ToString(), "5"));
        Assert.True(RackProbe.WaitFor(() => Rack.Wires.ReadEdgeCount(hb) >= 10, TimeSpan.FromSeconds(15)), "no heartbeat from the agent inside the namespace");

        int agent = server.Process("agent")!.Pid;
        Board.Drive(server.Wiring.ResetPin, asserted: true);
        Assert.True(server.WaitUntil(s => s.IsResetHeld, Timeout));
        // The agent stopped, and no edge comes while the relay loop checks the freeze twice more.
        Assert.True(RackProbe.WaitFor(() => RackProbe.ProcessState(agent) == 'T', Timeout), "agent not stopped while reset is held");
        uint frozenAt = Rack.Wires.ReadEdgeCount(hb);
        long checks = server.FreezeChecks;
        Assert.True(server.WaitUntil(s => s.FreezeChecks >= checks + 2, Timeout), "the relay loop made no freeze checks");
        Assert.Equal(frozenAt, Rack.Wires.ReadEdgeCount(hb)); // a server held in reset sends no heartbeat

        Board.Drive(server.Wiring.ResetPin, asserted: false);
        Assert.True(RackProbe.WaitFor(() => Rack.Wires.ReadEdgeCount(hb) >= frozenAt + 10, TimeSpan.FromSeconds(15)), "heartbeat did not resume after the reboot");
        Assert.NotNull(Rack.Timeline.WaitFor(e => e.What == "heartbeat stopped", Timeout));
    }

    [RootFact]
    public void Dispose_removes_namespaces_and_processes()
    {
        SimulatedServer server = AddServerWithService();
        int pid = server.Process("app")!.Pid;
        string prefix = Rack.Prefix;

        Rack.Dispose();

        Assert.DoesNotContain(prefix, HostCommand.Ip("netns", "list"), StringComparison.Ordinal);
        Assert.True(RackProbe.WaitFor(() => RackProbe.ProcessState(pid) is null, Timeout));
    }
}
