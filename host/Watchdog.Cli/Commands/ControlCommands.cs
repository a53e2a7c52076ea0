using System.CommandLine;
using Spectre.Console;
using Watchdog.Operator.Keys;
using Watchdog.Cli.Mqtt;
using Watchdog.Operator.Commands;
using Watchdog.Operator.Status;
using Watchdog.Protocol.Json;
using Watchdog.Protocol.Messages;
using Watchdog.Protocol.Signing;
using Watchdog.Protocol.Topics;
using Watchdog.Protocol.Wire;

namespace Watchdog.Cli.Commands;

/// <summary>
/// The commands that change a cluster: switchover, failback, fence, unfence, reset,
/// power-cycle, maintenance on|off. Each is signed with the cluster key, carries the group's
/// current epoch and a short lifetime, asks for confirmation, and reports the board's answer
/// (with the refusal reason when refused). A board that is still settling after its start
/// refuses every command, so each first waits for the board's status to say it has settled
/// (see <see cref="BoardSettleWait"/>).
/// </summary>
public static class ControlCommands
{
    public const int ExitAccepted = 0;
    public const int ExitRefused = 3;
    public const int ExitNoAnswer = 4;
    public const int ExitNotSettled = 5;

    public static IEnumerable<Command> Create()
    {
        yield return Make("switchover", "Planned switchover: demote the active, wait for its acknowledgement, promote a standby",
            CommandAction.Switchover, "group", withTo: true);
        yield return Make("failback", "Return the group's active role to its preferred member", CommandAction.Failback, "group");
        yield return Make("fence", "Fence a node: hold it off (reset held or powered off) so it cannot act", CommandAction.Fence, "node");
        yield return Make("unfence", "Release a fenced node so it may boot and rejoin as standby", CommandAction.Unfence, "node");
        yield return Make("reset", "Pulse a node's reset line", CommandAction.Reset, "node");
        yield return Make("power-cycle", "Force a node off and power it on again", CommandAction.PowerCycle, "node");

        var maintenance = new Command("maintenance", "Put a node in or out of maintenance (the board takes no action on it)");
        maintenance.Subcommands.Add(Make("on", "Start maintenance: no detection actions for this node", CommandAction.MaintenanceOn, "node"));
        maintenance.Subcommands.Add(Make("off", "End maintenance", CommandAction.MaintenanceOff, "node"));
        yield return maintenance;
    }

