using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Hosting.Systemd;
using Watchdog.Agent.Hosting;

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
        using var dir = new TempDirectory();
        string path = dir.File("notify");
        using Socket systemd = BindNotifySocket(path);
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
            Assert.InRange(fedWhileMoving, 1, 8);
            Assert.Equal(0, fedWhileStalled);
        }
        finally
        {
            Environment.SetEnvironmentVariable("NOTIFY_SOCKET", null);
            Environment.SetEnvironmentVariable("WATCHDOG_USEC", null);
        }
    }

    [Fact]
    public async Task Real_agent_process_under_a_stand_in_systemd_says_ready_feeds_and_says_stopping()
    {
        using var dir = new TempDirectory();
        string path = dir.File("notify");
        using Socket systemd = BindNotifySocket(path);
        // AddSystemd() switches on only when the parent process is called "systemd": a copy of
        // bash under that name plays the service manager, with the variables systemd sets.
        string fakeSystemd = dir.File("systemd");
        File.Copy("/bin/bash", fakeSystemd);
        File.SetUnixFileMode(fakeSystemd, UnixFileMode.UserRead | UnixFileMode.UserExecute);
        // No broker is needed for this: the agent keeps retrying MQTT while it feeds.
        string config = dir.Write("agent.json", AgentConfigs.Valid(dir.File("wires"), 1));
        var psi = new System.Diagnostics.ProcessStartInfo(fakeSystemd) { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add("dotnet '" + AgentProcess.AgentDll + "' --config '" + config + "' & echo $! > '" + dir.File("pid") + "'; wait $!");
        psi.Environment["NOTIFY_SOCKET"] = path;
        psi.Environment["WATCHDOG_USEC"] = "1000000";
        using System.Diagnostics.Process manager = System.Diagnostics.Process.Start(psi)!;
        var messages = new List<string>();
        var buffer = new byte[256];
        try
        {
            using (var window = new CancellationTokenSource(TimeSpan.FromSeconds(20)))
            {
                while (messages.Count(m => m == "WATCHDOG=1") < 3)
                {
                    int n = await systemd.ReceiveAsync(buffer, SocketFlags.None, window.Token);
                    messages.Add(Encoding.ASCII.GetString(buffer, 0, n));
                }
            }

            Assert.Equal("READY=1", messages[0]);

            // systemctl stop: SIGTERM to the service's main process.
            string pid = File.ReadAllText(dir.File("pid")).Trim();
            System.Diagnostics.Process.Start("kill", "-TERM " + pid)!.WaitForExit();
            using (var window = new CancellationTokenSource(TimeSpan.FromSeconds(15)))
            {
                while (messages[^1] != "STOPPING=1")
                {
                    int n = await systemd.ReceiveAsync(buffer, SocketFlags.None, window.Token);
                    messages.Add(Encoding.ASCII.GetString(buffer, 0, n));
                }
            }

            Assert.True(manager.WaitForExit(15_000));
            Assert.Equal(0, manager.ExitCode); // wait $! returns the agent's exit code
        }
        catch (OperationCanceledException)
        {
            Assert.Fail("got only [" + string.Join(", ", messages) + "]");
        }
        finally
        {
            if (!manager.HasExited)
            {
                manager.Kill(entireProcessTree: true);
            }
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

    /// <summary>systemd's end of NOTIFY_SOCKET: the datagram socket the service sends READY=1, WATCHDOG=1 and STOPPING=1 to.</summary>
    private static Socket BindNotifySocket(string path)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(path));
        return socket;
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
