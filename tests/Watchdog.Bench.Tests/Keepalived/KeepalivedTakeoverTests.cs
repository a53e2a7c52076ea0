using Watchdog.Bench.Keepalived;
using Watchdog.Bench.Probe;

namespace Watchdog.Bench.Tests.Keepalived;

/// <summary>Skips (with the reason) unless running as root with Debian's keepalived installed.</summary>
public sealed class KeepalivedFactAttribute : FactAttribute
{
    public KeepalivedFactAttribute()
    {
        Skip = RootOnly.SkipReason("it creates network namespaces")
            ?? (File.Exists(KeepalivedInstance.Binary) ? null : $"needs {KeepalivedInstance.Binary} (apt-get install keepalived)");
    }
}

/// <summary>One real keepalived takeover in namespaces, bounded to about 10 s.</summary>
public class KeepalivedTakeoverTests
{
    [KeepalivedFact]
    public void Killing_the_master_moves_the_vip_and_the_client_hears_the_backup()
    {
        var options = new KeepalivedRunOptions
        {
            Tuning = KeepalivedTuning.Tuned,
            Fault = KeepalivedFaults.DaemonCrash,
            BaselineMs = 300,
            ObserveMs = 2000,
            FaultHoldMs = 0, // kill -9 has no hold; the default (6000) would not fit the short window
            FaultPhaseJitterMs = 50,
        };

        KeepalivedRun run = KeepalivedScenario.Run(options, runIndex: 0);

        double fault = run.Timeline.Markers.Single(m => m.Kind == Watchdog.Bench.Timeline.MarkerKind.Fault).AtMs;
        Assert.Equal(KeepalivedScenario.NodeA, run.Probe.HolderBeforeFault);
        Assert.Contains(run.Probes, p => p.StartMs > fault && p.Node == KeepalivedScenario.NodeB);
        Assert.Contains(run.Events, e => e.Node == KeepalivedScenario.NodeB && e.Kind == VrrpEventKind.EnteredMaster && e.AtMs > fault);
        // node-b keeps the VIP to the end of the window. Judged over its last 500 ms of samples,
        // not the last one alone: a sample whose `ip` call failed or took over a second (a loaded
        // machine) reads as "holds nothing", and one such sample at the end failed this test.
        double windowEnd = run.Holders.Max(h => h.AtMs);
        var endOfB = run.Holders.Where(h => h.Node == KeepalivedScenario.NodeB && h.AtMs >= windowEnd - 500).ToList();
        Assert.True(endOfB.Count(h => h.Holds) * 2 > endOfB.Count,
            "node-b should hold the VIP at the end of the window: " + string.Join(", ", endOfB.Select(h => $"{h.AtMs:0}:{(h.Holds ? "holds" : "-")}")));
        Assert.NotNull(run.Result.RtoMs);
        Assert.InRange(run.Result.RtoMs!.Value, 1, 2000);
        Assert.NotNull(run.Result.TakeoverMs);
        // keepalived cannot fence: the killed master keeps the address, so the sampler must see two holders.
        Assert.True(run.Result.OverlapMs > 0, "a SIGKILLed keepalived leaves its VIP behind; the sampler should see the overlap");
        Assert.Null(run.Result.FenceMs);
    }
}
