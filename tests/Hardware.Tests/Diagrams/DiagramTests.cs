using Hardware.Tests.Diagrams;
using Hardware.Tests.PinMaps;

namespace Hardware.Tests.DiagramChecks;

/// <summary>
/// The wiring diagrams under hardware/diagrams/ are generated from the pin maps. Each test
/// regenerates one and fails if the checked-in file differs, so a diagram cannot drift from
/// its map. WATCHDOG_REWRITE=1 writes the regenerated files instead.
/// </summary>
public class DiagramTests
{
    /// <summary>The board the rack overview is drawn for: the recommended Ethernet board.</summary>
    public const string OverviewBoard = "wt32-eth01";

    /// <summary>The dual-board wiring, drawn from code (the board-to-board wiring is the same for every board type).</summary>
    public const string TwoBoardsDiagram = "rack-two-boards.svg";

    public static TheoryData<string> BoardNames() => PinMapChecks.PinMapTests.BoardNames();

    [Theory]
    [MemberData(nameof(BoardNames))]
    public void Board_diagram_matches_its_pin_map(string board)
    {
        var source = board + ".json";
        var map = PinMapReader.ReadFile(Path.Combine(RepoPaths.Boards, source));

        CheckOrRewrite(board + ".svg", BoardDiagram.Render(map, source));
    }

    [Fact]
    public void Rack_overview_matches_its_pin_map()
    {
        var source = OverviewBoard + ".json";
        var map = PinMapReader.ReadFile(Path.Combine(RepoPaths.Boards, source));

        CheckOrRewrite("rack-active-standby.svg", RackOverview.Render(map, source));
    }

    [Fact]
    public void Two_board_rack_matches_its_generator()
    {
        CheckOrRewrite(TwoBoardsDiagram, RackTwoBoards.Render());
    }

    [Fact]
    public void Two_board_rack_labels_do_not_overlap_and_stay_inside()
    {
        var svg = RackTwoBoards.Render();

        var problems = SvgLabels.Overlapping(svg).Concat(SvgLabels.Outside(svg, 1400, 1090)).ToList();

        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
    }

    [Fact]
    public void Overlap_check_finds_labels_drawn_over_each_other()
    {
        var svg = new SvgWriter(200, 100);
        svg.Text(10, 50, "power-good", 12);
        svg.Text(60, 54, "reset", 12);
        svg.Text(10, 80, "apart", 12);
        svg.Text(150, 80, "edge-crossing", 12);

        Assert.Single(SvgLabels.Overlapping(svg.ToString()));
        Assert.Single(SvgLabels.Outside(svg.ToString(), 200, 100));
    }

    [Fact]
    public void Two_board_rack_shows_every_wire_between_the_boards_and_to_both_servers()
    {
        var texts = SvgLabels.Read(RackTwoBoards.Render()).Select(l => l.Text).ToList();

        foreach (var end in new[] { "HB out", "HB in", "RST out", "EN", "TX", "RX", "GND" })
        {
            Assert.Equal(2, texts.Count(t => t == end));
        }
        foreach (var signal in new[] { "heartbeat", "power-good", "link", "reset", "power", "role", "fence" })
        {
            // Each server's signal is drawn at both boards.
            Assert.Equal(2, texts.Count(t => t == $"A {signal}"));
            Assert.Equal(2, texts.Count(t => t == $"B {signal}"));
        }
    }

    [Fact]
    public void Every_used_pin_appears_in_its_board_diagram()
    {
        foreach (var file in RepoPaths.BoardFiles())
        {
            var map = PinMapReader.ReadFile(file);
            var svg = BoardDiagram.Render(map, Path.GetFileName(file));
            foreach (var use in PinMapValidator.Uses(map))
            {
                Assert.Contains($">{SignalStyles.PinLabel(map, use.Gpio)}<", svg, StringComparison.Ordinal);
                Assert.Contains($">{SignalStyles.ShortName(use)}<", svg, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public void No_diagram_is_left_over_from_a_board_that_is_gone()
    {
        var expected = RepoPaths.BoardFiles().Select(f => Path.GetFileNameWithoutExtension(f) + ".svg")
            .Append("rack-active-standby.svg").Append(TwoBoardsDiagram).OrderBy(f => f, StringComparer.Ordinal);
        var present = Directory.GetFiles(RepoPaths.Diagrams).Select(Path.GetFileName).OrderBy(f => f, StringComparer.Ordinal);

        Assert.Equal(expected, present);
    }

    [Fact]
    public void Every_diagram_the_README_shows_or_links_exists()
    {
        var readme = File.ReadAllText(Path.Combine(RepoPaths.Hardware, "README.md"));
        var linked = System.Text.RegularExpressions.Regex.Matches(readme, @"diagrams/([a-z0-9-]+\.svg)").Select(m => m.Groups[1].Value).Distinct().ToList();

        Assert.Contains(TwoBoardsDiagram, linked);
        Assert.All(linked, f => Assert.True(File.Exists(Path.Combine(RepoPaths.Diagrams, f)), $"hardware/README.md links diagrams/{f}, which does not exist"));
        Assert.All(Directory.GetFiles(RepoPaths.Diagrams).Select(Path.GetFileName), f => Assert.Contains(f!, linked));
    }

    [Fact]
    public void Rendering_is_deterministic()
    {
        var map = PinMapReader.ReadFile(Path.Combine(RepoPaths.Boards, "raspberry-pi.json"));
        Assert.Equal(BoardDiagram.Render(map, "raspberry-pi.json"), BoardDiagram.Render(map, "raspberry-pi.json"));
    }

    [Fact]
    public void Overview_draws_missing_fence_and_role_as_expander_lines()
    {
        var map = PinMapReader.ReadFile(Path.Combine(RepoPaths.Boards, OverviewBoard + ".json"));
        var svg = RackOverview.Render(map, OverviewBoard + ".json");

        Assert.Null(map.Channels[0].Fence);
        Assert.Contains(">(MCP23017)<", svg, StringComparison.Ordinal);
        Assert.Contains($">GPIO{map.Channels[1].Reset}<", svg, StringComparison.Ordinal);
    }

    private static void CheckOrRewrite(string fileName, string generated)
    {
        var path = Path.Combine(RepoPaths.Diagrams, fileName);
        if (RepoPaths.RewriteRequested)
        {
            Directory.CreateDirectory(RepoPaths.Diagrams);
            File.WriteAllText(path, generated);
            return;
        }
        Assert.True(File.Exists(path), $"{path} is missing; run WATCHDOG_REWRITE=1 dotnet test tests/Hardware.Tests");
        var checkedIn = File.ReadAllText(path).Replace("\r\n", "\n", StringComparison.Ordinal);
        Assert.True(checkedIn == generated,
            $"hardware/diagrams/{fileName} differs from what its pin map generates; run WATCHDOG_REWRITE=1 dotnet test tests/Hardware.Tests and commit the result");
    }
}
