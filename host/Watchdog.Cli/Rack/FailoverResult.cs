using System.Text.Json.Nodes;

namespace Watchdog.Cli.Rack;

/// <summary>
/// What one fault did to the cluster, measured from the fault's injection on one clock.
/// Null figures were not reached (for example no takeover after a broker loss, by design).
/// </summary>
public sealed record FailoverResult
{
    public required string Fault { get; init; }
    public required string Victim { get; init; }
    public string? NewActive { get; init; }
    public double? DetectionMs { get; init; }
    public double? FenceMs { get; init; }
    public double? TakeoverMs { get; init; }
    public double? RtoMs { get; init; }
    public double OverlapMs { get; init; }

    /// <summary>False on a loopback rack (no namespaces, no virtual IP): overlap was not measured, and says so.</summary>
    public bool OverlapMeasured { get; init; } = true;
    public long EpochBefore { get; init; }
    public long EpochAfter { get; init; }
    public int FalseFences { get; init; }

    /// <summary>When the fault was injected and when the run's observation ended, on the cluster's bench clock.</summary>
    public double FaultAtMs { get; init; }

    public double EndAtMs { get; init; }

    /// <summary>Safety violations the checker found (empty when the run was safe).</summary>
    public IReadOnlyList<string> Violations { get; init; } = [];

    /// <summary>What was expected and did not happen (a takeover that never came, a timeout).</summary>
    public IReadOnlyList<string> Problems { get; init; } = [];

    public bool Ok => Violations.Count == 0 && Problems.Count == 0;

    public JsonObject ToJson() => new()
    {
        ["fault"] = Fault,
        ["victim"] = Victim,
        ["new_active"] = NewActive,
        ["detection_ms"] = Round(DetectionMs),
        ["fence_ms"] = Round(FenceMs),
        ["takeover_ms"] = Round(TakeoverMs),
        ["rto_ms"] = Round(RtoMs),
        ["overlap_ms"] = OverlapMeasured ? Round(OverlapMs) : null,
        ["epoch_before"] = EpochBefore,
        ["epoch_after"] = EpochAfter,
        ["false_fences"] = FalseFences,
        ["violations"] = new JsonArray(Violations.Select(v => (JsonNode?)v).ToArray()),
        ["problems"] = new JsonArray(Problems.Select(v => (JsonNode?)v).ToArray()),
        ["ok"] = Ok,
    };

    private static double? Round(double? ms) => ms is null ? null : Math.Round(ms.Value, 1);
}
