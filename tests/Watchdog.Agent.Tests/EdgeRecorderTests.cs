namespace Watchdog.Agent.Tests;

/// <summary>
/// The heartbeat's flight recorder: edges read back in order, the oldest overwritten once the
/// ring is full, the file a previous run left kept as .previous, a file of something else refused
/// by name, nothing allocated per edge, and the pump recording every edge it writes with a
/// stall in its lateness.
/// </summary>
public sealed class EdgeRecorderTests
{
    [Fact]
    public void Edges_read_back_in_the_order_they_were_written()
    {
        using var dir = new TempDirectory();
        string path = dir.File("n1.edges");
        using (var recorder = EdgeRecorder.Create(path))
        {
            recorder.Add(1_000, 0, 0, 0);
            recorder.Add(1_010, 3, 2, 1);
            recorder.Add(1_057, 37, 35, 0);
        }

        Assert.Equal([new RecordedEdge(1_000, 0, 0, 0), new RecordedEdge(1_010, 3, 2, 1), new RecordedEdge(1_057, 37, 35, 0)], EdgeRecorder.Read(path));
        Assert.Equal(2, EdgeRecorder.Read(path)[^1].WorkMs);
        Assert.Equal(EdgeRecorder.FileBytes, new FileInfo(path).Length);
    }

    [Fact]
    public void A_full_ring_keeps_the_latest_edges_oldest_first()
    {
        using var dir = new TempDirectory();
        string path = dir.File("n1.edges");
        using (var recorder = EdgeRecorder.Create(path))
        {
            for (int i = 0; i < EdgeRecorder.Capacity + 5; i++)
            {
                recorder.Add(i, i % 7, 0, 0);
            }
        }

        var edges = EdgeRecorder.Read(path);
        Assert.Equal(EdgeRecorder.Capacity, edges.Count);
        Assert.Equal(Enumerable.Range(5, EdgeRecorder.Capacity).Select(i => (long)i), edges.Select(e => e.WallMs));
    }

    [Fact]
    public void A_new_recorder_keeps_the_file_before_it_as_previous()
    {
        using var dir = new TempDirectory();
        string path = dir.File("n1.edges");
        using (var first = EdgeRecorder.Create(path))
        {
            first.Add(500, 41, 40, 0);
        }

        using (var second = EdgeRecorder.Create(path))
        {
            second.Add(9_000, 0, 0, 0);
        }

        Assert.Equal([new RecordedEdge(500, 41, 40, 0)], EdgeRecorder.Read(path + ".previous"));
        Assert.Equal([new RecordedEdge(9_000, 0, 0, 0)], EdgeRecorder.Read(path));
    }

    [Fact]
    public void A_file_that_is_not_a_recorder_is_refused_by_name()
    {
        using var dir = new TempDirectory();
        string path = dir.Write("wires", "not a recorder");
        var ex = Assert.Throws<InvalidDataException>(() => EdgeRecorder.Read(path));
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
        Assert.Contains("not a heartbeat edge record", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Recording_an_edge_allocates_nothing()
    {
        using var dir = new TempDirectory();
        using var recorder = EdgeRecorder.Create(dir.File("n1.edges"));
        recorder.Add(0, 0, 0, 0); // first use: whatever the runtime sets up once
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10_000; i++)
        {
            recorder.Add(i, i, i, i);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void The_pump_records_every_edge_it_writes_and_a_stall_in_the_edges_lateness()
    {
        const int periodMs = 10, stallMs = 40;
        using var dir = new TempDirectory();
        string path = dir.File("n1.edges");
        var o = new AgentOptions { Heartbeat = new HeartbeatOptions { Driver = "virtual", WireFile = dir.File("wires"), Pin = 4 } };
        int stall = 0;
        using var recorder = EdgeRecorder.Create(path);
        using var pump = new HeartbeatPump(HeartbeatHardwareFactory.Create(o), () => Interlocked.Exchange(ref stall, 0) == 0 || Stall(stallMs), new AgentStatus(), new RecordingEvents(), periodMs, retryMinMs: 100, retryMaxMs: 100)
        {
            Recorder = recorder,
        };
        pump.Start();
        PumpEdges.WaitFor(pump, 5);
        Volatile.Write(ref stall, 1);
        PumpEdges.WaitFor(pump, pump.Edges + 5);
        pump.Stop();

        var edges = EdgeRecorder.Read(path);
        Assert.Equal(pump.Edges, edges.Count);
        Assert.True(edges.Zip(edges.Skip(1)).All(p => p.Second.WallMs >= p.First.WallMs), "the edges are not in the order they were written");
        var stalled = edges.FirstOrDefault(e => e.WorkMs >= stallMs);
        Assert.True(stalled != default, "no edge holds the stall in its work: " + string.Join(", ", edges.Select(e => $"{e.LateMs}/{e.WokeLateMs}")));
        int at = edges.ToList().IndexOf(stalled);
        Assert.True(at > 0, "the stalled edge was the first recorded");
        long gap = stalled.WallMs - edges[at - 1].WallMs;
        Assert.True(gap >= stallMs, $"the stalled edge came {gap} ms after the one before it, not {stallMs} or more");
    }

    private static bool Stall(int ms)
    {
        Thread.Sleep(ms);
        return true;
    }
}
