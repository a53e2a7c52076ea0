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
public sealed record BenchReport(MachineInfo Machine, string Command, IReadOnlyList<BenchResult> Runs, IReadOnlyList<ScenarioSummary> Summaries);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(BenchReport))]
[JsonSerializable(typeof(BenchResult))]
internal sealed partial class BenchJsonContext : JsonSerializerContext
{
}
