using System.Collections.Concurrent;
using Watchdog.Cli.Commands;
using Watchdog.Cli.Tests.Support;

namespace Watchdog.Cli.Tests;

/// <summary>
/// watchdogctl against a board that is still settling after its start: it waits for the board's
/// settled status (a message) and only then sends; after a settling refusal (a race) it waits for a
/// newer settled status and sends once more with a fresh id and signature; past its bound it says
/// so and sends nothing. A stand-in board on a real mosquitto plays the board.
/// </summary>
public sealed class CliSettleWaitTests : IAsyncLifetime
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);
    private readonly ConcurrentQueue<SignedCommand> _commands = new();
    private StandInBoard _board = null!;
    private volatile bool _settled;
    private volatile bool _refuseNextAsSettling;

    public async Task InitializeAsync()
    {
        _board = await StandInBoard.StartAsync("t2", "wd-cli-settle", () => 5, (command, verdict) =>
        {
            _commands.Enqueue(command);
            var detail = "stand-in board";
            if (verdict == CommandVerdict.Accepted && (!_settled || _refuseNextAsSettling))
            {
                // What CommandDesk says during the boot grace.
                _refuseNextAsSettling = false;
                verdict = CommandVerdict.NotAllowed;
                detail = CommandRefusals.Settling + " (1500 ms left); try again in a few seconds";
            }

            return new CommandAck { Id = command.Id, Target = command.Target, Verdict = verdict, Epoch = 5, Detail = detail, Timestamp = StandInBoard.Now() };
        });
        var t = _board.Topics;
        await _board.Retain(t.BoardStatus("b1"), MessageCodec.EncodePresence(Presence.Ready));
        await _board.Retain(t.GroupRoles("db"), MessageCodec.Encode(new GroupRoles { Group = "db", Epoch = 5, Active = ["db1"], Standby = ["db2"], Ready = ["db2"], Timestamp = StandInBoard.Now() }));
        await _board.Retain(t.BoardChannel("b1", "s2"), MessageCodec.Encode(new ChannelReading { Board = "b1", Channel = "s2", Node = "db2", State = ChannelState.Healthy, Timestamp = StandInBoard.Now() }));
    }

    public async Task DisposeAsync() => await _board.DisposeAsync();

    [Fact]
    public async Task A_command_while_the_board_settles_waits_for_its_settled_status_and_is_sent_once()
    {
        await PublishStatus(settled: false, leftMs: 4000);
        using var cli = CliProcess.Start("switchover", "db", "--yes", "-k", _board.KeyFile, "-b", _board.BrokerAddress, "-c", "t2");

        var progress = await cli.WaitForLineAsync("is settling", Bound);
        Assert.Matches(@"^board b1 is settling after its start: ~\d s left; waiting \(up to 3\d s\)$", progress);
        Assert.Empty(_commands); // nothing is sent while the board settles

        _settled = true;
        await PublishStatus(settled: true, leftMs: 0);
        Assert.Equal(ControlCommands.ExitAccepted, await cli.WaitForExitAsync(Bound));
        Assert.Contains("accepted switchover db", cli.Stdout, StringComparison.Ordinal);
        Assert.Single(_commands);
    }

    [Fact]
    public async Task A_settling_refusal_after_a_settled_status_is_waited_out_and_sent_again_with_a_fresh_id_and_signature()
    {
        // The retained status says settled (a board that restarted since would leave this behind), but the board refuses.
        _settled = true;
        _refuseNextAsSettling = true;
        await PublishStatus(settled: true, leftMs: 0);
        using var cli = CliProcess.Start("failback", "db", "--yes", "-k", _board.KeyFile, "-b", _board.BrokerAddress, "-c", "t2");

        await cli.WaitForLineAsync("is settling", Bound);
        Assert.Single(_commands);
        await PublishStatus(settled: true, leftMs: 0); // newer than the refusal
        Assert.Equal(ControlCommands.ExitAccepted, await cli.WaitForExitAsync(Bound));

        var sent = _commands.ToArray();
        Assert.Equal(2, sent.Length);
        Assert.NotEqual(sent[0].Id, sent[1].Id);
        Assert.NotEqual(sent[0].Signature, sent[1].Signature);
        Assert.Equal(sent[0].Epoch, sent[1].Epoch); // the epoch the operator confirmed, not a new one
        Assert.Contains("was refused: " + CommandRefusals.Settling, cli.Stderr, StringComparison.Ordinal);
        Assert.Contains("accepted failback db", cli.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_board_that_does_not_settle_within_the_bound_gets_nothing_and_the_operator_a_clear_error()
    {
        await PublishStatus(settled: false, leftMs: 500);
        var result = await CliProcess.RunAsync(Bound, "fence", "db2", "--yes", "--settle-timeout", "2", "-k", _board.KeyFile, "-b", _board.BrokerAddress, "-c", "t2");

        Assert.Equal(ControlCommands.ExitNotSettled, result.ExitCode);
        Assert.Contains("board b1 did not settle within 2 s", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("nothing was sent", result.Stderr, StringComparison.Ordinal);
        Assert.Empty(_commands);
    }

    private Task PublishStatus(bool settled, long leftMs) =>
        _board.Retain(_board.Topics.BoardState("b1"), MessageCodec.Encode(new BoardStatus { Board = "b1", Presence = Presence.Ready, Epoch = 5, Channels = 2, Settled = settled, SettleLeftMs = leftMs, Timestamp = StandInBoard.Now() }));
}
