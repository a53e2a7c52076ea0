// Watchdog.Firmware.Core.Bench: time and allocation per tick of the watchdog core.
// Plain loop, Stopwatch and GC.GetAllocatedBytesForCurrentThread; run it in Release:
//   dotnet run -c Release --project bench/Watchdog.Firmware.Core.Bench [ticks]
// For 1, 2, 8, 16 and 32 channels (one channel per server), in two layouts: the first two in an
// active-standby group and the rest lone (the figures kept since the first run), and every
// channel in a group of two (as the virtual rack's groups: 32 channels = 16 groups). Every server
// healthy and toggling its heartbeat, past the boot grace: the steady state a board spends its
// life in. The periodic retained readings the core publishes are included.
using System.Diagnostics;
using System.Globalization;
using Watchdog.Firmware.Core;
using Watchdog.Firmware.Core.Config;
using Watchdog.Protocol.Messages;
using Watchdog.Protocol.Signing;
using Watchdog.Protocol.Wire;

int ticks = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 100_000;
// First line: the date and commit, as docs/results wants them (build/SourceStamp.cs).
Console.WriteLine(Watchdog.SourceStamp.Header(DateTimeOffset.UtcNow));
Console.WriteLine($"watchdog core: {ticks:N0} steady-state ticks per run, {(Debugger.IsAttached ? "debugger attached" : "no debugger")}, " +
    $"{(IsOptimized() ? "optimized (Release)" : "NOT optimized: use -c Release")}");
Console.WriteLine();
// One unmeasured pass first, so tiered JIT has settled before anything is timed.
int[] counts = { 1, 2, 8, 16, 32 };
foreach (bool pairs in new[] { false, true })
{
    foreach (int channels in counts)
    {
        Run(channels, ticks, pairs);
    }
}

Console.WriteLine("channels | groups                 |   ns/tick | ns/channel-tick | bytes allocated | messages published");
Console.WriteLine("---------|------------------------|-----------|-----------------|-----------------|-------------------");
foreach (bool pairs in new[] { false, true })
{
    foreach (int channels in counts)
    {
        if (pairs && channels < 2)
        {
            continue;
        }

        var (nsPerTick, bytes, published) = Run(channels, ticks, pairs);
        string layout = channels < 2 ? "none" : pairs ? $"{channels / 2} of two" : "1 of two, rest lone";
        Console.WriteLine($"{channels,8} | {layout,-22} | {nsPerTick,9:F0} | {nsPerTick / channels,15:F0} | {bytes,15:N0} | {published,18:N0}");
    }
}

return 0;

static (double NsPerTick, long Bytes, long Published) Run(int channels, int ticks, bool pairs)
{
    var config = Config(channels, pairs);
    var core = new WatchdogCore(config, 0, new ProtocolCommandVerifier(new KeyRing(), new PortableHmacSha256(), 8, 1000));
    int period = config.Timing.HeartbeatPeriodMs / config.Timing.TickMs;
    long wall = 1_767_225_600_000;
    long published = 0;

    // Warm up: boot grace, settling, first grants; the agents report healthy; the JIT settles.
    for (long t = 0; t < 2_000; t++)
    {
        Feed(core, t, period);
        core.Tick(wall + t);
        if (t == 5)
        {
            for (int i = 0; i < channels; i++)
            {
                core.Step(new NodeState { Node = "n" + (i + 1), Health = Health.Healthy, Timestamp = wall }, wall);
            }
        }
    }

    var watch = new Stopwatch();
    long before = GC.GetAllocatedBytesForCurrentThread();
    watch.Start();
    for (long t = 2_000; t < 2_000 + ticks; t++)
    {
        Feed(core, t, period);
        published += core.Tick(wall + t).Count;
    }

    watch.Stop();
    long bytes = GC.GetAllocatedBytesForCurrentThread() - before;
    for (int i = 0; i < core.ChannelCount; i++)
    {
        if (core.Channel(i).State != ChannelState.Healthy)
        {
            throw new InvalidOperationException($"channel {i} is {WireWords.Of(core.Channel(i).State)}, not healthy: the run measured something else");
        }
    }

    return (watch.Elapsed.TotalMilliseconds * 1_000_000 / ticks, bytes, published);
}

static void Feed(WatchdogCore core, long tick, int period)
{
    for (int i = 0; i < core.Input.Count; i++)
    {
        var sample = core.Input.Channel(i);
        sample.HeartbeatEdges = tick % period == i % period ? 1 : 0;
        for (int p = 0; p < sample.PowerGood.Length; p++) { sample.PowerGood[p] = true; }
        for (int l = 0; l < sample.Link.Length; l++) { sample.Link[l] = true; }
    }
}

static BoardConfig Config(int channels, bool pairs)
{
    var config = new BoardConfig { Board = "bench", Cluster = "lab" };
    config.Channels = Enumerable.Range(1, channels)
        .Select(i => new ChannelConfig { Name = "ch" + i, Node = "n" + i, PowerGoodInputs = 2, LinkInputs = 2, HasRole = true })
        .ToArray();
    config.Groups = channels < 2 ? Array.Empty<GroupConfig>()
        : pairs ? Enumerable.Range(0, channels / 2).Select(g => new GroupConfig { Name = "g" + (g + 1), Members = new[] { "n" + ((2 * g) + 1), "n" + ((2 * g) + 2) } }).ToArray()
        : new[] { new GroupConfig { Name = "g", Members = new[] { "n1", "n2" } } };
    config.Timing.BoardBootGraceMs = config.Timing.HeartbeatTimeoutMs;
    string error = BoardConfigValidator.Validate(config);
    return error.Length == 0 ? config : throw new InvalidOperationException(error);
}

static bool IsOptimized() =>
    typeof(WatchdogCore).Assembly.GetCustomAttributes(typeof(DebuggableAttribute), false) is not [DebuggableAttribute { IsJITOptimizerDisabled: true }];
