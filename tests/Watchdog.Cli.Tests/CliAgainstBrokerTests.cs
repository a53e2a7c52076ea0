using System.Text.Json;
using Watchdog.Cli.Tests.Support;

namespace Watchdog.Cli.Tests;

/// <summary>The real watchdogctl process against a real mosquitto, with a stand-in board that verifies commands.</summary>
public sealed class CliAgainstBrokerTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private StandInBoard _board = null!;
    private long _boardEpoch = 5;

    public async Task InitializeAsync()
    {
        _board = await StandInBoard.StartAsync("t1", "wd-cli", () => Interlocked.Read(ref _boardEpoch), (command, verdict) =>
            new CommandAck { Id = command.Id, Target = command.Target, Verdict = verdict, Epoch = _boardEpoch, Detail = "stand-in board", Timestamp = StandInBoard.Now() });

        var now = StandInBoard.Now();
        var t = _board.Topics;
        await _board.Retain(t.BoardStatus("b1"), MessageCodec.EncodePresence(Presence.Ready));
        await _board.Retain(t.BoardState("b1"), MessageCodec.Encode(new BoardStatus { Board = "b1", Presence = Presence.Ready, Epoch = 5, UptimeMs = 60_000, Channels = 2, Timestamp = now }));
        await _board.Retain(t.GroupRoles("db"), MessageCodec.Encode(new GroupRoles { Group = "db", Epoch = 5, Active = ["db1"], Standby = ["db2"], Ready = ["db2"], Timestamp = now }));
        await _board.Retain(t.NodeStatus("db1"), MessageCodec.EncodePresence(Presence.Ready));
        await _board.Retain(t.NodeState("db1"), MessageCodec.Encode(new NodeState { Node = "db1", Group = "db", Role = NodeRole.Active, Epoch = 5, Health = Health.Healthy, Feeding = true, Timestamp = now }));
        // Left behind by a broker that was killed: "ready", but ten minutes old.
        await _board.Retain(t.NodeStatus("db2"), MessageCodec.EncodePresence(Presence.Ready));
        await _board.Retain(t.NodeState("db2"), MessageCodec.Encode(new NodeState { Node = "db2", Group = "db", Role = NodeRole.Standby, Epoch = 5, Health = Health.Healthy, Timestamp = now - 600_000 }));
    }

    public async Task DisposeAsync() => await _board.DisposeAsync();

    [Fact]
    public async Task Status_json_shows_roles_epochs_and_marks_a_stale_retained_value()
    {
        var (exit, stdout, stderr) = await CliProcess.RunAsync(Timeout, "status", "--json", "-b", _board.BrokerAddress, "-c", "t1");
        Assert.True(exit == 0, stderr);
        using var json = JsonDocument.Parse(stdout.Trim().Split('\n')[^1]);
        var nodes = json.RootElement.GetProperty("nodes").EnumerateArray().ToDictionary(n => n.GetProperty("node").GetString()!);
        Assert.Equal("active", nodes["db1"].GetProperty("role").GetString());
        Assert.False(nodes["db1"].GetProperty("stale").GetBoolean());
        Assert.True(nodes["db2"].GetProperty("stale").GetBoolean());
        Assert.Equal(5, json.RootElement.GetProperty("groups")[0].GetProperty("epoch").GetInt64());
        Assert.Equal("db2", json.RootElement.GetProperty("groups")[0].GetProperty("ready")[0].GetString());
        Assert.Equal("ready", json.RootElement.GetProperty("boards")[0].GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_signed_fence_is_accepted_and_a_stale_epoch_is_refused_with_its_reason()
    {
        var accepted = await CliProcess.RunAsync(Timeout, "fence", "db2", "--yes", "-k", _board.KeyFile, "-b", _board.BrokerAddress, "-c", "t1");
        Assert.True(accepted.ExitCode == 0, accepted.Stdout + accepted.Stderr);
        Assert.Contains("accepted", accepted.Stdout, StringComparison.Ordinal);

        Interlocked.Exchange(ref _boardEpoch, 6);
        var refused = await CliProcess.RunAsync(Timeout, "fence", "db2", "--yes", "-k", _board.KeyFile, "-b", _board.BrokerAddress, "-c", "t1");
        Assert.Equal(3, refused.ExitCode);
        Assert.Contains("stale-epoch", refused.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_confirmation_nothing_is_sent()
    {
        var result = await CliProcess.RunAsync(Timeout, "reset", "db1", "-k", _board.KeyFile, "-b", _board.BrokerAddress, "-c", "t1");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("add --yes", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unreachable_broker_is_one_clear_line()
    {
        var result = await CliProcess.RunAsync(Timeout, "status", "-b", "127.0.0.1:1", "-c", "t1");
        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("watchdogctl: no broker answered: 127.0.0.1:1", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Stderr, StringComparison.Ordinal);
    }
}
