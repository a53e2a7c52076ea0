using System.Globalization;
using Microsoft.Extensions.Hosting.Systemd;
using Microsoft.Extensions.Logging;

namespace Watchdog.Agent.Hosting;

/// <summary>
/// Feeds systemd's own watchdog (WatchdogSec= in the unit). Microsoft.Extensions.Hosting.Systemd
/// sends READY=1 and STOPPING=1 but never WATCHDOG=1 and ignores WATCHDOG_USEC, so this does it:
/// every WATCHDOG_USEC/2 it sends WATCHDOG=1 through the same notify socket, but only while the
/// heartbeat thread is still going round its loop. A wedged agent therefore gets killed and
/// restarted by systemd, while its stopped heartbeat has already told the board.
/// </summary>
public sealed class SystemdWatchdog
{
    private readonly ISystemdNotifier _notifier;
    private readonly Func<long> _progress;
    private readonly ILogger _log;

    public SystemdWatchdog(ISystemdNotifier notifier, Func<long> progress, ILogger log)
    {
        _notifier = notifier;
        _progress = progress;
        _log = log;
    }

    /// <summary>The interval systemd asks for, or null when it does not supervise this process.</summary>
    public static TimeSpan? RequestedInterval()
    {
        string? usec = Environment.GetEnvironmentVariable("WATCHDOG_USEC");
        if (usec == null || !long.TryParse(usec, NumberStyles.None, CultureInfo.InvariantCulture, out long us) || us <= 0)
        {
            return null;
        }

        // WATCHDOG_PID, when set, names the process systemd expects the pings from.
        string? pid = Environment.GetEnvironmentVariable("WATCHDOG_PID");
        if (pid != null && pid != Environment.ProcessId.ToString(CultureInfo.InvariantCulture))
        {
            return null;
        }

        return TimeSpan.FromMicroseconds(us);
    }

    public async Task RunAsync(CancellationToken stopping)
    {
        TimeSpan? interval = RequestedInterval();
        if (interval == null || !_notifier.IsEnabled)
        {
            return;
        }

        TimeSpan every = interval.Value / 2;
        _log.LogInformation("feeding the systemd watchdog every {Ms} ms", (long)every.TotalMilliseconds);
        long last = -1;
        while (!stopping.IsCancellationRequested)
        {
            long now = _progress();
            if (now != last)
            {
                _notifier.Notify(new ServiceState("WATCHDOG=1"));
                last = now;
            }
            else
            {
                _log.LogCritical("heartbeat thread made no progress for {Ms} ms; not feeding systemd's watchdog", (long)every.TotalMilliseconds);
            }

            try
            {
                await Task.Delay(every, stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
