using Hardware.Tests.Bom;
using Hardware.Tests.PinMaps;

namespace Hardware.Tests.BomChecks;

public class BomTests
{
    [Theory]
    [InlineData("bom-2-servers.csv")]
    [InlineData("bom-8-servers.csv")]
    [InlineData("bom-2-servers-two-boards.csv")]
    public void Bom_is_well_formed_and_adds_up(string file)
    {
        var bom = BomCsv.Read(File.ReadAllText(Path.Combine(RepoPaths.Hardware, file)), file);

        Assert.NotEmpty(bom.Lines);
        Assert.Equal(bom.Lines.Sum(l => l.LineTotal), bom.Total);
    }

    [Theory]
    [InlineData("bom-2-servers.csv", 2)]
    [InlineData("bom-8-servers.csv", 8)]
    public void Bom_has_the_parts_each_server_needs(string file, int servers)
    {
        var bom = BomCsv.Read(File.ReadAllText(Path.Combine(RepoPaths.Hardware, file)), file);
        int Qty(string part) => bom.Lines.Where(l => l.PartNumber.StartsWith(part, StringComparison.Ordinal)).Sum(l => l.Qty);

        Assert.Equal(1, Qty("WT32-ETH01"));
        Assert.Equal(servers, Qty("FT232RL"));
        Assert.True(Qty("PC817C") >= servers * 3, "an opto per heartbeat, power-good and link input");
        Assert.True(Qty("AQY212EH") >= servers * 2, "a PhotoMOS per reset and power output");
        Assert.Equal(1, Qty("TPL5010"));
    }

    [Fact]
    public void Two_boards_double_the_board_side_and_add_the_pair_wires()
    {
        const string file = "bom-2-servers-two-boards.csv";
        var bom = BomCsv.Read(File.ReadAllText(Path.Combine(RepoPaths.Hardware, file)), file);
        int Qty(string part) => bom.Lines.Where(l => l.PartNumber.StartsWith(part, StringComparison.Ordinal)).Sum(l => l.Qty);
        bool Mentions(string words) => bom.Lines.Any(l => l.UsedFor.Contains(words, StringComparison.Ordinal));

        Assert.Equal(2, Qty("WT32-ETH01"));
        Assert.Equal(2, Qty("TPL5010"));
        Assert.Equal(2, Qty("FT232RL"));
        Assert.True(Qty("PC817C") >= (2 * 2 * 3) + 4, "an opto per fanned-out input on each board, plus each board's pair heartbeat in and peer reset out");
        Assert.True(Qty("AQY212EH") >= 2 * 2 * 2, "each board has its own PhotoMOS per reset and power output");
        Assert.True(Qty("MCP23017") >= 2, "the WT32-ETH01 has no free header pins for the pair unless its channels move to an expander");
        Assert.True(Mentions("UART"), "the data link cable");
        Assert.True(Mentions("B's EN"), "the reset wires between the boards");
    }

    [Fact]
    public void Eight_servers_need_expanders_for_the_channels_the_board_cannot_wire()
    {
        var map = PinMapReader.ReadFile(Path.Combine(RepoPaths.Boards, "wt32-eth01.json"));
        var bom = BomCsv.Read(File.ReadAllText(Path.Combine(RepoPaths.Hardware, "bom-8-servers.csv")), "bom-8-servers.csv");

        // 7 lines per full channel (HB, PG, LINK, RST, PWR, FENCE, ROLE), 16 per MCP23017.
        var expanders = bom.Lines.Where(l => l.PartNumber.StartsWith("MCP23017", StringComparison.Ordinal)).Sum(l => l.Qty);
        Assert.True(expanders * 16 >= 8 * 7, $"{expanders} MCP23017 give {expanders * 16} lines, 8 servers need {8 * 7}");
        Assert.True(map.Expansion is { ReplacesDirectChannels: true }, "the WT32-ETH01 map must say where the I2C bus goes");
        Assert.True(expanders <= map.Expansion!.Addresses.Count, "every expander needs an address the map lists");
    }

    /// <summary>The header line of every BOM; the malformed cases below differ only in the lines after it.</summary>
    private const string Header = "item,part_number,manufacturer,description,qty,unit_price_usd,line_total_usd,used_for\n";

    [Theory]
    [InlineData("item,part\n", "needs a header, at least one part and a TOTAL row")]
    [InlineData(Header + "1,X,Y,Z,2,1.50,3.50,u\nTOTAL,,,,,,3.50,\n", "line 2: line_total_usd 3.50 is not qty 2 x 1.50 = 3.00")]
    [InlineData(Header + "1,X,Y,Z,2,1.50,3.00,u\nTOTAL,,,,,,4.00,\n", "line 3: TOTAL says 4.00 but the lines add up to 3.00")]
    [InlineData(Header + "1,X,\"Y, Z\",Z,2,1.5,3.00,u\nTOTAL,,,,,,3.00,\n", "line 2: unit_price_usd \"1.5\" is not an amount like 12.50")]
    [InlineData(Header + "1,X,Y,Z,two,1.50,3.00,u\nTOTAL,,,,,,3.00,\n", "line 2: qty \"two\" is not a positive whole number")]
    [InlineData(Header + "1,X,Y,Z,2,1.50,3.00\nTOTAL,,,,,,3.00,\n", "line 2: has 7 fields, the header has 8")]
    [InlineData(Header + "1,X,\"Y,Z,2,1.50,3.00,u\n", "line 2: a quoted field is never closed")]
    public void Malformed_bom_is_rejected_with_the_line_and_reason(string csv, string expected)
    {
        var e = Assert.Throws<BomFormatException>(() => BomCsv.Read(csv, "test.csv"));
        Assert.Equal("test.csv" + (expected.StartsWith("line", StringComparison.Ordinal) ? " " : ": ") + expected, e.Message);
    }
}
