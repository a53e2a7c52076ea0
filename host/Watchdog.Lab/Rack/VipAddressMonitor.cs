using System.Diagnostics;
using System.Net;

namespace Watchdog.Lab.Rack;

/// <summary>
/// Knows, to the millisecond, which server holds the virtual IP: `ip monitor address` inside each
/// server's namespace reports every add and delete as the kernel makes it. Polling `ip addr`
/// would lag by its interval and could show the old and the new holder at once during a clean
/// switchover, which is exactly the overlap the bench must not invent.
/// </summary>
public sealed class VipAddressMonitor : IDisposable
{
    private readonly Dictionary<string, bool> _holds = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _changedAt = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _bootedAt = new(StringComparer.Ordinal);
    private readonly List<Process> _monitors = [];
    private readonly Lock _gate = new();
    private readonly string _needle;
    private volatile bool _disposed;

    public VipAddressMonitor(IReadOnlyDictionary<string, string> namespaceByNode, IPAddress vip, Sim.Rack.RackTimeline timeline)
    {
        _needle = " inet " + vip + "/";
        // A simulated boot flushes runtime addresses before the server counts as up; the flush's
        // "Deleted" line reaches us a moment later through a pipe. An address last seen before the
        // latest boot is therefore gone, whatever the pipe says yet.
        timeline.Recorded += e =>
        {
            if (e.Kind == Sim.Rack.TimelineKind.Server && e.What == "addresses reset")
            {
                lock (_gate)
                {
                    _bootedAt[e.Subject] = e.Timestamp;
                }
            }
        };
        foreach (var (node, ns) in namespaceByNode)
        {
            Watch(node, ns);
        }
    }

    // The monitor lives in the server's namespace (netlink events are per namespace), so the
    // simulated server's power-off kills it with everything else there; it is then started again
    // and the current state read afresh, long before the server's boot delay is over.
    private void Watch(string node, string ns)
    {
        // Start listening before reading the current state, so no change falls in between.
        var monitor = Start(ns, "monitor", "address");
        monitor.EnableRaisingEvents = true;
        monitor.OutputDataReceived += (_, e) => OnLine(node, e.Data);
        monitor.Exited += (_, _) =>
        {
            if (_disposed)
            {
                return;
            }

            Thread.Sleep(5);
            try
            {
                Watch(node, ns);
            }
            catch (Exception ex) when (ex is InvalidOperationException or System.ComponentModel.Win32Exception)
            {
                // The namespace is gone (the rack is being torn down): nothing left to watch.
                Debug?.Invoke($"{node}: monitor not restarted: {ex.Message}");
            }
        };
        monitor.BeginOutputReadLine();
        lock (_gate)
        {
            _monitors.Add(monitor);
        }

        var readAt = Stopwatch.GetTimestamp();
        using var show = Start(ns, "-o", "addr", "show");
        var holds = show.StandardOutput.ReadToEnd().Contains(_needle, StringComparison.Ordinal);
        show.WaitForExit();
        lock (_gate)
        {
            _holds[node] = holds;
            _changedAt[node] = readAt;
            Debug?.Invoke($"{node}: (re)started, holds={holds}");
        }
    }

    /// <summary>Receives every address event and restart, for diagnosing a run.</summary>
    public Action<string>? Debug { get; set; }

    public bool Holds(string node)
    {
        lock (_gate)
        {
            return _holds.TryGetValue(node, out var holds) && holds &&
                   !(_bootedAt.TryGetValue(node, out var booted) && _changedAt.GetValueOrDefault(node) < booted);
        }
    }

    private void OnLine(string node, string? line)
    {
        if (line is null || !line.Contains(_needle, StringComparison.Ordinal))
        {
            return;
        }

        lock (_gate)
        {
            _holds[node] = !line.StartsWith("Deleted", StringComparison.Ordinal);
            _changedAt[node] = Stopwatch.GetTimestamp();
            Debug?.Invoke($"{node}: {line}");
        }
    }

    private static Process Start(string ns, params string[] args)
    {
        var start = new ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("-n");
        start.ArgumentList.Add(ns);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        return Process.Start(start) ?? throw new InvalidOperationException("could not start ip " + string.Join(' ', args));
    }

    public void Dispose()
    {
        _disposed = true;
        List<Process> monitors;
        lock (_gate)
        {
            monitors = [.. _monitors];
        }

        foreach (var monitor in monitors)
        {
            try
            {
                monitor.Kill();
                monitor.WaitForExit();
            }
            catch (InvalidOperationException)
            {
            }

            monitor.Dispose();
        }
    }
}
