using System.Diagnostics;
using System.Net.Sockets;

namespace Watchdog.Agent.Checks;

/// <summary>systemctl is-active &lt;unit&gt;: passes only on "active" (not activating, failed, inactive).</summary>
public sealed class SystemdUnitProbe : IProbe
{
    private readonly string _unit;
    private readonly string _systemctl;

    public SystemdUnitProbe(string unit, string systemctl = "systemctl")
    {
        _unit = unit;
        _systemctl = systemctl;
    }

    public async Task<ProbeOutcome> ProbeAsync(CancellationToken ct)
    {
        RunResult r = await ProcessRunner.RunAsync(_systemctl, new[] { "is-active", _unit }, int.MaxValue, ct).ConfigureAwait(false);
        if (!r.Started)
        {
            return ProbeOutcome.Fail(r.StartError);
        }

        string state = r.Output.Split('\n')[0].Trim();
        return r.ExitCode == 0 && state == "active"
            ? ProbeOutcome.Pass(_unit + " active")
            : ProbeOutcome.Fail(_unit + " is " + (state.Length > 0 ? state : "not active (exit " + r.ExitCode + ")"));
    }
}

/// <summary>A TCP connect to host:port within the timeout.</summary>
public sealed class TcpConnectProbe : IProbe
{
    private readonly string _host;
    private readonly int _port;

    public TcpConnectProbe(string host, int port)
    {
        _host = host;
        _port = port;
    }

    public async Task<ProbeOutcome> ProbeAsync(CancellationToken ct)
    {
        var sw = Stopwatch.StartNew();
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync(_host, _port, ct).ConfigureAwait(false);
            return ProbeOutcome.Pass("connected to " + _host + ":" + _port + " in " + sw.ElapsedMilliseconds + " ms", sw.Elapsed.TotalMilliseconds);
        }
        catch (SocketException ex)
        {
            return ProbeOutcome.Fail("connect to " + _host + ":" + _port + " failed: " + ex.SocketErrorCode);
        }
    }
}

/// <summary>A command's exit code (run through sh -c; killed at the timeout).</summary>
public sealed class CommandProbe : IProbe
{
    private readonly string _command;
    private readonly int _expect;

    public CommandProbe(string command, int expectExitCode)
    {
        _command = command;
        _expect = expectExitCode;
    }

    public async Task<ProbeOutcome> ProbeAsync(CancellationToken ct)
    {
        RunResult r = await ProcessRunner.ShellAsync(_command, int.MaxValue, ct).ConfigureAwait(false);
        if (!r.Started)
        {
            return ProbeOutcome.Fail(r.StartError);
        }

        if (r.ExitCode == _expect)
        {
            return ProbeOutcome.Pass("exit " + r.ExitCode);
        }

        string tail = r.Output.Length > 200 ? r.Output[^200..] : r.Output;
        return ProbeOutcome.Fail("exit " + r.ExitCode + " (expected " + _expect + ")" + (tail.Length > 0 ? ": " + tail : ""));
    }
}

/// <summary>
/// NIC carrier from /sys/class/net/&lt;if&gt;/carrier. Reading it fails with EINVAL while the
/// interface is administratively down, which is reported as such.
/// </summary>
public sealed class CarrierProbe : IProbe
{
    private readonly string _interface;
    private readonly string _sysNet;

    public CarrierProbe(string iface, string sysNetRoot = "/sys/class/net")
    {
        _interface = iface;
        _sysNet = sysNetRoot;
    }

    public Task<ProbeOutcome> ProbeAsync(CancellationToken ct)
    {
        string dir = Path.Combine(_sysNet, _interface);
        if (!Directory.Exists(dir))
        {
            return Task.FromResult(ProbeOutcome.Fail("no interface " + _interface));
        }

        try
        {
            string value = File.ReadAllText(Path.Combine(dir, "carrier")).Trim();
            return Task.FromResult(value == "1"
                ? ProbeOutcome.Pass(_interface + " carrier up")
                : ProbeOutcome.Fail(_interface + " no carrier (cable or switch port down)"));
        }
        catch (IOException)
        {
            string oper = ReadOperState(dir);
            return Task.FromResult(ProbeOutcome.Fail(_interface + " is administratively down" + (oper.Length > 0 ? " (operstate " + oper + ")" : "")));
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
