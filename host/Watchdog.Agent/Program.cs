using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Watchdog.Agent.Configuration;
using Watchdog.Agent.Hosting;

namespace Watchdog.Agent;

/// <summary>
/// Entry point: watchdog-agent --config /etc/watchdog/agent.json [--check-config].
/// Exit codes: 0 stopped normally, 2 configuration refused (the reasons go to stderr, one per
/// line, no stack trace), 1 anything else unexpected.
/// </summary>
public static class Program
{
    public const int ExitConfig = 2;
    public const int ExitFailure = 1;

    public static int Main(string[] args)
    {
        string? configPath = null;
        bool checkOnly = false;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--config" when i + 1 < args.Length:
                    configPath = args[++i];
                    break;
                case "--check-config":
                    checkOnly = true;
                    break;
                case "-h":
                case "--help":
                    Console.WriteLine("usage: Watchdog.Agent --config <file.json> [--check-config]");
                    Console.WriteLine("environment overrides: WATCHDOG_AGENT__<Section>__<Key>=value (see docs/agent.md)");
                    return 0;
                default:
                    Console.Error.WriteLine("watchdog-agent: unknown argument '" + args[i] + "' (usage: --config <file.json> [--check-config])");
                    return ExitConfig;
            }
        }

        AgentOptions options;
        try
        {
            options = ConfigLoader.Load(configPath ?? "");
            if (checkOnly)
            {
                Console.WriteLine("configuration OK: " + configPath);
                return 0;
            }

            return Run(options);
        }
        catch (ConfigException ex)
        {
            Console.Error.WriteLine("watchdog-agent: refusing to start, the configuration has " + ex.Problems.Count + " problem(s):");
            foreach (string p in ex.Problems)
            {
                Console.Error.WriteLine("  " + p);
            }

            return ExitConfig;
        }
        catch (Exception ex)
        {
            // Last resort: one line for the journal, no stack trace (the log has details at debug level).
            Console.Error.WriteLine("watchdog-agent: stopped by an unexpected error: " + ex.GetType().Name + ": " + ex.Message);
            return ExitFailure;
        }
    }

    private static int Run(AgentOptions options)
    {
        // The empty builder: no appsettings.json watcher, no command-line or user-secrets
        // configuration, no debug/event-source log providers. The agent has its own config file
        // and only needs console logging (journal-formatted under systemd) and the systemd lifetime.
        HostApplicationBuilder builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings
        {
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Services.AddSystemd();
        builder.Logging.AddConsole();
        builder.Logging.SetMinimumLevel(LogLevel.Information);
        builder.Logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Warning);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(options);
        // Role changes: hooks and the virtual IP from the Failover section (docs/failover.md).
        builder.Services.AddSingleton<Roles.IRoleActions>(sp => new Roles.FailoverRoleActions(
            Watchdog.Failover.RoleExecutor.ForThisHost(options.Failover, sp.GetRequiredService<ILoggerFactory>().CreateLogger("failover")), options.Node));
        builder.Services.AddSingleton(sp => new AgentRuntime(options, sp.GetRequiredService<ILoggerFactory>(), TimeProvider.System, sp.GetService<Roles.IRoleActions>()));
        builder.Services.AddHostedService<AgentService>();
        builder.Services.Configure<HostOptions>(h => h.ShutdownTimeout = TimeSpan.FromSeconds(10));
        using IHost host = builder.Build();
        // Build the agent before running the host, so a problem found while wiring it (an
        // unreadable key file) is refused like any other configuration problem, not logged as a crash.
        _ = host.Services.GetRequiredService<AgentRuntime>();
        host.Run();
        return 0;
    }
}
