using System.Diagnostics.Tracing;
using Watchdog.Platform.Runtime;

namespace Watchdog.Agent.Tests;

/// <summary>
/// The heartbeat thread runs the young collections itself, after an edge, so that none runs on
/// a normal-priority thread that allocated past the budget while the line waits for it.
/// </summary>
[Collection("timing")]
public sealed class HeartbeatCollectorTests
{
    [Fact]
    public void A_collection_is_due_only_once_the_budget_is_allocated()
    {
        var never = new RealTimeCollector(long.MaxValue);
        GC.KeepAlive(Allocate(1 << 20));
        Assert.False(never.CollectIfDue());

        var collector = new RealTimeCollector(64 * 1024);
        int young = GC.CollectionCount(0);
        GC.KeepAlive(Allocate(1 << 20));
        Assert.True(collector.CollectIfDue(), "1 MiB allocated against a 64 KiB budget");
        Assert.Equal(1, collector.Collections);
        Assert.True(GC.CollectionCount(0) > young, "the young generation was collected");
    }

    [Fact]
    public void While_the_pump_runs_no_collection_waits_for_a_thread_that_allocated_past_the_budget()
    {
        // First without the collector: the same load makes the runtime collect on the allocating
        // thread (reason AllocSmall), which shows the listener sees what the second half counts.
        (int ByAllocation, int Induced, long PumpCollections) without = RunPumpBesideAllocation(long.MaxValue);
        Assert.True(without.ByAllocation >= 2, $"with no collector the load gave {without.ByAllocation} collections by allocation");
        Assert.Equal(0, without.PumpCollections);

        (int ByAllocation, int Induced, long PumpCollections) with = RunPumpBesideAllocation(RealTimeCollector.DefaultBudgetBytes);
        Assert.True(with.PumpCollections >= 5, $"the pump ran {with.PumpCollections} collections under the load");
        Assert.True(with.Induced >= with.PumpCollections, $"{with.Induced} induced collections seen, the pump ran {with.PumpCollections}");
        Assert.Equal(0, with.ByAllocation);
    }

    private const int GcStartReasonAllocSmall = 0;
    private const int GcStartReasonInduced = 1;

    // A 20 ms pump beside a thread allocating about 20 MB/s in small arrays for two seconds:
    // about 200 KB per half period, under the runtime's own young budget, over the collector's.
    private static (int ByAllocation, int Induced, long PumpCollections) RunPumpBesideAllocation(long budgetBytes)
    {
        using var dir = new TempDirectory();
        var o = new AgentOptions { Heartbeat = new HeartbeatOptions { Driver = "virtual", WireFile = dir.File("wires"), Pin = 4 } };
        using var listener = new GcStartListener();
        int collectionsBefore = GC.CollectionCount(0);
        long pumpCollections;
        using (var pump = new HeartbeatPump(HeartbeatHardwareFactory.Create(o), () => true, new AgentStatus(), new RecordingEvents(), periodMs: 20, retryMinMs: 100, retryMaxMs: 100, collectAfterBytes: budgetBytes))
        {
            pump.Start();
            var until = DateTime.UtcNow.AddSeconds(2);
            while (DateTime.UtcNow < until)
            {
                GC.KeepAlive(Allocate(20 * 1024));
                Thread.Sleep(1);
            }

            pump.Stop();
            pumpCollections = pump.Collections;
        }

        // The runtime's events reach the listener on a thread of their own, a little later.
        int collections = GC.CollectionCount(0) - collectionsBefore;
        listener.WaitFor(collections);
        return (listener.Count(GcStartReasonAllocSmall), listener.Count(GcStartReasonInduced), pumpCollections);
    }

    private static object[] Allocate(int bytes)
    {
        var arrays = new object[bytes / 1024];
        for (int i = 0; i < arrays.Length; i++)
        {
            arrays[i] = new byte[1000];
        }

        return arrays;
    }

    /// <summary>The runtime's GCStart events, counted by their reason.</summary>
    private sealed class GcStartListener : EventListener
    {
        private readonly object _gate = new();
        private readonly List<int> _reasons = [];

        public int Count(int reason)
        {
            lock (_gate)
            {
                return _reasons.Count(r => r == reason);
            }
        }

        public void WaitFor(int collections)
        {
            var deadline = DateTime.UtcNow.AddSeconds(30);
            lock (_gate)
            {
                while (_reasons.Count < collections)
                {
                    Assert.True(DateTime.UtcNow < deadline, $"the listener saw {_reasons.Count} of {collections} collections in 30 s");
                    Monitor.Wait(_gate, 100);
                }
            }
        }

        protected override void OnEventSourceCreated(EventSource source)
        {
            if (source.Name == "Microsoft-Windows-DotNETRuntime")
            {
                const EventKeywords gc = (EventKeywords)0x1;
                EnableEvents(source, EventLevel.Informational, gc);
            }
        }

        protected override void OnEventWritten(EventWrittenEventArgs e)
        {
            if (e.EventName is null || !e.EventName.StartsWith("GCStart", StringComparison.Ordinal) || e.PayloadNames is null)
            {
                return;
            }

            int reason = Convert.ToInt32(e.Payload![e.PayloadNames.IndexOf("Reason")], System.Globalization.CultureInfo.InvariantCulture);
            lock (_gate)
            {
                _reasons.Add(reason);
                Monitor.PulseAll(_gate);
            }
        }
    }
}
