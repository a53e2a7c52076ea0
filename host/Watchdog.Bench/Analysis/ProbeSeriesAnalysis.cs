using Watchdog.Bench.Probe;

namespace Watchdog.Bench.Analysis;

/// <summary>A stretch in which the client got no answer: from the first failed probe's start to the end of the next answered probe (null end: never answered again in the window).</summary>
public sealed record Outage(double StartMs, double? EndMs);

/// <summary>What the client saw around a fault.</summary>
/// <param name="HolderBeforeFault">The node that answered the last probe started before the fault.</param>
/// <param name="FirstNewAnswerMs">End of the first probe answered by a different node after the fault (null: none).</param>
/// <param name="RtoMs">FirstNewAnswerMs minus the fault time (null: the service never answered from another node).</param>
/// <param name="Outages">Failure stretches overlapping the time after the fault, clipped to start no earlier than it.</param>
/// <param name="OutageMs">Total time without answers after the fault (open outages count up to the window end).</param>
/// <param name="AnswerChanges">How often the answering node changed after the fault (A-B is 1, A-B-A-B is 3).</param>
/// <param name="Flaps">Changes beyond the first (A-B is 0 flaps, A-B-A is 1): the client bouncing between servers.</param>
public sealed record ProbeAnalysis(
    string? HolderBeforeFault,
    double? FirstNewAnswerMs,
    double? RtoMs,
    IReadOnlyList<Outage> Outages,
    double OutageMs,
    int AnswerChanges,
    int Flaps,
    IReadOnlyList<string> AnswerSequence);

/// <summary>Turns a probe series into outage, RTO and flap figures for one fault.</summary>
public static class ProbeSeriesAnalysis
{
    /// <param name="samples">The probe series (any order; sorted by start time here).</param>
    /// <param name="faultMs">When the fault was injected, on the same clock.</param>
    /// <param name="windowEndMs">End of the observation window: open outages are counted up to here.</param>
    public static ProbeAnalysis Analyze(IReadOnlyList<ProbeSample> samples, double faultMs, double windowEndMs)
    {
        if (windowEndMs < faultMs)
        {
            throw new ArgumentException($"window end {windowEndMs} ms is before the fault at {faultMs} ms", nameof(windowEndMs));
        }

        List<ProbeSample> ordered = samples.OrderBy(s => s.StartMs).ToList();
        string? before = ordered.LastOrDefault(s => s.StartMs < faultMs && s.Answered)?.Node;

        // The first answer from someone else that arrived after the fault.
        ProbeSample? firstNew = ordered
            .Where(s => s.Answered && s.EndMs >= faultMs && s.Node != before)
            .MinBy(s => s.EndMs);

        List<Outage> outages = FindOutages(ordered, faultMs);
        double outageMs = outages.Sum(o => (o.EndMs ?? windowEndMs) - o.StartMs);

        var sequence = new List<string>();
        if (before is not null)
        {
            sequence.Add(before);
        }

        foreach (ProbeSample s in ordered.Where(s => s.StartMs >= faultMs && s.Answered))
        {
            if (sequence.Count == 0 || sequence[^1] != s.Node)
            {
                sequence.Add(s.Node!);
            }
        }

        int changes = Math.Max(0, sequence.Count - 1);
        return new ProbeAnalysis(
            before,
            firstNew?.EndMs,
            firstNew is null ? null : firstNew.EndMs - faultMs,
            outages,
            outageMs,
            changes,
            Math.Max(0, changes - 1),
            sequence);
    }

    private static List<Outage> FindOutages(List<ProbeSample> ordered, double faultMs)
    {
        var outages = new List<Outage>();
        double? openedAt = null;
        foreach (ProbeSample s in ordered)
        {
            if (!s.Answered)
            {
                openedAt ??= s.StartMs;
                continue;
            }

            if (openedAt is double start && s.EndMs > faultMs)
            {
                outages.Add(new Outage(Math.Max(start, faultMs), s.EndMs));
            }

            openedAt = null;
        }

        if (openedAt is double open)
        {
            outages.Add(new Outage(Math.Max(open, faultMs), null));
        }

        return outages;
    }
}