    private static Command Make(string name, string description, CommandAction action, string targetKind, bool withTo = false)
    {
        var cluster = new ClusterOptions();
        var target = new Argument<string>(targetKind) { Description = $"The {targetKind} the command is for" };
        var to = new Option<string?>("--to") { Description = "The member to promote (default: the board's choice by priority)" };
        var keyFile = new Option<string>("--key-file", "-k")
        {
            Description = "Operator key file, mode 0600: the operator.keys of 'watchdogctl keys generate' (env WATCHDOG_KEY_FILE)",
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable("WATCHDOG_KEY_FILE") ?? "/etc/watchdog/operator.keys",
        };
        var yes = new Option<bool>("--yes", "-y") { Description = "Do not ask for confirmation" };
        var ttl = new Option<int>("--ttl") { Description = "Seconds the signed command stays valid", DefaultValueFactory = _ => 30 };
        var timeout = new Option<int>("--timeout") { Description = "Seconds to wait for the board's answer", DefaultValueFactory = _ => 10 };
        var settleTimeout = new Option<int?>("--settle-timeout")
        {
            Description = "Seconds to wait for a board still settling after its start (default: the time it says it needs + 30)",
        };

        var command = new Command(name, description) { target };
        cluster.AddTo(command);
        if (withTo)
        {
            command.Options.Add(to);
        }

        command.Options.Add(keyFile);
        command.Options.Add(yes);
        command.Options.Add(ttl);
        command.Options.Add(timeout);
        command.Options.Add(settleTimeout);
        command.SetAction(async (result, ct) =>
        {
            var key = KeyFileReader.Read(result.GetValue(keyFile)!)[0];
            await using var connection = await cluster.ConnectAsync(result, ct).ConfigureAwait(false);
            var snapshot = new ClusterSnapshot(connection.Topics);
            await connection.SubscribeAsync(connection.Topics.Everything(), ct).ConfigureAwait(false);
            StatusCommand.Drain(connection, snapshot, TimeSpan.FromMilliseconds(400), ct);

            var targetName = result.GetValue(target)!;
            var board = BoardSettleWait.BoardFor(snapshot, targetName);
            var answerTimeout = TimeSpan.FromSeconds(result.GetValue(timeout));

            // Before anything is signed: the epoch may change when the board settles, and the
            // command's lifetime (--ttl) must not run out while we wait.
            var left = BoardSettleWait.SettleLeft(board is null ? null : snapshot.Boards[board].State, DateTimeOffset.UtcNow);
            if (left is { } settling && !WaitUntilSettled(connection, snapshot, board!, settling, 0, result.GetValue(settleTimeout), "nothing was sent", ct))
            {
                return ExitNotSettled;
            }

            var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            var signed = SignedCommands.Build(action, targetName, withTo ? result.GetValue(to) : null, snapshot.EpochFor(targetName), now, result.GetValue(ttl), key);

            var question = $"{WireWords.Of(action)} {targetName}{(signed.Argument.Length > 0 ? " to " + signed.Argument : "")} at epoch {signed.Epoch} in cluster {connection.Topics.Cluster}?";
            if (!result.GetValue(yes))
            {
                if (Console.IsInputRedirected)
                {
                    Console.Error.WriteLine($"watchdogctl: refusing to {question.TrimEnd('?')} without confirmation: add --yes");
                    return 2;
                }

                if (!AnsiConsole.Confirm(question, defaultValue: false))
                {
                    return 1;
                }
            }

            await connection.PublishAsync(connection.Topics.Command(targetName), MessageCodec.Encode(signed), retain: false, ct).ConfigureAwait(false);
            var ack = WaitForAck(connection, snapshot, signed.Id, answerTimeout, ct);

            // A race: the status we read was settled (a board that restarted since, say) or said
            // settled a moment before the board refused. Wait for a settled status newer than the
            // refusal and send once more: the same confirmed action and epoch, a fresh id and signature.
            if (board is not null && BoardSettleWait.IsSettlingRefusal(ack) && RefusedLeft(snapshot, board, ack!) is { } again)
            {
                Console.Error.WriteLine($"watchdogctl: command {signed.Id} was refused: {ack!.Detail}");
                if (!WaitUntilSettled(connection, snapshot, board, again, ack.Timestamp, result.GetValue(settleTimeout), $"command {signed.Id} was refused and not sent again", ct))
                {
                    return ExitNotSettled;
                }

                signed = SignedCommands.Build(action, targetName, signed.Argument, signed.Epoch, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), result.GetValue(ttl), key);
                await connection.PublishAsync(connection.Topics.Command(targetName), MessageCodec.Encode(signed), retain: false, ct).ConfigureAwait(false);
                ack = WaitForAck(connection, snapshot, signed.Id, answerTimeout, ct);
            }

            return Report(signed, ack);
        });
        return command;
    }

    /// <summary>Prints the progress line and waits for the settled status; on timeout prints why and returns false.</summary>
    private static bool WaitUntilSettled(
        ClusterConnection connection, ClusterSnapshot snapshot, string board, TimeSpan left, long notBeforeMs, int? overrideSeconds, string outcome, CancellationToken ct)
    {
        var bound = BoardSettleWait.Bound(left, overrideSeconds);
        Console.Error.WriteLine(BoardSettleWait.Progress(board, left, bound));
        if (WaitForSettled(connection, snapshot, board, notBeforeMs, bound, ct))
        {
            return true;
        }

        Console.Error.WriteLine($"watchdogctl: board {board} did not settle within {bound.TotalSeconds:0} s ({BoardSettleWait.LastSaid(snapshot, board, DateTimeOffset.UtcNow)}); {outcome}. " +
                                "Is its tick loop running? (watchdogctl status; --settle-timeout waits longer)");
        return false;
    }

    /// <summary>
    /// The grace left after a settling refusal, or null when the board does not report settling in
    /// its status (a board from before the field): then there is no settled status to wait for.
    /// </summary>
    private static TimeSpan? RefusedLeft(ClusterSnapshot snapshot, string board, CommandAck refusal)
    {
        var status = snapshot.Boards.TryGetValue(board, out var view) ? view.State : null;
        if (status is null || status.SettleLeftMs < 0)
        {
            return null;
        }

        var said = System.Text.RegularExpressions.Regex.Match(refusal.Detail, @"\((\d+) ms left\)");
        var leftMs = said.Success ? long.Parse(said.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : status.SettleLeftMs;
        return TimeSpan.FromMilliseconds(Math.Max(0, leftMs - (DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - refusal.Timestamp)));
    }

    /// <summary>
    /// Folds received messages into <paramref name="snapshot"/> until <paramref name="board"/>
    /// publishes a status that says it has settled, with a ts at or after <paramref name="notBeforeMs"/>
    /// (after a refusal: a status from before it proves nothing). False when the bound passes.
    /// </summary>
    private static bool WaitForSettled(ClusterConnection connection, ClusterSnapshot snapshot, string board, long notBeforeMs, TimeSpan bound, CancellationToken ct)
    {
        bool IsSettled() => snapshot.Boards.TryGetValue(board, out var view) && view.State is { Settled: true } s && s.Timestamp >= notBeforeMs;

        var deadline = DateTime.UtcNow + bound;
        while (!IsSettled())
        {
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
            {
                return false;
            }

            // Blocks until a message arrives (the board's status among them); the bound only caps it.
            if (connection.Received.TryTake(out var message, (int)Math.Ceiling(left.TotalMilliseconds), ct))
            {
                snapshot.Apply(message.Topic, message.Payload);
            }
        }

        return true;
    }

    private static CommandAck? WaitForAck(ClusterConnection connection, ClusterSnapshot snapshot, string id, TimeSpan timeout, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (!connection.Received.TryTake(out var message, 200, ct))
            {
                continue;
            }

            // Everything else still lands in the snapshot: a settled status that arrives with a refusal is needed for the resend.
            snapshot.Apply(message.Topic, message.Payload);

            if (connection.Topics.TryParse(message.Topic, out var parsed) && parsed?.Kind == TopicKind.CommandAck &&
                MessageCodec.TryDecode(message.Payload, out CommandAck? ack, out _) && ack?.Id == id)
            {
                return ack;
            }
        }

        return null;
    }

    private static int Report(SignedCommand command, CommandAck? ack)
    {
        if (ack is null)
        {
            Console.Error.WriteLine($"watchdogctl: no answer to command {command.Id} ({WireWords.Of(command.Action)} {command.Target}): is the board online? (watchdogctl status)");
            return ExitNoAnswer;
        }

        if (ack.Verdict == CommandVerdict.Accepted)
        {
            AnsiConsole.MarkupLine($"[green]accepted[/] {WireWords.Of(command.Action)} {Markup.Escape(command.Target)} (command {command.Id}, epoch {ack.Epoch}) {Markup.Escape(ack.Detail)}");
            return ExitAccepted;
        }

        AnsiConsole.MarkupLine($"[red]refused: {WireWords.Of(ack.Verdict)}[/] {Markup.Escape(ack.Detail)} (command {command.Id})");
        return ExitRefused;
    }
}
