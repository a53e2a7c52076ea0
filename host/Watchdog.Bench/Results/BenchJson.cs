using System.Text.Json;
using System.Text.Json.Serialization;

namespace Watchdog.Bench.Results;

/// <summary>
/// The bench's JSON: snake_case names (detection_ms, rto_ms ...), nulls kept (null = not
/// applicable). Source-generated, so it also works where reflection-based serialisation is off
/// (file-based apps and AOT builds disable it).
/// </summary>
public static class BenchJson
{
    public static string Write(BenchReport report) => JsonSerializer.Serialize(report, BenchJsonContext.Default.BenchReport);

    public static string Write(BenchResult result) => JsonSerializer.Serialize(result, BenchJsonContext.Default.BenchResult);

    /// <exception cref="JsonException">The text is not a bench report.</exception>
    public static BenchReport Read(string json) =>
        JsonSerializer.Deserialize(json, BenchJsonContext.Default.BenchReport) ?? throw new JsonException("bench JSON is the literal null");
}

/// <summary>Everything a bench invocation produced.</summary>
/// <param name="Date">When the invocation started: UTC, ISO 8601 (<see cref="SourceStamp.Date"/>). Older files hold a bare day.</param>
/// <param name="Commit">The commit the bench was built from (<see cref="SourceStamp.Commit"/>): a hash, "-dirty" when the tree had changes, or "unknown".</param>
public sealed record BenchReport(string Date, string Commit, MachineInfo Machine, string Command, IReadOnlyList<BenchResult> Runs, IReadOnlyList<ScenarioSummary> Summaries)
{
    /// <summary>A report stamped with <paramref name="startedAt"/> and the commit this build carries.</summary>
    public static BenchReport Stamped(DateTimeOffset startedAt, MachineInfo machine, string command, IReadOnlyList<BenchResult> runs, IReadOnlyList<ScenarioSummary> summaries) =>
        new(SourceStamp.Date(startedAt), SourceStamp.Commit, machine, command, runs, summaries);

    /// <summary>The header line of the report's text forms (the Markdown tables, the console).</summary>
    [JsonIgnore]
    public string Header => SourceStamp.Header(Date, Commit);
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(BenchReport))]
[JsonSerializable(typeof(BenchResult))]
internal sealed partial class BenchJsonContext : JsonSerializerContext
{
}
