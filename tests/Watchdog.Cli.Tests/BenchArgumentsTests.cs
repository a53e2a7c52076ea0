using Watchdog.Cli.Commands;

namespace Watchdog.Cli.Tests;

/// <summary>`watchdogctl bench --boards`: what it takes, and the one line it says when a board fault lacks a pair (no rack is started).</summary>
public sealed class BenchArgumentsTests
{
    [Fact]
    public void Boards_2_with_board_scenarios_parses()
    {
        var result = BenchCommand.Create().Parse(["--boards", "2", "--scenario", "board-crash,board-freeze,board-power-loss", "--runs", "5", "--json"]);

        Assert.Empty(result.Errors);
        Assert.Equal(2, result.GetValue<int>("--boards"));
        Assert.Equal("board-crash,board-freeze,board-power-loss", result.GetValue<string>("--scenario"));
    }

    [Fact]
    public void Boards_defaults_to_one()
    {
        var result = BenchCommand.Create().Parse(["--chaos", "--seed", "3"]);

        Assert.Empty(result.Errors);
        Assert.Equal(1, result.GetValue<int>("--boards"));
    }

    [Fact]
    public async Task A_board_scenario_without_a_pair_is_one_clear_line()
    {
        var result = await CliProcess.RunAsync(TimeSpan.FromSeconds(60), "bench", "--scenario", "agent-crash,board-crash", "--runs", "1");

        Assert.Equal(2, result.ExitCode);
        var line = Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal("watchdogctl: --scenario board-crash fails one board of a pair or the wires between them: it needs --boards 2", line);
    }

    [Fact]
    public void Frontier_takes_its_periods_and_the_soak()
    {
        var result = BenchCommand.Create().Parse(["--frontier", "--periods", "20,50", "--soak", "00:10:00", "--runs", "5", "--out", "frontier-out"]);

        Assert.Empty(result.Errors);
        Assert.True(result.GetValue<bool>("--frontier"));
        Assert.Equal("20,50", result.GetValue<string>("--periods"));
        Assert.Equal(TimeSpan.FromMinutes(10), result.GetValue<TimeSpan?>("--soak"));
    }

    [Fact]
    public async Task A_period_keepalived_cannot_advertise_at_is_one_clear_line()
    {
        var result = await CliProcess.RunAsync(TimeSpan.FromSeconds(60), "bench", "--frontier", "--periods", "10,15");

        Assert.Equal(2, result.ExitCode);
        var line = Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal("watchdogctl: --periods 10,15: 15 ms must be a multiple of 10 from 10 to 1000 (keepalived's VRRPv3 advert interval is in centiseconds; the agent's floor is 10 ms)", line);
    }

    [Fact]
    public async Task A_board_that_is_not_there_is_one_clear_line_naming_how_to_publish_it()
    {
        var missing = Path.Combine(Path.GetTempPath(), $"wd-no-board-{Guid.NewGuid():N}");

        var result = await CliProcess.RunAsync(TimeSpan.FromSeconds(60), "bench", "--scenario", "hang", "--runs", "1", "--board", missing);

        Assert.Equal(2, result.ExitCode);
        var line = Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal($"watchdogctl: --board {missing}: no such file (publish it first: dotnet publish firmware/Watchdog.Board -c Release -r linux-x64 -p:PublishAot=true -o DIR)", line);
    }

    [Fact]
    public async Task A_board_dll_instead_of_the_published_binary_is_refused()
    {
        var dll = Path.Combine(Path.GetTempPath(), $"wd-board-{Guid.NewGuid():N}.dll");
        await File.WriteAllBytesAsync(dll, [0x4d, 0x5a]);
        try
        {
            var result = await CliProcess.RunAsync(TimeSpan.FromSeconds(60), "bench", "--scenario", "hang", "--runs", "1", "--board", dll);

            Assert.Equal(2, result.ExitCode);
            var line = Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.Equal($"watchdogctl: --board {dll}: not executable (a published binary, not the .dll)", line);
        }
        finally
        {
            File.Delete(dll);
        }
    }
}
