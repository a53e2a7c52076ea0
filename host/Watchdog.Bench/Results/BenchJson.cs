using System.Text.Json;
using System.Text.Json.Serialization;

namespace Watchdog.Bench.Results;

/// <summary>The bench's JSON: snake_case names (detection_ms, rto_ms ...), nulls kept (null = not applicable).</summary>
public static class BenchJson
{
    public static JsonSerializerOptions Options { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        NumberHandling = JsonNumberHandling.Strict,
    };

    /// <summary>One document with the machine, every run and the summaries.</summary>
    public static string Write(BenchReport report) => JsonSerializer.Serialize(report, Options);

    public static BenchReport Read(string json) =>
        JsonSerializer.Deserialize<BenchReport>(json, Options) ?? throw new JsonException("bench JSON is the literal null");
}

/// <summary>Everything a bench invocation produced.</summary>
public sealed record BenchReport(MachineInfo Machine, string Command, IReadOnlyList<BenchResult> Runs, IReadOnlyList<ScenarioSummary> Summaries);
