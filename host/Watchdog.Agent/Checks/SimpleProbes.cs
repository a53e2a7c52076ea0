using System.Diagnostics;
using System.Net.Sockets;

namespace Watchdog.Agent.Checks;

/// <summary>systemctl is-active &lt;unit&gt;: passes only on "active" (not activating, failed, inactive).</summary>
public sealed class SystemdUnitProbe(string unit, string systemctl = "systemctl") : IProbe
{
    public async Task<ProbeOutcome> ProbeAsync(CancellationToken ct)
    {
        RunResult r = await ProcessRunner.RunAsync(systemctl, new[] { "is-active", unit }, int.MaxValue, ct).ConfigureAwait(false);
        if (!r.Started)
        {
            return ProbeOutcome.Fail(r.StartError);
        }

        string state = r.Output.Split('\n')[0].Trim();
        return r.ExitCode == 0 && state == "active"
            ? ProbeOutcome.Pass(unit + " active")
            : ProbeOutcome.Fail(unit + " is " + (state.Length > 0 ? state : "not active (exit " + r.ExitCode + ")"));
    }
}

/// <summary>A TCP connect to host:port within the timeout.</summary>
public sealed class TcpConnectProbe(string host, int port) : IProbe
{
    public async Task<ProbeOutcome> ProbeAsync(CancellationToken ct)
    {
        var sw = Stopwatch.StartNew();
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync(host, port, ct).ConfigureAwait(false);
            return ProbeOutcome.Pass("connected to " + host + ":" + port + " in " + sw.ElapsedMilliseconds + " ms", sw.Elapsed.TotalMilliseconds);
        }
        catch (SocketException ex)
        {
            return ProbeOutcome.Fail("connect to " + host + ":" + port + " failed: " + ex.SocketErrorCode);
        }
    }
}

/// <summary>A command's exit code (run through sh -c; killed at the timeout).</summary>
public sealed class CommandProbe(string command, int expectExitCode) : IProbe
{
    public async Task<ProbeOutcome> ProbeAsync(CancellationToken ct)
    {
        RunResult r = await ProcessRunner.ShellAsync(command, int.MaxValue, ct).ConfigureAwait(false);
        if (!r.Started)
        {
            return ProbeOutcome.Fail(r.StartError);
        }

        if (r.ExitCode == expectExitCode)
        {
            return ProbeOutcome.Pass("exit " + r.ExitCode);
        }

        string tail = r.Output.Length > 200 ? r.Output[^200..] : r.Output;
        return ProbeOutcome.Fail("exit " + r.ExitCode + " (expected " + expectExitCode + ")" + (tail.Length > 0 ? ": " + tail : ""));
    }
}

/// <summary>
/// NIC carrier from /sys/class/net/&lt;if&gt;/carrier. Reading it fails with EINVAL while the
/// interface is administratively down, which is reported as such.
/// </summary>
public sealed class CarrierProbe(string iface, string sysNetRoot = "/sys/class/net") : IProbe
{
    public Task<ProbeOutcome> ProbeAsync(CancellationToken ct)
    {
        string dir = Path.Combine(sysNetRoot, iface);
        if (!Directory.Exists(dir))
        {
            return Task.FromResult(ProbeOutcome.Fail("no interface " + iface));
        }

        try
        {
            string value = File.ReadAllText(Path.Combine(dir, "carrier")).Trim();
            return Task.FromResult(value == "1"
                ? ProbeOutcome.Pass(iface + " carrier up")
                : ProbeOutcome.Fail(iface + " no carrier (cable or switch port down)"));
        }
        catch (IOException)
        {
            string oper = ReadOperState(dir);
            return Task.FromResult(ProbeOutcome.Fail(iface + " is administratively down" + (oper.Length > 0 ? " (operstate " + oper + ")" : "")));
        }
    }

    private static string ReadOperState(string dir)
    {
        try
        {
            return File.ReadAllText(Path.Combine(dir, "operstate")).Trim();
        }
        catch (IOException)
        {
            return "";
        }
    }
}
