using System.Text.Json;
using Watchdog.Bench.Results;

namespace Watchdog.Bench.Tests.Results;

public class ResultWritersTests
{
    private static List<BenchResult> Runs() =>
    [
        new("kill-9", "keepalived-tuned", 0, 150, null, 150, 170, 8000, 0, null, 0, 1, 9000),
        new("kill-9", "keepalived-tuned", 1, 160, null, 160, 190, 7900, 0, null, 0, 1, 9000),
        new("kill-9", "keepalived-tuned", 2, 140, null, 140, null, 7950, 1, null, 12, 2, 9000, "odd run"),
        new("freeze", "keepalived-tuned", 0, 170, null, 170, 200, 5800, 1, null, 190, 2, 9000),
    ];

    [Fact]
    public void Summaries_group_by_scenario_and_peer_in_first_seen_order()
    {
        IReadOnlyList<ScenarioSummary> summaries = ScenarioSummary.Summarize(Runs());

        Assert.Equal(["kill-9", "freeze"], summaries.Select(s => s.Scenario));
        ScenarioSummary kill = summaries[0];
        Assert.Equal(3, kill.Runs);
        Assert.Equal(2, kill.RtoMs.Count);
        Assert.Equal(1, kill.RtoMs.Missing);
        Assert.Equal(190, kill.RtoMs.Max);
        Assert.Equal(3, kill.FenceMs.Missing); // keepalived cannot fence: all missing, none zero
        Assert.Equal(1, kill.Flaps.Max);
    }

    [Fact]
    public void Markdown_table_has_a_row_per_scenario_and_notes_missing_values()
    {
        string table = MarkdownReport.Table(ScenarioSummary.Summarize(Runs()));
        string[] lines = table.TrimEnd().Split('\n');

        Assert.Equal(4, lines.Length); // header, separator, two rows
        Assert.StartsWith("| scenario | peer | runs | RTO (ms) p50 / p95 / p99 / max |", lines[0]);
        Assert.Equal("| kill-9 | keepalived-tuned | 3 | 170 / 190 / 190 / 190 (1 missing) | 7950 / 8000 / 8000 / 8000 | 0 / 1 / 1 / 1 |", lines[2]);
        Assert.All(lines, l => Assert.Equal(lines[0].Count(c => c == '|'), l.Count(c => c == '|')));
    }

    [Fact]
    public void Json_uses_snake_case_keeps_nulls_and_round_trips()
    {
        List<BenchResult> runs = Runs();
        var report = new BenchReport("2026-11-26T10:00:00Z", "a978c35", new MachineInfo(2, "6.1", "Linux", ".NET 10", "Keepalived v2.2.7"), "bench --runs 3", runs, ScenarioSummary.Summarize(runs));

        string json = BenchJson.Write(report);
        using JsonDocument doc = JsonDocument.Parse(json);
        JsonElement first = doc.RootElement.GetProperty("runs")[0];

        Assert.Equal(150, first.GetProperty("detection_ms").GetDouble());
        Assert.Equal(JsonValueKind.Null, first.GetProperty("fence_ms").ValueKind);
        Assert.Equal(0, first.GetProperty("run_index").GetInt32());
        Assert.Equal(JsonValueKind.Null, first.GetProperty("false_fences").ValueKind);
        Assert.True(doc.RootElement.GetProperty("summaries")[0].GetProperty("rto_ms").TryGetProperty("p99", out _));

        BenchReport back = BenchJson.Read(json);
        Assert.Equal(runs, back.Runs);
        Assert.Equal("Keepalived v2.2.7", back.Machine.KeepalivedVersion);
    }

    [Fact]
    public void Reading_json_that_is_not_a_report_fails_clearly() =>
        Assert.ThrowsAny<JsonException>(() => BenchJson.Read("null"));
}
