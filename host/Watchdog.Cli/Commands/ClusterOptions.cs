using System.CommandLine;
using Watchdog.Cli.Mqtt;

namespace Watchdog.Cli.Commands;

/// <summary>The options every command that talks to a cluster shares, with their environment defaults.</summary>
public sealed class ClusterOptions
{
    public Option<string[]> Brokers { get; } = new("--broker", "-b")
    {
        Description = "Broker as host[:port]; repeat for fallbacks, tried in order (env WATCHDOG_BROKER)",
        AllowMultipleArgumentsPerToken = true,
        DefaultValueFactory = _ => [Environment.GetEnvironmentVariable("WATCHDOG_BROKER") ?? "127.0.0.1:1883"],
    };

    public Option<string> Cluster { get; } = new("--cluster", "-c")
    {
        Description = "Cluster name, the third level of every topic (env WATCHDOG_CLUSTER)",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("WATCHDOG_CLUSTER") ?? "demo",
    };

    public Option<string?> Username { get; } = new("--username")
    {
        Description = "MQTT user name (password from env WATCHDOG_MQTT_PASSWORD)",
    };

    public void AddTo(Command command)
    {
        command.Options.Add(Brokers);
        command.Options.Add(Cluster);
        command.Options.Add(Username);
    }

    public Task<ClusterConnection> ConnectAsync(ParseResult result, CancellationToken ct)
    {
        var brokers = (result.GetValue(Brokers) ?? []).Select(BrokerEndpoint.Parse).ToList();
        return ClusterConnection.ConnectAsync(
            brokers,
            result.GetValue(Cluster)!,
            result.GetValue(Username),
            Environment.GetEnvironmentVariable("WATCHDOG_MQTT_PASSWORD"),
            ct);
    }
}
