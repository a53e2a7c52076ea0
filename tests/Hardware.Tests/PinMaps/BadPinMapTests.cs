using System.Text.Json;
using Hardware.Tests.PinMaps;

namespace Hardware.Tests.PinMapChecks;

/// <summary>
/// Known-bad pin maps under BadPinMaps/: each breaks exactly one rule, says which in its
/// "expected_error" field, and must be rejected with that message and nothing else.
/// </summary>
public class BadPinMapTests
{
    public static TheoryData<string> BadFiles()
    {
        var data = new TheoryData<string>();
        foreach (var f in Directory.GetFiles(RepoPaths.BadPinMaps, "*.json").OrderBy(f => f, StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(f));
        }
        return data;
    }

    [Fact]
    public void There_are_bad_examples_for_the_main_rules()
    {
        Assert.True(BadFiles().Count >= 12);
    }

    [Theory]
    [MemberData(nameof(BadFiles))]
    public void Bad_pin_map_is_rejected_with_the_expected_message(string fileName)
    {
        var path = Path.Combine(RepoPaths.BadPinMaps, fileName);
        var json = File.ReadAllText(path);
        using var doc = JsonDocument.Parse(json);
        var expected = doc.RootElement.GetProperty("expected_error").GetString()!;

        IReadOnlyList<string> problems;
        try
        {
            var map = PinMapReader.Parse(json, fileName);
            problems = PinMapValidator.Validate(map, fileName);
        }
        catch (PinMapFormatException e)
        {
            problems = [e.Message];
        }

        var only = Assert.Single(problems);
        Assert.EndsWith(expected, only);
    }

    [Fact]
    public void Text_that_is_not_json_is_reported_with_the_file_name()
    {
        var e = Assert.Throws<PinMapFormatException>(() => PinMapReader.Parse("{ \"board\": ", "broken.json"));
        Assert.StartsWith("broken.json: not valid JSON", e.Message);
    }

    [Fact]
    public void A_string_where_a_pin_number_belongs_is_reported_by_its_path()
    {
        var json = File.ReadAllText(Path.Combine(RepoPaths.Boards, "wt32-eth01.json"))
            .Replace("\"reset\": 4,", "\"reset\": \"4\",", StringComparison.Ordinal);
        var e = Assert.Throws<PinMapFormatException>(() => PinMapReader.Parse(json, "wt32-eth01.json"));
        Assert.Equal("wt32-eth01.json: field 'channels[0].reset' must be a whole number, found a string", e.Message);
    }
}
