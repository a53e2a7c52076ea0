using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Systemd;
using Microsoft.Extensions.Logging;
using Watchdog.Agent.Configuration;

namespace Watchdog.Agent.Hosting;

/// <summary>Runs the agent under the generic host (systemd notify when started by systemd, console otherwise).</summary>
public sealed class AgentService : BackgroundService
{
    private readonly AgentRuntime _runtime;
    private readonly ISystemdNotifier? _notifier;
    private readonly ILogger _log;
    private readonly bool _feedSystemd;

    public AgentService(AgentRuntime runtime, AgentOptions options, ILogger<AgentService> log, ISystemdNotifier? notifier = null)
    {
        _runtime = runtime;
        _notifier = notifier;
        _log = log;
        _feedSystemd = options.Systemd.FeedWatchdog;
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var tasks = new List<Task> { _runtime.RunAsync(stoppingToken) };
        if (_notifier != null && _feedSystemd)
        {
            tasks.Add(new SystemdWatchdog(_notifier, () => _runtime.Pump.Loops, _log).RunAsync(stoppingToken));
        }

        return Task.WhenAll(tasks);
    }
}
