using System.Diagnostics;
using Watchdog.Board.Persistence;
using Watchdog.VirtualWires;
using static Watchdog.Board.Tests.Integration.BoardRig;

namespace Watchdog.Board.Tests.Integration;

/// <summary>
/// The board process is killed between the forced off of a power cycle and the press that powers
/// the server on again. The cycle was persisted as under way (the ladder record next to the epoch), so
/// the restarted board finishes it once its grace is over instead of leaving the server off.
/// </summary>
public sealed class BoardRestartMidPowerCycleTests(ITestOutputHelper output)
{
    private const int PowerOffWaitMs = 1500;

    [Fact]
    public async Task Board_killed_after_the_forced_off_presses_the_server_on_after_its_restart()
    {
        using var rig = new BoardRig();
        var (dir, rack, topics) = (rig.Dir, rig.Rack, rig.Topics);
        byte[] key = rig.WriteClusterKey();
        await using MqttProbe probe = await rig.WatchAsync();
        string config = rig.WriteConfig(Config("", heartbeatTimeoutMs: 1500).Replace(
            "\"reset_pulse_ms\": 200",
            $"\"reset_pulse_ms\": 200, \"power_hold_ms\": 4000, \"power_press_ms\": 300, \"power_off_wait_ms\": {PowerOffWaitMs}",
            StringComparison.Ordinal));
        string[] args = rig.BoardArgs(config, "--cluster-key-file", rig.ClusterKeyPath);
        int power = rack.Channel("s1").Power;
        var cycles = new LadderFile(dir.Path);
        rig.FeedBothHeartbeats();

        using (BoardProcess first = BoardProcess.Start(args))
        {
            try
            {
                // Past the board's grace (3 s: commands before it are refused), both servers healthy.
                await rig.WaitUntilSettledAndHealthyAsync(first, probe);

                await probe.PublishAsync(topics.Command("n1"), Text(MessageCodec.Encode(SignedCommand("pc-1", CommandAction.PowerCycle, key))));
                await WaitFor(() => rack.Asserted(power), "the power button held for the forced off");
                Assert.Equal("cycling:s1", cycles.Load(out string warning)); // durable before the relay moved
                Assert.Equal("", warning);

                // The server goes off as an ATX board does under a held button: heartbeat and power-good gone.
                rack.StopHeartbeat("s1");
                SetPowerGood(rack, "s1", false);
                await probe.WaitForAsync(topics.Event("rack-a"), p => p.Contains("power-off-confirmed", StringComparison.Ordinal), Wait);
                Assert.False(rack.Asserted(power));
            }
            finally
            {
                output.WriteLine("--- first board\n" + first.Output);
            }

            first.Kill(); // SIGKILL inside power_off_wait: the press that would power s1 on never came
        }

        uint pressesAtCrash = rack.Wires.ReadEdgeCount(power);
        Assert.Equal("cycling:s1", cycles.Load(out _));

        var restarted = Stopwatch.StartNew();
        using BoardProcess second = BoardProcess.Start(args);
        try
        {
            await second.WaitForLineAsync("ladder record of the previous run", Wait);
            await probe.WaitForAsync(topics.Event("rack-a"), p => p.Contains("power-cycle-resumed", StringComparison.Ordinal), Wait);
            await WaitFor(() => rack.Wires.ReadEdgeCount(power) >= pressesAtCrash + 2, "the press that powers s1 on (asserted and released)");
            long pressedAfterMs = restarted.ElapsedMilliseconds;
            output.WriteLine($"s1 pressed on {pressedAfterMs} ms after the board restarted (grace 3000 ms + power_off_wait {PowerOffWaitMs} ms)");

            // Not before the board's grace was over (no automatic action before the members are heard).
            Assert.True(pressedAfterMs >= 3000 + PowerOffWaitMs, $"pressed {pressedAfterMs} ms after the restart, inside the grace and the off wait");
            await WaitFor(() => cycles.Load(out _) == "", "the power cycle no longer persisted as under way");

            // s1 boots again and the board sees it healthy.
            SetPowerGood(rack, "s1", true);
            rack.StartHeartbeat("s1");
            await probe.WaitForAsync(topics.Event("rack-a"), p => p.Contains("state-healthy", StringComparison.Ordinal) && p.Contains("n1", StringComparison.Ordinal), Wait);
        }
        finally
        {
            output.WriteLine("--- second board\n" + second.Output);
        }
    }

    private static void SetPowerGood(VirtualRack rack, string channel, bool good)
    {
        foreach (int pin in rack.Channel(channel).PowerGood)
        {
            rack.Wires.Write(pin, rack.Map.InputsActiveLow ? !good : good, WireWriter.Server);
        }
    }
}
