using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Watchdog.Agent.Tests;

public sealed class ProbeTests
{
    [Fact]
    public async Task Tcp_passes_against_a_listener_and_fails_once_it_is_closed()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        using var probe = new TcpConnectProbe("127.0.0.1", port);
        Assert.True((await probe.ProbeAsync(CancellationToken.None)).Ok);

        listener.Stop();
        ProbeOutcome after = await probe.ProbeAsync(CancellationToken.None);
        Assert.False(after.Ok);
        Assert.Contains("ConnectionRefused", after.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Http_checks_status_and_latency()
    {
        using var server = new TinyHttpServer();
        // The first request of a process is slow (JIT, sockets): the status checks carry no bound,
        // and the bound is judged against a delay far on one side of it, never near it.
        using var probe = new HttpProbe(server.Url, Array.Empty<int>(), maxLatencyMs: 0, insecureTls: false);
        ProbeOutcome ok = await probe.ProbeAsync(CancellationToken.None);
        Assert.True(ok.Ok, ok.Detail);
        Assert.True(ok.LatencyMs >= 0);
        Assert.Equal(ok.LatencyMs, probe.LastLatencyMs);

        server.Status = 503;
        ProbeOutcome bad = await probe.ProbeAsync(CancellationToken.None);
        Assert.False(bad.Ok);
        Assert.StartsWith("HTTP 503", bad.Detail, StringComparison.Ordinal);

        server.Status = 200;
        server.DelayMs = 500;
        using var bounded = new HttpProbe(server.Url, Array.Empty<int>(), maxLatencyMs: 300, insecureTls: false);
        ProbeOutcome slow = await bounded.ProbeAsync(CancellationToken.None);
        Assert.False(slow.Ok);
        Assert.Contains("slow", slow.Detail, StringComparison.Ordinal);

        server.DelayMs = 0;
        using var generous = new HttpProbe(server.Url, Array.Empty<int>(), maxLatencyMs: 30_000, insecureTls: false);
        ProbeOutcome fast = await generous.ProbeAsync(CancellationToken.None);
        Assert.True(fast.Ok, fast.Detail);
    }

    [Fact]
    public async Task Http_accepts_only_the_listed_status_codes()
    {
        using var server = new TinyHttpServer { Status = 204 };
        using var only200 = new HttpProbe(server.Url, new[] { 200 }, 0, false);
        Assert.False((await only200.ProbeAsync(CancellationToken.None)).Ok);
        using var with204 = new HttpProbe(server.Url, new[] { 200, 204 }, 0, false);
        Assert.True((await with204.ProbeAsync(CancellationToken.None)).Ok);
    }

    [Fact]
    public async Task Runner_turns_a_hung_probe_into_a_timeout_failure()
    {
        using var server = new TinyHttpServer { DelayMs = 5000 };
        var options = new Configuration.CheckOptions { Name = "slow", Kind = "http", IntervalMs = 1000, TimeoutMs = 200, FailThreshold = 1, Required = true };
        var status = new Agent.Status.AgentStatus();
        var events = new RecordingEvents();
        using var runner = new CheckRunner(options, new HttpProbe(server.Url, Array.Empty<int>(), 0, false), status, new CheckActions(options, events), TimeProvider.System);
        var sw = Stopwatch.StartNew();
        ProbeOutcome o = await runner.RunOnceAsync(CancellationToken.None);
        Assert.False(o.Ok);
        Assert.Equal("timed out after 200 ms", o.Detail);
        Assert.True(sw.ElapsedMilliseconds < 2000);
        Assert.False(status.RequiredChecksPass);
        Assert.Contains(events.All, e => e.Kind == "check-failing" && e.Detail.Contains("heartbeat stopped", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("exit 0", 0, true)]
    [InlineData("exit 3", 0, false)]
    [InlineData("exit 3", 3, true)]
    [InlineData("echo broken >&2; exit 1", 0, false)]
    public async Task Command_compares_the_exit_code(string command, int expect, bool ok)
    {
        using var probe = new CommandProbe(command, expect);
        ProbeOutcome o = await probe.ProbeAsync(CancellationToken.None);
        Assert.Equal(ok, o.Ok);
        if (command.Contains("broken", StringComparison.Ordinal))
        {
            Assert.Contains("broken", o.Detail, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Command_is_killed_at_the_timeout()
    {
        var sw = Stopwatch.StartNew();
        RunResult r = await ProcessRunner.ShellAsync("sleep 30", 200, CancellationToken.None);
        Assert.True(r.TimedOut);
        Assert.True(sw.ElapsedMilliseconds < 5000);
    }

    [Fact]
    public async Task Process_by_name_by_pid_file_and_stopped_process()
    {
        using var sleeper = Process.Start("sleep", "30");
        try
        {
            using var byName = new ProcessAliveProbe("sleep", "");
            Assert.True((await byName.ProbeAsync(CancellationToken.None)).Ok);
            using var none = new ProcessAliveProbe("no-such-process-xyz", "");
            Assert.Equal("no process named no-such-process-xyz", (await none.ProbeAsync(CancellationToken.None)).Detail);

            using var dir = new TempDirectory();
            string pidFile = dir.Write("app.pid", sleeper.Id + "\n");
            using var byPid = new ProcessAliveProbe("", pidFile);
            Assert.True((await byPid.ProbeAsync(CancellationToken.None)).Ok);

            // A frozen process (kill -STOP) is not alive: that is how a hang looks.
            Process.Start("kill", "-STOP " + sleeper.Id)!.WaitForExit();
            Thread.Sleep(100);
            ProbeOutcome frozen = await byPid.ProbeAsync(CancellationToken.None);
            Assert.False(frozen.Ok);
            Assert.Contains("stopped", frozen.Detail, StringComparison.Ordinal);
            Process.Start("kill", "-CONT " + sleeper.Id)!.WaitForExit();

            sleeper.Kill();
            sleeper.WaitForExit();
            ProbeOutcome gone = await byPid.ProbeAsync(CancellationToken.None);
            Assert.False(gone.Ok);
            Assert.Contains("is not running", gone.Detail, StringComparison.Ordinal);
        }
        finally
        {
            if (!sleeper.HasExited)
            {
                sleeper.Kill();
            }
        }
    }

    [Fact]
    public async Task Carrier_reads_sys_class_net()
    {
        using var dir = new TempDirectory();
        Directory.CreateDirectory(dir.File("eth0"));
        File.WriteAllText(dir.File("eth0/carrier"), "1\n");
        Directory.CreateDirectory(dir.File("eth1"));
        File.WriteAllText(dir.File("eth1/carrier"), "0\n");
        Assert.True((await new CarrierProbe("eth0", dir.Path).ProbeAsync(CancellationToken.None)).Ok);
        ProbeOutcome down = await new CarrierProbe("eth1", dir.Path).ProbeAsync(CancellationToken.None);
        Assert.False(down.Ok);
        Assert.Contains("no carrier", down.Detail, StringComparison.Ordinal);
        Assert.Equal("no interface eth9", (await new CarrierProbe("eth9", dir.Path).ProbeAsync(CancellationToken.None)).Detail);

        // The real loopback interface has carrier 1 in /sys.
        Assert.True((await new CarrierProbe("lo").ProbeAsync(CancellationToken.None)).Ok);
    }

    [Fact]
    public async Task Systemd_unit_probe_reports_the_unit_state_word()
    {
        using var dir = new TempDirectory();
        // A stand-in for systemctl: the probe's contract is "is-active <unit>", exit code and first line.
        string fake = dir.Write("systemctl", "#!/bin/sh\nif [ \"$2\" = good.service ]; then echo active; exit 0; fi\necho failed; exit 3\n");
        File.SetUnixFileMode(fake, UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.UserWrite);
        Assert.True((await new SystemdUnitProbe("good.service", fake).ProbeAsync(CancellationToken.None)).Ok);
        ProbeOutcome bad = await new SystemdUnitProbe("bad.service", fake).ProbeAsync(CancellationToken.None);
        Assert.False(bad.Ok);
        Assert.Equal("bad.service is failed", bad.Detail);
    }

    [Fact]
    public void Hysteresis_needs_the_thresholds_in_a_row_but_the_first_result_decides_at_once()
    {
        var h = new Hysteresis(failThreshold: 3, successThreshold: 2);
        Assert.True(h.Apply(true));
        Assert.Equal(CheckState.Passing, h.State);
        Assert.False(h.Apply(false));
        Assert.False(h.Apply(false));
        Assert.False(h.Apply(true)); // resets the failure count
        Assert.False(h.Apply(false));
        Assert.False(h.Apply(false));
        Assert.True(h.Apply(false));
        Assert.Equal(CheckState.Failing, h.State);
        Assert.False(h.Apply(true));
        Assert.True(h.Apply(true));
        Assert.Equal(CheckState.Passing, h.State);

        var sick = new Hysteresis(3, 2);
        sick.Apply(false);
        Assert.Equal(CheckState.Failing, sick.State);
    }

    [Fact]
    public async Task Remediation_runs_on_failing_and_reports_its_outcome()
    {
        using var dir = new TempDirectory();
        string marker = dir.File("remediated");
        var options = new Configuration.CheckOptions
        {
            Name = "cmd", Kind = "command", Command = "exit 1", FailThreshold = 1,
            Actions = new Configuration.CheckActionOptions { Remediate = "touch " + marker, RemediateTimeoutMs = 5000 },
        };
        var events = new RecordingEvents();
        var actions = new CheckActions(options, events);
        using var runner = new CheckRunner(options, new CommandProbe(options.Command, 0), new Agent.Status.AgentStatus(), actions, TimeProvider.System);
        await runner.RunOnceAsync(CancellationToken.None);
        await actions.LastRemediation;
        Assert.True(File.Exists(marker));
        Assert.Contains(events.All, e => e.Kind == "remediation-done");
        Assert.Contains(events.All, e => e.Kind == "check-failing" && e.Severity == Protocol.Wire.Severity.Warning);
    }

    [Fact]
    public async Task Restart_unit_action_calls_systemctl_restart_with_the_unit()
    {
        using var dir = new TempDirectory();
        string log = dir.File("calls");
        string fake = dir.Write("systemctl", "#!/bin/sh\necho \"$@\" >> " + log + "\n");
        File.SetUnixFileMode(fake, UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.UserWrite);
        var options = new Configuration.CheckOptions
        {
            Name = "svc", Kind = "command", Command = "exit 1", FailThreshold = 1,
            Actions = new Configuration.CheckActionOptions { RestartUnit = "app.service" },
        };
        var events = new RecordingEvents();
        var actions = new CheckActions(options, events, fake);
        using var runner = new CheckRunner(options, new CommandProbe(options.Command, 0), new Agent.Status.AgentStatus(), actions, TimeProvider.System);
        await runner.RunOnceAsync(CancellationToken.None);
        await actions.LastRemediation;
        Assert.Equal("restart app.service", File.ReadAllText(log).Trim());
        Assert.Contains(events.All, e => e.Kind == "remediation-done" && e.Detail.Contains("restart of app.service", StringComparison.Ordinal));
    }
}
