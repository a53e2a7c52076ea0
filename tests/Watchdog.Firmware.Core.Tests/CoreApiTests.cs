using System.Text;
using Watchdog.Firmware.Core.Config;
using Watchdog.Firmware.Core.Tests.Harness;
using Watchdog.Protocol.Messages;
using Watchdog.Protocol.Signing;
using Watchdog.Protocol.Topics;
using Watchdog.Protocol.Wire;

namespace Watchdog.Firmware.Core.Tests;

/// <summary>The public surface the glue codes against: config reading, construction, the output's contract.</summary>
public sealed class CoreApiTests
{
    private static WatchdogCore NewCore(BoardConfig config, long persisted = 0) =>
        new(config, persisted, new ProtocolCommandVerifier(new KeyRing(), new PortableHmacSha256(), 8, 1000));

    [Fact]
    public void Absent_fields_take_the_documented_defaults()
    {
        var json = """{ "board": "b1", "cluster": "c1", "channels": [ { "name": "ch1", "node": "n1" } ] }""";
        Assert.True(BoardConfigReader.TryRead(Encoding.UTF8.GetBytes(json), out var config, out var error), error);
        var t = config!.Timing;
        Assert.Equal(Defaults.TickMs, t.TickMs);
        Assert.Equal(Defaults.HeartbeatTimeoutMs, t.HeartbeatTimeoutMs);
        Assert.Equal(Defaults.PowerHoldMs, t.PowerHoldMs);
        Assert.Equal(Defaults.CapAttempts, config.Escalation.CapAttempts);
        Assert.Equal(new[] { LadderStep.Notify, LadderStep.Reset, LadderStep.PowerCycle, LadderStep.Hold }, config.Escalation.SoftwareFailure);
        Assert.Equal(1, config.Channels[0].PowerGoodInputs);
        Assert.False(config.Channels[0].HasFence);
        Assert.Empty(config.Groups);
    }

    [Fact]
    public void Every_field_is_read()
    {
        var json = """
        { "board": "b1", "cluster": "c1",
          "timing": { "tick_ms": 20, "heartbeat_period_ms": 100, "heartbeat_suspect_ms": 250, "heartbeat_timeout_ms": 400, "debounce_ms": 60,
                      "board_boot_grace_ms": 5000, "node_boot_grace_ms": 60000, "recovery_stable_ms": 4000, "reset_pulse_ms": 100,
                      "power_hold_ms": 5000, "power_press_ms": 200, "power_off_confirm_ms": 2000, "power_off_wait_ms": 3000,
                      "fence_confirm_ms": 40, "restart_service_timeout_ms": 20000, "demote_ack_timeout_ms": 1500, "reading_period_ms": 5000 },
          "escalation": { "software_failure": ["notify", "reset", "fence"], "power_failure": ["notify", "power-cycle", "hold"],
                          "redundancy_lost": ["notify"], "network_failure": ["notify", "hold"], "broker_path_lost": ["notify"],
                          "service_failure": ["notify", "restart-service", "hold"],
                          "backoff_ms": 2000, "backoff_max_ms": 20000, "cap_attempts": 2, "cap_window_ms": 1800000 },
          "channels": [ { "name": "ch1", "node": "n1", "power_good_inputs": 2, "link_inputs": 2, "has_fence": true, "has_role": true },
                        { "name": "ch2", "node": "n2", "has_fence": true } ],
          "groups": [ { "name": "g1", "mode": "active-active", "members": ["n2", "n1"], "failback": "manual",
                        "failback_stable_ms": 30000, "allow_fence_last_healthy": true } ] }
        """;
        Assert.True(BoardConfigReader.TryRead(Encoding.UTF8.GetBytes(json), out var c, out var error), error);
        Assert.Equal(20, c!.Timing.TickMs);
        Assert.Equal(400, c.Timing.HeartbeatTimeoutMs);
        Assert.Equal(1500, c.Timing.DemoteAckTimeoutMs);
        Assert.Equal(5000, c.Timing.ReadingPeriodMs);
        Assert.Equal(new[] { LadderStep.Notify, LadderStep.Reset, LadderStep.Fence }, c.Escalation.SoftwareFailure);
        Assert.Equal(new[] { LadderStep.Notify, LadderStep.RestartService, LadderStep.Hold }, c.Escalation.ServiceFailure);
        Assert.Equal(2, c.Escalation.CapAttempts);
        Assert.Equal(2, c.Channels[0].PowerGoodInputs);
        Assert.True(c.Channels[1].HasFence);
        Assert.Equal(GroupMode.ActiveActive, c.Groups[0].Mode);
        Assert.Equal(new[] { "n2", "n1" }, c.Groups[0].Members);
        Assert.Equal(FailbackPolicy.Manual, c.Groups[0].Failback);
        Assert.True(c.Groups[0].AllowFenceLastHealthy);
    }

