using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Hosting.Systemd;
using Microsoft.Extensions.Logging.Abstractions;
using Watchdog.Agent.Hosting;
using Watchdog.Agent.Tests.Support;

namespace Watchdog.Agent.Tests;

/// <summary>
/// systemd's watchdog is fed with WATCHDOG=1 on NOTIFY_SOCKET every WATCHDOG_USEC/2, only while
/// the heartbeat thread makes progress. The test plays systemd: it binds the datagram socket.
/// These tests change process-wide environment variables, so they run in one collection.
/// </summary>
[Collection("environment")]
public sealed class SystemdWatchdogTests
{
    [Fact]
    public async Task Feeds_while_the_heartbeat_thread_moves_and_stops_when_it_stalls()
    {
        using var dir = new TempDir();
        string path = dir.File("notify");
        using var systemd = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        systemd.Bind(new UnixDomainSocketEndPoint(path));
        Environment.SetEnvironmentVariable("NOTIFY_SOCKET", path);
        Environment.SetEnvironmentVariable("WATCHDOG_USEC", "600000");
        try
        {
            Assert.Equal(TimeSpan.FromMilliseconds(600), SystemdWatchdog.RequestedInterval());
            var notifier = new SystemdNotifier();
            Assert.True(notifier.IsEnabled);
            long progress = 0;
            bool moving = true;
            using var stop = new CancellationTokenSource();
            Task feeder = new SystemdWatchdog(notifier, () => moving ? Interlocked.Increment(ref progress) : progress, NullLogger.Instance).RunAsync(stop.Token);

            int fedWhileMoving = await ReceiveAsync(systemd, TimeSpan.FromMilliseconds(2000));
            moving = false;
            await Task.Delay(400); // one feed may still be in flight
            Drain(systemd);
            int fedWhileStalled = await ReceiveAsync(systemd, TimeSpan.FromMilliseconds(1200));
            stop.Cancel();
            await feeder;

            // Every 300 ms: about 7 in 2 s; fewer when the test machine is overloaded, never more.
            Assert.InRange(fedWhileMoving, 3, 8);
            Assert.Equal(0, fedWhileStalled);
        }
        finally
        {
            Environment.SetEnvironmentVariable("NOTIFY_SOCKET", null);
            Environment.SetEnvironmentVariable("WATCHDOG_USEC", null);
        }
    }

    [Fact]
    public void Not_supervised_without_WATCHDOG_USEC_or_when_WATCHDOG_PID_names_another_process()
    {
        Environment.SetEnvironmentVariable("WATCHDOG_USEC", null);
        Assert.Null(SystemdWatchdog.RequestedInterval());
        Environment.SetEnvironmentVariable("WATCHDOG_USEC", "1000000");
        Environment.SetEnvironmentVariable("WATCHDOG_PID", "1");
        try
        {
            Assert.Null(SystemdWatchdog.RequestedInterval());
            Environment.SetEnvironmentVariable("WATCHDOG_PID", Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal(TimeSpan.FromSeconds(1), SystemdWatchdog.RequestedInterval());
        }
        finally
        {
            Environment.SetEnvironmentVariable("WATCHDOG_USEC", null);
            Environment.SetEnvironmentVariable("WATCHDOG_PID", null);
        }
    }

    // Asynchronous on purpose: a test thread blocked in a receive loop delays the feeder's timer
    // continuations on a small thread pool and the test would measure itself.
    private static async Task<int> ReceiveAsync(Socket s, TimeSpan during)
    {
        int count = 0;
        var buffer = new byte[256];
        using var window = new CancellationTokenSource(during);
        try
        {
            while (true)
            {
                int n = await s.ReceiveAsync(buffer, SocketFlags.None, window.Token);
                Assert.Equal("WATCHDOG=1", Encoding.ASCII.GetString(buffer, 0, n));
                count++;
            }
        }
        catch (OperationCanceledException)
        {
            return count;
        }
    }

    private static void Drain(Socket s)
    {
        var buffer = new byte[256];
        while (s.Available > 0)
        {
            s.Receive(buffer);
        }
    }
}
