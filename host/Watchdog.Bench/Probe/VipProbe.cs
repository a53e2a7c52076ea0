using System.Net;
using System.Net.Sockets;
using System.Text;
using Watchdog.Bench.Network;
using Watchdog.Bench.Timing;
using Watchdog.Failover.Kernel;
using Watchdog.Platform.Posix;

namespace Watchdog.Bench.Probe;

/// <summary>Settings of the independent client. Defaults: 20 ms interval, 250 ms timeout.</summary>
public sealed record VipProbeOptions
{
    /// <summary>The virtual IP and port of the service under test.</summary>
    public required IPEndPoint Target { get; init; }

    /// <summary>
    /// The network namespace the client lives in (created by the caller), or null to probe from
    /// the bench's own namespace (loopback tests).
    /// </summary>
    public string? ClientNamespace { get; init; }

    /// <summary>Time between probe starts, in ms (1-10000, default 20).</summary>
    public double IntervalMs { get; init; } = 20;

    /// <summary>How long one probe may take to connect and read its line, in ms (1-60000, default 250).</summary>
    public double TimeoutMs { get; init; } = 250;

    internal void Validate()
    {
        if (IntervalMs is < 1 or > 10_000 || double.IsNaN(IntervalMs))
        {
            throw new ArgumentOutOfRangeException(nameof(IntervalMs), IntervalMs, "probe interval must be between 1 and 10000 ms");
        }

        if (TimeoutMs is < 1 or > 60_000 || double.IsNaN(TimeoutMs))
        {
            throw new ArgumentOutOfRangeException(nameof(TimeoutMs), TimeoutMs, "probe timeout must be between 1 and 60000 ms");
        }
    }
}

/// <summary>
/// An independent client that polls the virtual IP on a fixed schedule: every interval it opens
/// a TCP connection, reads one line (the answering node's name) and records when it started,
/// when it ended and who answered or why it failed. Probes do not wait for each other: a probe
/// stuck on a frozen server does not delay the next one, so the series keeps its 20 ms
/// resolution through an outage.
/// Everything runs on one dedicated thread that has entered the client's network namespace:
/// sockets are created there (so they live in the client namespace and traffic crosses the
/// client's veth like a separate machine's) and driven non-blocking with poll (Socket.Select).
/// Nothing depends on the thread pool, so a busy pool in the bench process (MQTT clients,
/// boards) cannot delay a probe's timestamps.
/// </summary>
public sealed class VipProbe : IDisposable
{
    private readonly VipProbeOptions options;
    private readonly BenchClock clock;
    private readonly List<ProbeSample> samples = [];
    private readonly TaskCompletionSource started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile bool stopping;
    private Thread? thread;

    public VipProbe(VipProbeOptions options, BenchClock clock)
    {
        options.Validate();
        this.options = options;
        this.clock = clock;
    }

    /// <summary>Starts polling; throws if the client namespace cannot be entered.</summary>
    public void Start()
    {
        if (thread is not null)
        {
            throw new InvalidOperationException("the probe is already running");
        }

        thread = new Thread(PollLoop) { IsBackground = true, Name = "vip-probe" };
        thread.Start();
        started.Task.GetAwaiter().GetResult();
    }

    /// <summary>Whether the probe thread got real-time scheduling (SCHED_RR; needs root or CAP_SYS_NICE).</summary>
    public bool RealTime { get; private set; }

    /// <summary>A copy of the samples finished so far, ordered by start time.</summary>
    public IReadOnlyList<ProbeSample> Snapshot()
    {
        lock (samples)
        {
            return samples.OrderBy(s => s.StartMs).ToList();
        }
    }

    /// <summary>Stops starting probes, lets those in flight finish (or time out), returns the series by start time.</summary>
    public IReadOnlyList<ProbeSample> Stop()
    {
        stopping = true;
        thread?.Join();
        return Snapshot();
    }

    /// <summary>Waits until a probe started after <paramref name="sinceMs"/> was answered by <paramref name="node"/>; woken by every finished probe.</summary>
    public bool WaitForAnswerFrom(string node, double sinceMs, TimeSpan timeout)
    {
        double deadline = clock.NowMs + timeout.TotalMilliseconds;
        lock (samples)
        {
            while (!samples.Any(s => s.StartMs >= sinceMs && s.Node == node))
            {
                double left = deadline - clock.NowMs;
                if (left <= 0)
                {
                    return false;
                }

                Monitor.Wait(samples, TimeSpan.FromMilliseconds(left)); // pulsed when a sample is added
            }

            return true;
        }
    }

    private void PollLoop()
    {
        try
        {
            if (options.ClientNamespace is not null)
            {
                if (ThreadNetworkNamespace.TryEnter(options.ClientNamespace, out _) is { } problem)
                {
                    throw new BenchSetupException(problem);
                }
            }
        }
        catch (BenchSetupException e)
        {
            started.SetException(e);
            return;
        }

        // The instrument must keep its schedule while the rack fails over around it: on a loaded
        // 2-core machine a normally scheduled probe thread was seen to skip two or three 5 ms
        // launches (13 ms without a SYN) just when the new active came up, and every skipped
        // launch is added to the RTO it measures. The rack's relay threads run the same way.
        RealTime = OperatingSystem.IsLinux() && PosixSignals.TryMakeCurrentThreadRealTime();
        started.SetResult();
        var inFlight = new List<InFlightProbe>();
        double next = clock.NowMs;
        while (!stopping || inFlight.Count > 0)
        {
            double now = clock.NowMs;
            if (!stopping && now >= next)
            {
                inFlight.Add(Launch(now));
                next += options.IntervalMs;
                if (next <= now)
                {
                    next = now + options.IntervalMs; // fell behind (a loaded CPU): skip, do not burst to catch up
                }
            }

            ExpireTimeouts(inFlight);
            double wakeAt = stopping ? double.MaxValue : next;
            foreach (InFlightProbe probe in inFlight)
            {
                wakeAt = Math.Min(wakeAt, probe.StartMs + options.TimeoutMs);
            }

            WaitForSockets(inFlight, wakeAt);
        }
    }