    [Theory]
    [InlineData("""{ "cluster": "c1", "channels": [ { "name": "ch1", "node": "n1" } ] }""", "board is missing")]
    [InlineData("""{ "board": "b1", "cluster": "c1", "channels": [ { "name": "ch1", "node": "n1", "has_fence": "yes" } ] }""", "channels[0].has_fence must be true or false")]
    [InlineData("""{ "board": "b1", "cluster": "c1", "channels": [ { "name": "ch1", "node": "n1" } ], "escalation": { "software_failure": ["notify", "reboot"] } }""", "escalation.software_failure[1]: 'reboot' is not a ladder step")]
    [InlineData("""{ "board": "b1", "cluster": "c1", "channels": [ { "name": "ch1", "node": "n1" } ], "groups": [ { "name": "g", "members": ["n1"], "failback": "sometimes" } ] }""", "groups[0].failback: 'sometimes'")]
    [InlineData("""{ "board": "b1", "cluster": "c1", "channels": [ { "name": "ch1", "node": "n1" } ], "timing": { "heartbeat_suspect_ms": 2000 } }""", "timing.heartbeat_suspect_ms (2000) must be at least one heartbeat period")]
    [InlineData("""{ "board": "b1", "cluster": "c1", "channels": [] }""", "channels: at least one channel")]
    [InlineData("""{ "board": "b1", "cluster": "c1", "channels": [ { "name": "ch1", "node": "n1" } ], "colour": "red" }""", "colour: unknown field")]
    [InlineData("[1, 2]", "configuration must be a JSON object")]
    public void Bad_configurations_name_the_field_and_the_problem(string json, string expected)
    {
        Assert.False(BoardConfigReader.TryRead(Encoding.UTF8.GetBytes(json), out var config, out var error));
        Assert.Null(config);
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public void The_core_refuses_an_invalid_configuration_with_the_validators_message()
    {
        var config = TestConfigs.Group(GroupMode.ActiveStandby, 2);
        config.Groups[0].Members = new[] { "n1", "n9" };
        var e = Assert.Throws<ArgumentException>(() => NewCore(config));
        Assert.Contains("groups[0].members[1]: 'n9' has no channel", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_same_output_object_is_returned_and_cleared_each_call()
    {
        var core = NewCore(TestConfigs.Group(GroupMode.ActiveStandby, 2));
        var first = core.Tick(1000);
        Assert.True(first.Count > 0);
        Assert.Equal(2, first.RelayCount);
        var second = core.StepPresence("nobody", Presence.Lost, 1001);
        Assert.Same(first, second);
        Assert.Equal(0, second.Count);
        Assert.Equal(0, second.EpochToPersist);
        Assert.Throws<ArgumentOutOfRangeException>(() => second.Entry(0));
    }

    [Fact]
    public void Readings_name_the_channel_and_events_the_board()
    {
        var core = NewCore(TestConfigs.Group(GroupMode.ActiveStandby, 2));
        var output = core.Tick(1000);
        var entries = Enumerable.Range(0, output.Count).Select(output.Entry).ToList();
        var reading = entries.Single(e => e.Topic == TopicKind.BoardChannel && e.Name == "ch1");
        Assert.True(reading.Retained);
        var r = Assert.IsType<ChannelReading>(reading.Message);
        Assert.Equal("n1", r.Node);
        Assert.Equal(ChannelState.Booting, r.State);
        Assert.Contains(entries, e => e.Topic == TopicKind.Event && e.Name == "rack1" && !e.Retained);
        Assert.Contains(entries, e => e.Topic == TopicKind.BoardState && e.Message is BoardStatus { Board: "rack1" });
    }

    [Fact]
    public void The_board_status_says_how_long_the_board_settles_and_says_at_once_when_it_has()
    {
        var config = TestConfigs.Group(GroupMode.ActiveStandby, 2);
        int tickMs = config.Timing.TickMs;
        int graceTicks = config.Timing.BoardBootGraceMs / tickMs; // 60 ticks of 50 ms; readings every 10 s
        var core = NewCore(config);

        var first = StatusIn(core.Tick(1000));
        Assert.NotNull(first);
        Assert.False(first!.Settled);
        Assert.Equal((graceTicks - 1) * tickMs, first.SettleLeftMs);
        for (int t = 2; t < graceTicks; t++)
        {
            Assert.Null(StatusIn(core.Tick(1000 + t))); // nothing changed: no status between periodic readings
            Assert.False(core.Settled);
            Assert.Equal((graceTicks - t) * tickMs, core.SettleLeftMs);
        }

        // The tick the grace ends publishes the status, 7 s before the next periodic reading would.
        var settled = StatusIn(core.Tick(1000 + graceTicks));
        Assert.True(core.Settled);
        Assert.NotNull(settled);
        Assert.True(settled!.Settled);
        Assert.Equal(0, settled.SettleLeftMs);
        Assert.Equal(graceTicks * tickMs, settled.UptimeMs);
        Assert.Null(StatusIn(core.Tick(1001 + graceTicks))); // once, not on every tick after
    }

    [Fact]
    public void A_command_during_the_grace_is_refused_as_settling_with_the_time_left()
    {
        var keys = new KeyRing();
        byte[] key = Encoding.ASCII.GetBytes("a test key of thirty-two bytes..");
        keys.Add("k1", key);
        var config = TestConfigs.Group(GroupMode.ActiveStandby, 2);
        var core = new WatchdogCore(config, 0, new ProtocolCommandVerifier(keys, new PortableHmacSha256(), 8, 1000));
        for (int t = 1; t <= 10; t++)
        {
            core.Tick(1_764_097_200_000 + t);
        }

        var command = new SignedCommand { Id = "c-1", Target = "g", Action = CommandAction.Failback, Epoch = 0, IssuedAt = 1_764_097_200_000, ExpiresAt = 1_764_097_230_000 };
        new CommandSigner(new PortableHmacSha256()).Sign(command, "k1", key);
        var output = core.Step(command, 1_764_097_200_010);
        var ack = Assert.IsType<CommandAck>(Enumerable.Range(0, output.Count).Select(output.Entry).Single(e => e.Topic == TopicKind.CommandAck).Message);
        Assert.Equal(CommandVerdict.NotAllowed, ack.Verdict);
        Assert.StartsWith(CommandRefusals.Settling, ack.Detail, StringComparison.Ordinal);
        Assert.Contains("(2500 ms left)", ack.Detail, StringComparison.Ordinal); // 3000 ms grace, 10 ticks of 50 ms gone
    }

    private static BoardStatus? StatusIn(CoreOutput output)
    {
        var entry = Enumerable.Range(0, output.Count).Select(output.Entry).SingleOrDefault(e => e.Topic == TopicKind.BoardState);
        return entry is null ? null : Assert.IsType<BoardStatus>(entry.Message);
    }

    [Fact]
    public void A_restarted_board_grants_nothing_until_the_members_are_heard_or_the_grace_ends()
    {
        var config = TestConfigs.Group(GroupMode.ActiveStandby, 2);
        var core = NewCore(config, persisted: 12);
        int graceTicks = config.Timing.BoardBootGraceMs / config.Timing.TickMs;
        int period = config.Timing.HeartbeatPeriodMs / config.Timing.TickMs;
        for (int t = 1; t < graceTicks; t++)
        {
            for (int i = 0; i < 2; i++)
            {
                var s = core.Input.Channel(i);
                s.HeartbeatEdges = t % period == 0 ? 1 : 0;
                Array.Fill(s.PowerGood, true);
                Array.Fill(s.Link, true);
            }

            var output = core.Tick(1000 + t);
            Assert.Equal(0, output.EpochToPersist);
            for (int e = 0; e < output.Count; e++)
            {
                Assert.IsNotType<Grant>(output.Entry(e).Message);
            }

            Assert.False(output.Relay(0).Reset || output.Relay(1).Reset || output.Relay(0).Power || output.Relay(1).Power);
        }

        Assert.Equal(GroupPhase.Settling, core.Group(0).Phase);
        Assert.Equal(12, core.Epoch);
    }

    [Fact]
    public void A_command_for_an_unknown_target_is_acknowledged_wrong_target_with_an_event()
    {
        var core = NewCore(TestConfigs.Group(GroupMode.ActiveStandby, 2));
        core.Tick(1000);
        var output = core.Step(new SignedCommand { Id = "x1", Target = "elsewhere", Action = CommandAction.Fence }, 1000);
        var entries = Enumerable.Range(0, output.Count).Select(output.Entry).ToList();
        var ack = Assert.IsType<CommandAck>(entries.Single(e => e.Topic == TopicKind.CommandAck).Message);
        Assert.Equal(CommandVerdict.WrongTarget, ack.Verdict);
        Assert.Contains(entries, e => e.Message is EventMessage { Kind: "command-refused" });
    }

    [Fact]
    public void An_older_node_state_does_not_overwrite_a_newer_one()
    {
        var core = NewCore(TestConfigs.Group(GroupMode.ActiveStandby, 2));
        var s = core.Input.Channel(0);
        s.HeartbeatEdges = 1;
        Array.Fill(s.PowerGood, true);
        Array.Fill(s.Link, true);
        core.Tick(1000);
        core.Step(new NodeState { Node = "n1", Health = Health.Failing, Timestamp = 5000 }, 1000);
        core.Step(new NodeState { Node = "n1", Health = Health.Healthy, Timestamp = 4000 }, 1000);
        Assert.Equal(Verdict.ServiceFailure, core.Channel(0).Verdict);
    }

    [Fact]
    public void A_failing_state_from_before_the_heartbeat_came_back_is_not_a_service_failure()
    {
        // A required check failed: the agent stopped the heartbeat and said "failing". The check
        // recovers: the heartbeat runs again at once, the state saying so is still on its way.
        var core = NewCore(TestConfigs.Group(GroupMode.ActiveStandby, 2));
        long tick = 0;
        void Run(int ticks, bool heartbeat)
        {
            for (int t = 0; t < ticks; t++)
            {
                tick++;
                var s = core.Input.Channel(0);
                s.HeartbeatEdges = heartbeat && tick % 5 == 0 ? 1 : 0;
                Array.Fill(s.PowerGood, true);
                Array.Fill(s.Link, true);
                core.Tick(1000 + tick * 50);
            }
        }

        Run(10, heartbeat: true);
        core.Step(new NodeState { Node = "n1", Health = Health.Failing, Timestamp = 5000 }, 1500);
        Assert.Equal(Verdict.ServiceFailure, core.Channel(0).Verdict);
        // The required check stopped the heartbeat: late (past the suspect time, before the
        // timeout), the failing state it sent still stands; lost, the hang verdict takes over.
        Run(16, heartbeat: false);
        Assert.True(core.Channel(0).HeartbeatAgeTicks >= 12, "the heartbeat is late");
        Assert.Equal(Verdict.ServiceFailure, core.Channel(0).Verdict);
        Run(24, heartbeat: false);
        Assert.Equal(Verdict.SoftwareFailure, core.Channel(0).Verdict);

        Run(10, heartbeat: true);
        Assert.True(core.Channel(0).HeartbeatAgeTicks < 5, "the heartbeat runs again");
        Assert.NotEqual(Verdict.ServiceFailure, core.Channel(0).Verdict);

        // Said again after the heartbeat's return (a check that does not stop the heartbeat): it counts.
        core.Step(new NodeState { Node = "n1", Health = Health.Failing, Timestamp = 9000 }, 4000);
        Assert.Equal(Verdict.ServiceFailure, core.Channel(0).Verdict);
    }

    [Fact]
    public void A_full_outbox_counts_what_it_drops_and_keeps_what_it_has()
    {
        var output = new CoreOutput(1, 2);
        Assert.True(output.Add(TopicKind.Event, "a", "first", false));
        Assert.True(output.Add(TopicKind.Event, "b", "second", false));
        Assert.False(output.Add(TopicKind.Event, "c", "third", false));
        Assert.Equal(2, output.Count);
        Assert.Equal(1, output.Dropped);
        Assert.Equal("second", output.Entry(1).Message);
        output.Clear();
        Assert.Equal(0, output.Dropped);
        Assert.Equal(1, output.DroppedTotal);
    }

    [Fact]
    public void The_ladder_record_restores_what_it_can_names_the_rest_and_is_refused_after_the_first_tick()
    {
        var json = """
            { "board": "b1", "cluster": "c1", "escalation": { "cap_attempts": 3, "cap_window_ms": 600000 },
              "channels": [ { "name": "ch1", "node": "n1" }, { "name": "ch2", "node": "n2" } ] }
            """;
        Assert.True(BoardConfigReader.TryRead(Encoding.UTF8.GetBytes(json), out var config, out var error), error);
        var core = NewCore(config!);
        const long now = 1_767_225_600_000;
        Assert.Equal(
            "ladder record entries not restored (no such channel in this config, or not readable): cycling:ch9, 12x:ch1",
            core.RestoreLadder("cycling:ch2 cycling:ch9 " + (now - 700_000) + "," + (now - 5_000) + "," + (now + 60_000) + ":ch1 12x:ch1", now));

        // ch1: the attempt older than the cap window is dropped; the one from the future counts as now.
        Assert.Equal(2, core.Channel(0).AttemptsInWindow);
        Assert.Equal("", core.RestoreLadder("", now));

        // Nothing new to remember yet: the first output does not ask for a write it does not need.
        core.Input.Channel(1).PowerGood[0] = true;
        Assert.False(core.Tick(now).LadderChanged);
        Assert.Throws<InvalidOperationException>(() => core.RestoreLadder("cycling:ch1", now));
    }

    [Fact]
    public void The_roles_go_out_again_every_reading_period_so_a_forged_retained_value_is_overwritten()
    {
        var rack = new Rack(TestConfigs.Group(GroupMode.ActiveStandby, 2)) { Logging = false };
        rack.Run(80);
        int before = rack.RolesPublished;
        int period = rack.Config.Timing.ReadingPeriodMs / rack.Config.Timing.TickMs;

        rack.Run(period * 3);

        Assert.InRange(rack.RolesPublished - before, 3, 4);
        Assert.Empty(rack.Referee.Violations);
    }
}
