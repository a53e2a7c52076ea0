namespace Watchdog.Sim.Tests.Rack;

/// <summary>The fallback without namespaces: plain processes, relays still act, link faults flip wires only.</summary>
public sealed class LoopbackRackTests(ITestOutputHelper output) : VirtualRackTestBase(output, useNamespaces: false)
{
    [Fact]
    public void The_rack_says_it_is_loopback_only_and_why()
    {
        Assert.Equal(IsolationMode.Loopback, Rack.IsolationMode);
        Assert.Contains("LOOPBACK ONLY", Log.ToString(), StringComparison.Ordinal);
        Assert.Contains("namespaces disabled by the caller", Log.ToString(), StringComparison.Ordinal);
        Assert.Null(Rack.RackNamespace);
        Assert.Equal("127.0.0.1", Rack.HostAddress);
    }

    [Fact]
    public void Empty_channels_read_no_power_and_no_link()
    {
        ChannelWiring s8 = Rack.PinMap.Channel("s8");

        Assert.All(s8.PowerGoodPins.Concat(s8.LinkPins), pin => Assert.False(Board.InputPresent(pin)));
    }

    [Fact]
    public void A_loopback_server_gets_its_own_loopback_address_and_environment()
    {
        SimulatedServer server = Rack.AddServer("node-a", "s1");
        SimulatedServer other = Rack.AddServer("node-b", "s2");

        Assert.Null(server.Namespace);
        Assert.StartsWith("127.213.", server.Address, StringComparison.Ordinal);
        Assert.NotEqual(server.Address, other.Address);
        Assert.Equal("s1", server.Environment["WATCHDOG_SIM_CHANNEL"]);
        Assert.Equal(Rack.WireFilePath, server.Environment["WATCHDOG_WIRE_FILE"]);
        Assert.Equal(server.Wiring.HeartbeatPin.ToString(), server.Environment["WATCHDOG_SIM_HEARTBEAT_PIN"]);

        ServerProcess env = server.AddService(new ServiceSpec("env", "sh", "-c", "echo server=$WATCHDOG_SIM_SERVER; sleep 1000"))!;
        Assert.True(RackProbe.WaitFor(() => File.ReadAllText(env.LogPath).Contains("server=node-a", StringComparison.Ordinal), Timeout));
    }

    [Fact]
    public void Reset_freezes_and_reboots_plain_processes_too()
    {
        SimulatedServer server = Rack.AddServer("node-a", "s1", new ServerOptions { BootDelay = TimeSpan.FromMilliseconds(50) });
        // A shell with a child: the whole process group must stop, not just the shell.
        ServerProcess app = server.AddService(new ServiceSpec("app", "sh", "-c", "sleep 1000 & wait"))!;
        int pid = app.Pid;

        Board.Drive(server.Wiring.ResetPin, asserted: true);
        Assert.True(RackProbe.WaitFor(() => RackProbe.ProcessState(pid) == 'T', Timeout), "not frozen: " + RackProbe.Describe(app));
        Assert.True(RackProbe.WaitFor(() => !Board.InputPresent(server.Wiring.LinkPins[0]), Timeout));
        Board.Drive(server.Wiring.ResetPin, asserted: false);

        Assert.True(server.WaitUntil(s => s.Process("app") is { } p && p.Pid != pid, Timeout));
        Assert.True(RackProbe.WaitFor(() => Board.InputPresent(server.Wiring.LinkPins[0]), Timeout));
    }

    [Fact]
    public void Link_faults_flip_the_wire_and_say_no_traffic_was_cut()
    {
        SimulatedServer server = Rack.AddServer("node-a", "s1");

        server.LinkDown(1);

        Assert.False(Board.InputPresent(server.Wiring.LinkPins[1]));
        Assert.True(Board.InputPresent(server.Wiring.LinkPins[0]));
        TimelineEvent fault = Rack.Timeline.First(e => e.Kind == TimelineKind.Fault)!;
        Assert.Equal("link 1 down", fault.What);
        Assert.Contains("no traffic cut", fault.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Power_loss_kills_the_services_and_drops_power_good()
    {
        SimulatedServer server = Rack.AddServer("node-a", "s1", new ServerOptions { BootDelay = TimeSpan.FromMilliseconds(50) });
        int pid = server.AddService(new ServiceSpec("app", "sleep", "1000"))!.Pid;

        server.PowerLoss();

        Assert.True(RackProbe.WaitFor(() => RackProbe.ProcessState(pid) is null, Timeout));
        Assert.False(Board.InputPresent(server.Wiring.PowerGoodPins[0]));
        Assert.False(Board.InputPresent(server.Wiring.LinkPins[0]));
        Assert.False(server.IsUp);

        server.PowerRestore();
        Assert.True(server.WaitUntil(s => s.IsUp && s.Process("app") is not null, Timeout));
    }

    [Fact]
    public void A_service_with_restart_comes_back_after_a_crash_and_one_without_stays_dead()
    {
        SimulatedServer server = Rack.AddServer("node-a", "s1");
        server.AddService(new ServiceSpec("agent", "sleep", "1000") { RestartAfterExit = TimeSpan.FromMilliseconds(50) });
        server.AddService(new ServiceSpec("app", "sleep", "1000"));
        int agent = server.Process("agent")!.Pid;

        server.KillProcess("agent");
        server.KillProcess("app");

        Assert.True(server.WaitUntil(s => s.Process("agent") is { } p && p.Pid != agent, Timeout));
        Assert.NotNull(Rack.Timeline.WaitFor(e => e.What == "service exited: app", Timeout));
        Assert.Null(server.Process("app"));
    }

    [Fact]
    public void Role_output_is_readable_and_on_the_timeline()
    {
        SimulatedServer server = Rack.AddServer("node-a", "s1");

        Board.Drive(server.Wiring.RolePin!.Value, asserted: true);

        Assert.True(server.RoleAsserted);
        Assert.NotNull(Rack.Timeline.WaitFor(e => e.What == "role asserted" && e.Subject == "node-a", Timeout));
        Board.Drive(server.Wiring.RolePin!.Value, asserted: false);
        Assert.False(server.RoleAsserted);
    }

    [Fact]
    public void Bad_server_names_and_taken_channels_are_refused_clearly()
    {
        Rack.AddServer("node-a", "s1");

        Assert.Contains("must be 1-20 characters", Assert.Throws<ArgumentException>(() => Rack.AddServer("Node A", "s2")).Message, StringComparison.Ordinal);
        Assert.Contains("channel s1", Assert.Throws<ArgumentException>(() => Rack.AddServer("node-b", "s1")).Message, StringComparison.Ordinal);
        Assert.Contains("has no channel 's9'", Assert.Throws<ArgumentException>(() => Rack.AddServer("node-c", "s9")).Message, StringComparison.Ordinal);
    }
}
