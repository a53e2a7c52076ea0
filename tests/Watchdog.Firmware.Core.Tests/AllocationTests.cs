using Watchdog.Firmware.Core.Config;
using Watchdog.Firmware.Core.Tests.Harness;
using Watchdog.Protocol.Messages;
using Watchdog.Protocol.Signing;
using Watchdog.Protocol.Wire;

namespace Watchdog.Firmware.Core.Tests;

/// <summary>
/// DESIGN.md: all memory is allocated when the configuration is loaded; steady-state ticks
/// allocate nothing (the device has ~70-110 KB of heap and a non-generational GC). Steady state
/// includes the periodic retained readings and board status the core publishes.
/// </summary>
public sealed class AllocationTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(8)]
    [InlineData(32)]
    public void Steady_state_ticks_allocate_nothing(int channels)
    {
        var config = TestConfigs.Channels(channels);
        var core = new WatchdogCore(config, 0, new ProtocolCommandVerifier(new KeyRing(), new PortableHmacSha256(), 8, 1000));
        int period = config.Timing.HeartbeatPeriodMs / config.Timing.TickMs;
        long now = Rack.WallBase;
        int published = 0;

        void TickOnce(long tick)
        {
            for (int i = 0; i < core.Input.Count; i++)
            {
                var sample = core.Input.Channel(i);
                sample.HeartbeatEdges = tick % period == i % period ? 1 : 0;
                for (int p = 0; p < sample.PowerGood.Length; p++) { sample.PowerGood[p] = true; }
                for (int l = 0; l < sample.Link.Length; l++) { sample.Link[l] = true; }
            }

            var output = core.Tick(now + (tick * config.Timing.TickMs));
            published += output.Count;
        }

        // Warm up: boot grace, settling, the first grants, the first readings; agents say they are healthy.
        for (long t = 0; t < 400; t++)
        {
            TickOnce(t);
            if (t == 5)
            {
                for (int i = 0; i < channels; i++)
                {
                    core.Step(new NodeState { Node = "n" + (i + 1), Health = Health.Healthy, Timestamp = now }, now);
                }
            }
        }

        for (int i = 0; i < core.ChannelCount; i++)
        {
            Assert.Equal(ChannelState.Healthy, core.Channel(i).State);
        }

        published = 0;
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (long t = 400; t < 20_400; t++)
        {
            TickOnce(t);
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);

        // The loop did publish (periodic readings and board status), so "nothing allocated" is not "nothing done".
        Assert.True(published >= channels * (20_000 / (config.Timing.ReadingPeriodMs / config.Timing.TickMs)), $"only {published} messages published");
    }
}
