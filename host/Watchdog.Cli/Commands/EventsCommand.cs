using System.CommandLine;
using Spectre.Console;
using Watchdog.Operator.Status;
using Watchdog.Protocol.Wire;

namespace Watchdog.Cli.Commands;

/// <summary>`watchdogctl events`: follows the event stream (detections, fences, grants, refusals).</summary>
public static class EventsCommand
{
    public static Command Create()
    {
        var cluster = new ClusterOptions();
        var json = new Option<bool>("--json") { Description = "Print each event's JSON payload on its own line" };
        var count = new Option<int>("--count", "-n") { Description = "Stop after this many events (0: follow until Ctrl-C)" };
        var command = new Command("events", "Follow the cluster's events");
        cluster.AddTo(command);
        command.Options.Add(json);
        command.Options.Add(count);
        command.SetAction(async (result, ct) =>
        {
            await using var connection = await cluster.ConnectAsync(result, ct).ConfigureAwait(false);
            var snapshot = new ClusterSnapshot(connection.Topics);
            await connection.SubscribeAsync(connection.Topics.AllEvents(), ct).ConfigureAwait(false);
            var limit = result.GetValue(count);
            var seen = 0;
            while (!ct.IsCancellationRequested && (limit == 0 || seen < limit))
            {
                if (!connection.Received.TryTake(out var message, 500, ct))
                {
                    if (!connection.IsConnected)
                    {
                        Console.Error.WriteLine($"watchdogctl: lost the broker {connection.Broker}");
                        return 1;
                    }

                    continue;
                }

                var ev = snapshot.Apply(message.Topic, message.Payload);
                if (ev is null)
                {
                    foreach (var problem in snapshot.Problems)
                    {
                        Console.Error.WriteLine($"watchdogctl: undecodable event: {problem}");
                    }

                    snapshot.Problems.Clear();
                    continue;
                }

                seen++;
                if (result.GetValue(json))
                {
                    Console.WriteLine(System.Text.Encoding.UTF8.GetString(message.Payload));
                    continue;
                }

                var colour = ev.Severity switch { Severity.Critical or Severity.Alert => "red", Severity.Warning => "yellow", _ => "grey" };
                var when = DateTimeOffset.FromUnixTimeMilliseconds(ev.Timestamp).ToLocalTime().ToString("HH:mm:ss.fff");
                AnsiConsole.MarkupLine(
                    $"{when} [{colour}]{WireWords.Of(ev.Severity),-8}[/] {Markup.Escape(ev.Source)} [bold]{Markup.Escape(ev.Kind)}[/] " +
                    $"{Markup.Escape(ev.Node)} epoch={ev.Epoch} {Markup.Escape(ev.Detail)}");
            }

            return 0;
        });
        return command;
    }
}
