using System.Text.Json.Nodes;

namespace Watchdog.Lab.Faults;

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
    /// <summary>
    /// From the board asserting the victim's reset to the simulated server frozen by it (the
    /// relay loop's SIGSTOP sent), the first reset after the fault; null when no reset was
    /// asserted. Real hardware has its own figure (relay close plus the motherboard's reset
    /// debounce); fence_confirm_ms must cover whichever runs.
    /// </summary>
    public double? ResetStopMs { get; init; }

    /// <summary>Overlap that began at or after the fault's injection (the fault's).</summary>
    public double OverlapMs { get; init; }

    /// <summary>Overlap in the run's window that began before the fault: there already, not charged to it.</summary>
    public double PreExistingOverlapMs { get; init; }

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

    /// <summary>
    /// Breaches that began before the fault was injected (still holding then, or not reported by an
    /// earlier run): reported, but not the fault's, so they do not make the run fail.
    /// </summary>
    public IReadOnlyList<string> PreExisting { get; init; } = [];

    /// <summary>What was expected and did not happen (a takeover that never came, a timeout).</summary>
    public IReadOnlyList<string> Problems { get; init; } = [];

    /// <summary>True on a rack with a database: the RPO writer wrote through the fault and the three figures below were sought.</summary>
    public bool RpoMeasured { get; init; }

    /// <summary>Acknowledged rows the new primary lacks (0 is the safe answer in synchronous mode); null: not counted.</summary>
    public int? RpoRows { get; init; }

    /// <summary>First to last acknowledgement of the missing rows, in ms.</summary>
    public long? RpoSpanMs { get; init; }

    /// <summary>From the fault to the writer's first acknowledged row after its outage began, in ms; null: none came.</summary>
    public long? WriteOutageMs { get; init; }

    public bool Ok => Violations.Count == 0 && Problems.Count == 0;

    public JsonObject ToJson()
    {
        var json = Figures();
        if (RpoMeasured)
        {
            json["rpo_rows"] = RpoRows;
            json["rpo_span_ms"] = RpoSpanMs;
            json["write_outage_ms"] = WriteOutageMs;
        }

        return json;
    }

    private JsonObject Figures() => new()
    {
        ["fault"] = Fault,
        ["victim"] = Victim,
        ["new_active"] = NewActive,
        ["detection_ms"] = Round(DetectionMs),
        ["fence_ms"] = Round(FenceMs),
        ["takeover_ms"] = Round(TakeoverMs),
        ["rto_ms"] = Round(RtoMs),
        ["reset_stop_ms"] = Round(ResetStopMs),
        ["overlap_ms"] = OverlapMeasured ? Round(OverlapMs) : null,
        ["pre_existing_overlap_ms"] = OverlapMeasured ? Round(PreExistingOverlapMs) : null,
        ["epoch_before"] = EpochBefore,
        ["epoch_after"] = EpochAfter,
        ["false_fences"] = FalseFences,
        ["violations"] = new JsonArray(Violations.Select(v => (JsonNode?)v).ToArray()),
        ["pre_existing"] = new JsonArray(PreExisting.Select(v => (JsonNode?)v).ToArray()),
        ["problems"] = new JsonArray(Problems.Select(v => (JsonNode?)v).ToArray()),
        ["ok"] = Ok,
    };

    private static double? Round(double? ms) => ms is null ? null : Math.Round(ms.Value, 1);
}
