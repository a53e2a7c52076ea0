using System.CommandLine;
using System.Text;
using Watchdog.Cli.Mqtt;
using Watchdog.Firmware.Core.Config;
using Watchdog.Operator;
using Watchdog.Operator.HomeAssistant;

namespace Watchdog.Cli.Commands;

/// <summary>
/// `watchdogctl homeassistant`: publishes Home Assistant's MQTT discovery configs for the boards
/// and nodes of the given board configurations (retained, so Home Assistant finds them whenever it
/// connects) and removes the configs of this cluster's members that left the configuration. Run
/// it again after every change of the board configuration. The entities read Watchdog's own
/// topics; nothing here stays running. Controls (buttons) are <c>homeassistant bridge</c>'s.
/// </summary>
public static class HomeAssistantCommand
{
    public const int ExitBadInput = 2;

    public static Command Create()
    {
        var cluster = new ClusterOptions();
        var boards = new Option<string[]>("--board-config")
        {
            Description = "A board's configuration (repeat for the two boards of a pair); the cluster, boards and nodes come from it",
            Required = true,
            AllowMultipleArgumentsPerToken = true,
        };
        var prefix = new Option<string>("--prefix") { Description = "Home Assistant's discovery prefix (the broker's ACL lets operators write homeassistant/#)", DefaultValueFactory = _ => DiscoveryConfigs.DefaultPrefix };
        var dryRun = new Option<bool>("--dry-run") { Description = "Print the configs (topic, then payload) and connect to no broker" };
        var command = new Command("homeassistant", "Publish Home Assistant MQTT discovery for the cluster's boards and nodes; remove it for members that left") { boards, prefix, dryRun };
        command.Subcommands.Add(HomeAssistantBridgeCommand.Create());
        cluster.AddTo(command);
        command.SetAction(async (result, ct) =>
        {
            var configs = new List<BoardConfig>();
            var errors = new List<string>();
            foreach (var path in result.GetValue(boards) ?? [])
            {
                if (BoardConfigFile.TryRead(path, out BoardConfig? config, out string error))
                {
                    configs.Add(config!);
                }
                else
                {
                    errors.Add(error);
                }
            }

            IReadOnlyList<DiscoveryConfig> wanted = [];
            if (errors.Count == 0)
            {
                try
                {
                    wanted = DiscoveryConfigs.For(configs, result.GetValue(prefix)!);
                }
                catch (ArgumentException e)
                {
                    errors.Add(e.Message);
                }
            }

            if (errors.Count > 0)
            {
                errors.ForEach(e => Console.Error.WriteLine($"watchdogctl: {e}"));
                return ExitBadInput;
            }

            if (result.GetValue(dryRun))
            {
                foreach (var c in wanted)
                {
                    Console.WriteLine(c.Topic);
                    Console.WriteLine(c.Payload);
                }

                return 0;
            }

            var name = configs[0].Cluster;
            await using var connection = await cluster.ConnectAsync(result, ct, name).ConfigureAwait(false);
            var found = await RetainedConfigsAsync(connection, result.GetValue(prefix)!, ct).ConfigureAwait(false);
            var stale = DiscoveryConfigs.Stale(found, wanted, name);
            foreach (var c in wanted)
            {
                await connection.PublishAsync(c.Topic, Encoding.UTF8.GetBytes(c.Payload), retain: true, ct).ConfigureAwait(false);
            }

            foreach (var topic in stale)
            {
                // An empty retained message deletes the retained config, and Home Assistant removes the entity.
                await connection.PublishAsync(topic, [], retain: true, ct).ConfigureAwait(false);
            }

            Console.WriteLine($"published {wanted.Count} discovery configs for cluster {name} (boards {string.Join(", ", configs.Select(c => c.Board))}); " +
                              (stale.Count == 0 ? "none stale" : $"removed {stale.Count} of members that left: {string.Join(", ", stale)}"));
            return 0;
        });
        return command;
    }

    /// <summary>
    /// The retained discovery configs on the broker now. The broker sends a subscription's retained
    /// messages before anything published after it: a marker published after subscribing, once it
    /// comes back, says they have all arrived.
    /// </summary>
    internal static async Task<List<(string Topic, string Payload)>> RetainedConfigsAsync(ClusterConnection connection, string prefix, CancellationToken ct)
    {
        var marker = $"{prefix}/watchdog-sync/{Guid.NewGuid():N}";
        await connection.SubscribeAsync(DiscoveryConfigs.Filter(prefix), ct).ConfigureAwait(false);
        await connection.SubscribeAsync(marker, ct).ConfigureAwait(false);
        await connection.PublishAsync(marker, [1], retain: false, ct).ConfigureAwait(false);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        var found = new List<(string, string)>();
        try
        {
            foreach (var message in connection.Received.GetConsumingEnumerable(timeout.Token))
            {
                if (message.Topic == marker)
                {
                    return found;
                }

                if (message.Retained)
                {
                    found.Add((message.Topic, Encoding.UTF8.GetString(message.Payload)));
                }
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
        }

        throw new BrokerUnreachableException($"the broker did not return the marker on {marker} within 10 s: is the user allowed to write {prefix}/#?");
    }
}
