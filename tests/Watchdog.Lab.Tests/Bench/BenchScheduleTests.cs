using Watchdog.Lab.Bench;

namespace Watchdog.Lab.Tests.Bench;

/// <summary>What --scenario and --boards make the bench run, and what chaos draws from (no rack: pure parsing).</summary>
public class BenchScheduleTests
{
    [Fact]
    public void Board_faults_parse_with_a_pair_of_boards()
    {
        var faults = BenchSchedule.Parse("board-crash,board-freeze,board-power-loss", 2);

        Assert.Equal([BoardFaults.Crash, BoardFaults.Freeze, BoardFaults.PowerLoss], faults.Select(f => f.Board));
        Assert.All(faults, f => Assert.True(f.NeedsPair));
    }

    [Theory]
    [InlineData("board-crash")]
    [InlineData("agent-crash,board-freeze")]
    [InlineData("pair-link-cut")]
    public void A_pair_fault_without_a_pair_says_it_needs_boards_2(string scenario)
    {
        var error = Assert.Throws<FormatException>(() => BenchSchedule.Parse(scenario, 1));

        Assert.Contains("needs --boards 2", error.Message, StringComparison.Ordinal);
        Assert.Contains(scenario.Split(',').Last(), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Server_faults_still_parse_with_either_rack_aliases_included()
    {
        Assert.Equal([FaultCatalogue.AgentCrash, FaultCatalogue.Hang], BenchSchedule.Parse("kill-9,freeze", 1).Select(f => f.Server));
        Assert.Equal([FaultCatalogue.AgentCrash, FaultCatalogue.Hang], BenchSchedule.Parse("agent-crash,hang", 2).Select(f => f.Server));
    }

    [Fact]
    public void Unknown_names_and_board_counts_are_refused()
    {
        Assert.Contains("board-crash", Assert.Throws<FormatException>(() => BenchSchedule.Parse("meteor", 2)).Message, StringComparison.Ordinal);
        Assert.Contains("--boards 3", Assert.Throws<FormatException>(() => BenchSchedule.Parse("agent-crash", 3)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void All_means_the_catalogue_and_with_a_pair_the_board_faults_too()
    {
        Assert.Equal(FaultCatalogue.All.Select(f => f.Name), BenchSchedule.Parse("all", 1).Select(f => f.Name));
        Assert.Equal(FaultCatalogue.All.Select(f => f.Name).Concat(BoardFaults.All.Select(f => f.Name)), BenchSchedule.Parse("all", 2).Select(f => f.Name));
    }

    [Fact]
    public void Chaos_with_one_board_draws_the_catalogue_in_its_order_so_seeded_schedules_do_not_change() =>
        Assert.Equal(FaultCatalogue.All, BenchSchedule.ChaosPool(1).Select(f => f.Server));

    [Fact]
    public void Chaos_with_a_pair_also_draws_the_board_faults_and_the_pair_wire_faults()
    {
        var pool = BenchSchedule.ChaosPool(2);

        Assert.Equal(FaultCatalogue.All, pool.Take(FaultCatalogue.All.Count).Select(f => f.Server));
        Assert.Equal(
            ["board-crash", "board-freeze", "board-power-loss", "pair-heartbeat-cut", "pair-link-cut"],
            pool.Skip(FaultCatalogue.All.Count).Select(f => f.Name));
    }

    [Fact]
    public void Results_of_a_pair_are_named_two_boards() =>
        Assert.Equal(
            ["two-boards-failover-board-crash-board-freeze-board-power-loss", "two-boards-chaos", "chaos"],
            [
                BenchRun.ResultsWhat(new BenchSettings { Boards = 2, Scenario = "board-crash,board-freeze,board-power-loss" }, null),
                BenchRun.ResultsWhat(new BenchSettings { Boards = 2, Chaos = true }, null),
                BenchRun.ResultsWhat(new BenchSettings { Chaos = true }, null),
            ]);
}
