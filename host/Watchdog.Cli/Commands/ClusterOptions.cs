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
        Description = "MQTT user name (env WATCHDOG_MQTT_USERNAME; password from env WATCHDOG_MQTT_PASSWORD)",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("WATCHDOG_MQTT_USERNAME") is { Length: > 0 } user ? user : null,
    };

    public Option<string?> CaFile { get; } = new("--ca-file")
    {
        Description = "Connect with TLS and trust the broker's certificate when this CA (PEM) signed it; brokers without a port then use 8883 (env WATCHDOG_CA_FILE)",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("WATCHDOG_CA_FILE"),
    };

    public void AddTo(Command command)
    {
        command.Options.Add(Brokers);
        command.Options.Add(Cluster);
        command.Options.Add(Username);
        command.Options.Add(CaFile);
    }

    /// <param name="cluster">The cluster to connect for, when the command knows it from elsewhere (a board configuration); null: --cluster.</param>
    /// <param name="will">A retained message for the broker to publish when the connection dies; null: none.</param>
    public Task<ClusterConnection> ConnectAsync(ParseResult result, CancellationToken ct, string? cluster = null, (string Topic, byte[] Payload)? will = null)
    {
        var caFile = result.GetValue(CaFile);
        if (string.IsNullOrEmpty(caFile))
        {
            caFile = null;
        }

        var defaultPort = caFile is null ? BrokerEndpoint.DefaultPort : BrokerEndpoint.DefaultTlsPort;
        var brokers = (result.GetValue(Brokers) ?? []).Select(b => BrokerEndpoint.Parse(b, defaultPort)).ToList();
        return ClusterConnection.ConnectAsync(
            brokers,
            cluster ?? result.GetValue(Cluster)!,
            result.GetValue(Username),
            Environment.GetEnvironmentVariable("WATCHDOG_MQTT_PASSWORD"),
            caFile,
            ct,
            will);
    }
}
