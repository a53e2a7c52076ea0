using System.Reflection;

namespace Watchdog.Agent.Tests;

/// <summary>
/// Edges the pump writes a period or more late are counted, with the worst one's lateness, how late
/// the thread woke for it and the garbage-collection pause in its wait, so the agent can say its
/// side of a silent line.
/// </summary>
public sealed class HeartbeatLatenessTests
{
    private const int PeriodMs = 10;

    [Fact]
    public void An_edge_held_back_by_a_collection_and_a_stall_is_reported_late_with_the_collections_share()
    {
        using var dir = new TempDirectory();
        var o = new AgentOptions { Heartbeat = new HeartbeatOptions { Driver = "virtual", WireFile = dir.File("wires"), Pin = 4 } };
        int stall = 0;
        using var pump = new HeartbeatPump(HeartbeatHardwareFactory.Create(o), () => Interlocked.Exchange(ref stall, 0) == 0 || StallWithCollection(), new AgentStatus(), new RecordingEvents(), PeriodMs, retryMinMs: 100, retryMaxMs: 100);
        pump.Start();
        PumpEdges.WaitFor(pump, 4);
        pump.TakeLateEdges(); // whatever the start cost

        long before = pump.Edges;
        Volatile.Write(ref stall, 1);
        PumpEdges.WaitFor(pump, before + 4);
        LateEdges late = pump.TakeLateEdges();

        Assert.True(late.Count >= 1, $"no late edge counted after a {StallMs} ms stall: {late}");
        Assert.True(late.WorstLateMs >= StallMs, $"the worst edge was {late.WorstLateMs} ms late after a {StallMs} ms stall");
        Assert.True(late.GcPauseMs >= 1 && late.GcPauseMs <= late.WorstLateMs, $"a forced full collection of two million objects in the wait: {late}");
        Assert.True(late.WorkMs >= StallMs, $"the stall was in the check, after the thread woke, but the report puts it in the wake-up: {late}");
    }

    [Fact]
    public void A_late_edges_three_figures_survive_their_one_word_and_clamp_at_its_range()
    {
        long packed = LatePacking.Pack(lateMs: 46, wokeLateMs: 41, gcMs: 3);
        Assert.Equal((46L, 41L, 3L), (LatePacking.Late(packed), LatePacking.WokeLate(packed), LatePacking.GcPause(packed)));

        long huge = LatePacking.Pack(lateMs: long.MaxValue, wokeLateMs: -5, gcMs: 1L << 40);
        Assert.Equal(((1L << 21) - 1, 0L, (1L << 21) - 1), (LatePacking.Late(huge), LatePacking.WokeLate(huge), LatePacking.GcPause(huge)));
    }

    [Fact]
    public void The_heartbeat_keeps_its_edges_while_another_thread_holds_the_status_lock()
    {
        // What a snapshot for the publisher or a check's result does on a normal-priority thread,
        // which a busy server can put aside while it holds the lock.
        using var dir = new TempDirectory();
        var o = new AgentOptions { Heartbeat = new HeartbeatOptions { Driver = "virtual", WireFile = dir.File("wires"), Pin = 4 } };
        var status = new AgentStatus();
        using var pump = new HeartbeatPump(HeartbeatHardwareFactory.Create(o), () => status.RequiredChecksPass, status, new RecordingEvents(), PeriodMs, retryMinMs: 100, retryMaxMs: 100);
        pump.Start();
        PumpEdges.WaitFor(pump, 4);

        object gate = typeof(AgentStatus).GetField("_gate", BindingFlags.NonPublic | BindingFlags.Instance)!.GetValue(status)!;
        lock (gate)
        {
            PumpEdges.WaitFor(pump, pump.Edges + 10);
        }
    }

    private const int StallMs = 3 * PeriodMs;

    // On the pump thread, as a slow check would be: a full collection with much to mark, then a plain stall.
    private static bool StallWithCollection()
    {
        var live = new object[2_000_000];
        for (int i = 0; i < live.Length; i++)
        {
            live[i] = new object();
        }

        GC.Collect(2, GCCollectionMode.Forced, blocking: true);
        GC.KeepAlive(live);
        Thread.Sleep(StallMs);
        return true;
    }
}
