using System.Net;
using System.Net.Sockets;
using System.Text;
using Watchdog.Bench.Probe;
using Watchdog.Bench.Timing;

namespace Watchdog.Bench.Tests.Probe;

/// <summary>The probe against a line server on loopback (no namespaces needed).</summary>
public sealed class VipProbeTests : IDisposable
{
    private readonly TcpListener listener = new(IPAddress.Loopback, 0);
    private readonly List<Socket> held = [];
    private readonly Thread server;
    private volatile bool stopping;
    private volatile string? answer = "node-x";

    public VipProbeTests()
    {
        listener.Start();
        // A dedicated thread, not the thread pool: test bodies block (Thread.Sleep) and a
        // starved pool would make the server, not the probe, look slow.
        server = new Thread(Serve) { IsBackground = true };
        server.Start();
    }

    private int Port => ((IPEndPoint)listener.LocalEndpoint).Port;

    private void Serve()
    {
        while (!stopping)
        {
            if (!listener.Server.Poll(10_000, SelectMode.SelectRead))
            {
                continue;
            }

            Socket client = listener.AcceptSocket();
            string? line = answer;
            if (line is null)
            {
                held.Add(client); // accepted but never answered, like a frozen service
                continue;
            }

            client.Send(Encoding.ASCII.GetBytes(line + "\n"));
            client.Dispose();
        }
    }

    [Fact]
    public void Polls_every_interval_and_records_who_answered()
    {
        var clock = new BenchClock();
        using var probe = new VipProbe(new VipProbeOptions { Target = new IPEndPoint(IPAddress.Loopback, Port), IntervalMs = 20 }, clock);

        var ran = System.Diagnostics.Stopwatch.StartNew();
        probe.Start();
        Thread.Sleep(500);
        IReadOnlyList<ProbeSample> samples = probe.Stop();
        ran.Stop();

        // 500 ms at 20 ms is 25 probes; allow for a loaded machine (fewer, or a late wake-up that
        // ran longer) but never more starts than the schedule had room for in the time it ran.
        int scheduled = (int)(ran.ElapsedMilliseconds / 20) + 2;
        Assert.InRange(samples.Count, 10, scheduled);
        Assert.All(samples, s => Assert.Equal("node-x", s.Node));
        Assert.All(samples, s => Assert.True(s.EndMs >= s.StartMs));
        double[] gaps = samples.Zip(samples.Skip(1), (x, y) => y.StartMs - x.StartMs).ToArray();
        Assert.True(gaps.Average() >= 18, $"probes started every {gaps.Average():0.0} ms on average: faster than the 20 ms schedule");
        // Starts follow a fixed schedule, so one late start (the machine paused the thread) makes
        // the next gap as short as the lateness leaves it, but only that one: a loop that bursts
        // to catch up starts several probes back to back, two short gaps in a row.
        for (int i = 1; i < gaps.Length; i++)
        {
            Assert.False(gaps[i - 1] < 5 && gaps[i] < 5, $"three probes started within {gaps[i - 1] + gaps[i]:0.0} ms: the schedule burst to catch up");
        }
    }

    [Fact]
    public void A_service_that_accepts_but_never_answers_is_a_timeout_and_does_not_stall_later_probes()
    {
        answer = null;
        var clock = new BenchClock();
        using var probe = new VipProbe(new VipProbeOptions { Target = new IPEndPoint(IPAddress.Loopback, Port), IntervalMs = 20, TimeoutMs = 100 }, clock);

        probe.Start();
        // Until eight probes have ended, not for a fixed time: a loaded machine pauses the probe
        // thread, and a count within 300 ms then says more about the machine than the probe.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (probe.Snapshot().Count < 8 && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(20);
        }

        IReadOnlyList<ProbeSample> samples = probe.Stop();

        Assert.True(samples.Count >= 8, $"only {samples.Count} probes ended in 30 s");
        Assert.All(samples, s => Assert.Equal(ProbeFailure.Timeout, s.Failure));
        // Never before the timeout; the upper bound is loose because a loaded machine can pause the probe thread.
        Assert.All(samples, s => Assert.InRange(s.EndMs - s.StartMs, 99.9, 2000));
        // Probes run concurrently: the next starts on its 20 ms schedule while the last still waits
        // out its 100 ms. A schedule that stalled on each timeout would never overlap two probes.
        var ordered = samples.OrderBy(s => s.StartMs).ToList();
        int overlapping = Enumerable.Range(1, ordered.Count - 1).Count(i => ordered[i].StartMs < ordered[i - 1].EndMs);
        Assert.True(overlapping >= ordered.Count / 2, $"only {overlapping} of {ordered.Count - 1} probes started before the previous one timed out: timeouts stalled the schedule");
    }

    [Fact]
    public void A_closed_port_is_recorded_as_refused()
    {
        int port = FreePort.Find();
        var clock = new BenchClock();
        using var probe = new VipProbe(new VipProbeOptions { Target = new IPEndPoint(IPAddress.Loopback, port), IntervalMs = 20 }, clock);

        probe.Start();
        Thread.Sleep(100);
        IReadOnlyList<ProbeSample> samples = probe.Stop();

        Assert.NotEmpty(samples);
        Assert.All(samples, s => Assert.Equal(ProbeFailure.Refused, s.Failure));
        Assert.All(samples, s => Assert.Null(s.Node));
    }

    [Fact]
    public void Options_out_of_range_are_refused()
    {
        var target = new IPEndPoint(IPAddress.Loopback, 1);
        Assert.Throws<ArgumentOutOfRangeException>(() => new VipProbe(new VipProbeOptions { Target = target, IntervalMs = 0 }, new BenchClock()));
        Assert.Throws<ArgumentOutOfRangeException>(() => new VipProbe(new VipProbeOptions { Target = target, TimeoutMs = 0 }, new BenchClock()));
    }

    [Fact]
    public void A_missing_client_namespace_fails_at_start_with_its_name()
    {
        using var probe = new VipProbe(new VipProbeOptions { Target = new IPEndPoint(IPAddress.Loopback, Port), ClientNamespace = "wdb-no-such-namespace" }, new BenchClock());

        var e = Assert.Throws<Watchdog.Bench.Network.BenchSetupException>(probe.Start);
        Assert.Contains("wdb-no-such-namespace", e.Message);
    }

    public void Dispose()
    {
        stopping = true;
        server.Join();
        listener.Stop();
        foreach (Socket socket in held)
        {
            socket.Dispose();
        }
    }
}
