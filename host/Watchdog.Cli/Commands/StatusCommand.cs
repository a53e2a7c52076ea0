using System.CommandLine;
using Spectre.Console;
using Watchdog.Cli.Mqtt;
using Watchdog.Operator.Status;

namespace Watchdog.Cli.Commands;

/// <summary>`watchdogctl status`: boards, groups, nodes, roles, epochs, health and the age of every value.</summary>
public static class StatusCommand
{
    public static Command Create()
    {
        var cluster = new ClusterOptions();
        var watch = new Option<bool>("--watch", "-w") { Description = "Keep the view open and update it live" };
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of tables" };
        var staleAfter = new Option<int>("--stale-after") { Description = "Seconds after which a value counts as stale", DefaultValueFactory = _ => 15 };
        var command = new Command("status", "Show boards, groups and nodes with roles, epochs, health and freshness");
        cluster.AddTo(command);
        command.Options.Add(watch);
        command.Options.Add(json);
        command.Options.Add(staleAfter);
        command.SetAction(async (result, ct) =>
        {
            await using var connection = await cluster.ConnectAsync(result, ct).ConfigureAwait(false);
            var snapshot = new ClusterSnapshot(connection.Topics);
            await connection.SubscribeAsync(connection.Topics.Everything(), ct).ConfigureAwait(false);
            var stale = TimeSpan.FromSeconds(result.GetValue(staleAfter));
            Drain(connection, snapshot, quietFor: TimeSpan.FromMilliseconds(400), ct);

            if (result.GetValue(json))
            {
                Console.WriteLine(StatusRenderer.ToJson(snapshot, DateTimeOffset.UtcNow, stale));
                return 0;
            }

            if (!result.GetValue(watch))
            {
                AnsiConsole.Write(StatusRenderer.Render(snapshot, DateTimeOffset.UtcNow, stale));
                return 0;
            }

            await AnsiConsole.Live(StatusRenderer.Render(snapshot, DateTimeOffset.UtcNow, stale)).StartAsync(async live =>
            {
                while (!ct.IsCancellationRequested && connection.IsConnected)
                {
                    Drain(connection, snapshot, quietFor: TimeSpan.FromMilliseconds(200), ct);
                    live.UpdateTarget(StatusRenderer.Render(snapshot, DateTimeOffset.UtcNow, stale));
                    await Task.Delay(250, ct).ConfigureAwait(false);
                }
            }).ConfigureAwait(false);
            return connection.IsConnected ? 0 : 1;
        });
        return command;
    }

    /// <summary>Folds messages in until none arrived for <paramref name="quietFor"/> (retained values come in a burst).</summary>
    internal static void Drain(ClusterConnection connection, ClusterSnapshot snapshot, TimeSpan quietFor, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (DateTime.UtcNow < deadline && connection.Received.TryTake(out var message, quietFor))
        {
            ct.ThrowIfCancellationRequested();
            snapshot.Apply(message.Topic, message.Payload);
        }
    }
}
