using System.Net;
using System.Net.Sockets;
using System.Text;
using Watchdog.Bench.Network;
using Watchdog.Bench.Timing;

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
/// resolution through an outage. Sockets are created on a dedicated thread that has entered the
/// client's network namespace, so traffic goes over the client's veth like a separate machine's.
/// </summary>
public sealed class VipProbe : IDisposable
{
    private readonly VipProbeOptions options;
    private readonly BenchClock clock;
    private readonly List<ProbeSample> samples = [];
    private readonly List<Task> inFlight = [];
    private readonly CancellationTokenSource stop = new();
    private readonly TaskCompletionSource started = new(TaskCreationOptions.RunContinuationsAsynchronously);
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

    /// <summary>A copy of the samples finished so far, ordered by start time.</summary>
    public IReadOnlyList<ProbeSample> Snapshot()
    {
        lock (samples)
        {
            return samples.OrderBy(s => s.StartMs).ToList();
        }
    }

    /// <summary>Stops polling, waits for probes in flight, returns the whole series by start time.</summary>
    public IReadOnlyList<ProbeSample> Stop()
    {
        stop.Cancel();
        thread?.Join();
        Task[] pending;
        lock (inFlight)
        {
            pending = inFlight.ToArray();
        }

        Task.WaitAll(pending);
        return Snapshot();
    }

    /// <summary>Waits until a probe finishing after <paramref name="sinceMs"/> was answered by <paramref name="node"/>.</summary>
    public bool WaitForAnswerFrom(string node, double sinceMs, TimeSpan timeout)
    {
        double deadline = clock.NowMs + timeout.TotalMilliseconds;
        while (clock.NowMs < deadline)
        {
            lock (samples)
            {
                if (samples.Any(s => s.StartMs >= sinceMs && s.Node == node))
                {
                    return true;
                }
            }

            Thread.Sleep(10);
        }

        return false;
    }

    private void PollLoop()
    {
        try
        {
            if (options.ClientNamespace is not null)
            {
                ThreadNetworkNamespace.Enter(options.ClientNamespace);
            }
        }
        catch (BenchSetupException e)
        {
            started.SetException(e);
            return;
        }

        started.SetResult();
        double next = clock.NowMs;
        while (!stop.IsCancellationRequested)
        {
            clock.SleepUntil(next);
            // The socket must be created here, on this thread, to live in the client namespace.
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            Task probe = ProbeOnceAsync(socket, clock.NowMs);
            lock (inFlight)
            {
                inFlight.RemoveAll(t => t.IsCompleted);
                inFlight.Add(probe);
            }

            next += options.IntervalMs;
            if (next < clock.NowMs)
            {
                next = clock.NowMs; // fell behind (a long GC or a loaded CPU): do not burst to catch up
            }
        }
    }

    private async Task ProbeOnceAsync(Socket socket, double startMs)
    {
        ProbeSample sample;
        using var timeout = new CancellationTokenSource(TimeSpan.FromMilliseconds(options.TimeoutMs));
        try
        {
            await socket.ConnectAsync(options.Target, timeout.Token).ConfigureAwait(false);
            string? line = await ReadLineAsync(socket, timeout.Token).ConfigureAwait(false);
            sample = line is { Length: > 0 }
                ? ProbeSample.Answer(startMs, clock.NowMs, line)
                : ProbeSample.Failed(startMs, clock.NowMs, ProbeFailure.Reset);
        }
        catch (OperationCanceledException)
        {
            sample = ProbeSample.Failed(startMs, clock.NowMs, ProbeFailure.Timeout);
        }
        catch (SocketException e)
        {
            sample = ProbeSample.Failed(startMs, clock.NowMs, Classify(e.SocketErrorCode));
        }
        finally
        {
            socket.Dispose();
        }

        lock (samples)
        {
            samples.Add(sample);
        }
    }

    private static async Task<string?> ReadLineAsync(Socket socket, CancellationToken token)
    {
        var buffer = new byte[128];
        int filled = 0;
        while (filled < buffer.Length)
        {
            int read = await socket.ReceiveAsync(buffer.AsMemory(filled), SocketFlags.None, token).ConfigureAwait(false);
            if (read == 0)
            {
                break;
            }

            int newline = Array.IndexOf(buffer, (byte)'\n', filled, read);
            filled += read;
            if (newline >= 0)
            {
                return Encoding.ASCII.GetString(buffer, 0, newline).Trim();
            }
        }

        return null; // closed or oversized before a newline: not a valid answer
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
        if (thread is not null && !stop.IsCancellationRequested)
        {
            Stop();
        }

        stop.Dispose();
    }
}