    private InFlightProbe Launch(double startMs)
    {
        // Created here, on the thread inside the client namespace: the socket belongs to it.
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { Blocking = false, NoDelay = true };
        var probe = new InFlightProbe(socket, startMs);
        try
        {
            socket.Connect(options.Target);
            probe.Connected = true; // immediate success (possible on loopback)
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.WouldBlock or SocketError.InProgress or SocketError.AlreadyInProgress)
        {
            // Connecting in the background; poll reports when it is done.
        }
        catch (SocketException e)
        {
            Finish(probe, ProbeSample.Failed(startMs, clock.NowMs, Classify(e.SocketErrorCode)));
        }

        return probe;
    }

    private void WaitForSockets(List<InFlightProbe> inFlight, double wakeAtMs)
    {
        inFlight.RemoveAll(p => p.Done);
        double waitMs = Math.Max(0, wakeAtMs - clock.NowMs);
        if (inFlight.Count == 0)
        {
            if (!stopping)
            {
                clock.SleepUntil(wakeAtMs);
            }

            return;
        }

        var connecting = inFlight.Where(p => !p.Connected).Select(p => p.Socket).ToList();
        var errors = new List<Socket>(connecting);
        var reading = inFlight.Where(p => p.Connected).Select(p => p.Socket).ToList();
        // Select takes microseconds; cap the wait so a long interval still checks timeouts.
        int micros = (int)Math.Min(waitMs * 1000, 1_000_000);
        Socket.Select(reading.Count > 0 ? reading : null, connecting.Count > 0 ? connecting : null, errors.Count > 0 ? errors : null, micros);

        foreach (InFlightProbe probe in inFlight)
        {
            if (!probe.Connected && (connecting.Contains(probe.Socket) || errors.Contains(probe.Socket)))
            {
                var error = (SocketError)(int)probe.Socket.GetSocketOption(SocketOptionLevel.Socket, SocketOptionName.Error)!;
                if (error == SocketError.Success)
                {
                    probe.Connected = true; // the answer is read on the next round
                }
                else
                {
                    Finish(probe, ProbeSample.Failed(probe.StartMs, clock.NowMs, Classify(error)));
                }
            }
            else if (probe.Connected && reading.Contains(probe.Socket))
            {
                Read(probe);
            }
        }
    }

    private void Read(InFlightProbe probe)
    {
        int read;
        try
        {
            read = probe.Socket.Receive(probe.Buffer, probe.Filled, probe.Buffer.Length - probe.Filled, SocketFlags.None);
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.WouldBlock)
        {
            return; // spurious wake-up
        }
        catch (SocketException e)
        {
            Finish(probe, ProbeSample.Failed(probe.StartMs, clock.NowMs, Classify(e.SocketErrorCode)));
            return;
        }

        int newline = Array.IndexOf(probe.Buffer, (byte)'\n', probe.Filled, read);
        probe.Filled += read;
        if (newline >= 0)
        {
            string node = Encoding.ASCII.GetString(probe.Buffer, 0, newline).Trim();
            Finish(probe, node.Length > 0 ? ProbeSample.Answer(probe.StartMs, clock.NowMs, node) : ProbeSample.Failed(probe.StartMs, clock.NowMs, ProbeFailure.Reset));
        }
        else if (read == 0 || probe.Filled == probe.Buffer.Length)
        {
            // Closed, or an oversized line, before a newline: not a valid answer.
            Finish(probe, ProbeSample.Failed(probe.StartMs, clock.NowMs, ProbeFailure.Reset));
        }
    }

    private void ExpireTimeouts(List<InFlightProbe> inFlight)
    {
        double now = clock.NowMs;
        foreach (InFlightProbe probe in inFlight)
        {
            if (!probe.Done && now - probe.StartMs >= options.TimeoutMs)
            {
                Finish(probe, ProbeSample.Failed(probe.StartMs, now, ProbeFailure.Timeout));
            }
        }
    }

    private void Finish(InFlightProbe probe, ProbeSample sample)
    {
        probe.Done = true;
        probe.Socket.Dispose();
        lock (samples)
        {
            samples.Add(sample);
            Monitor.PulseAll(samples); // wakes WaitForAnswerFrom
        }
    }

    internal static ProbeFailure Classify(SocketError error) => error switch
    {
        SocketError.ConnectionRefused => ProbeFailure.Refused,
        SocketError.TimedOut => ProbeFailure.Timeout,
        SocketError.HostUnreachable or SocketError.NetworkUnreachable or SocketError.HostDown or SocketError.NetworkDown => ProbeFailure.Unreachable,
        SocketError.ConnectionReset or SocketError.ConnectionAborted or SocketError.Shutdown => ProbeFailure.Reset,
        _ => ProbeFailure.Other,
    };

    public void Dispose()
    {
        if (thread is not null && !stopping)
        {
            Stop();
        }
    }

    /// <summary>One probe between its connect and its answer.</summary>
    private sealed class InFlightProbe(Socket socket, double startMs)
    {
        public Socket Socket { get; } = socket;

        public double StartMs { get; } = startMs;

        public byte[] Buffer { get; } = new byte[128];

        public int Filled { get; set; }

        public bool Connected { get; set; }

        public bool Done { get; set; }
    }
}
