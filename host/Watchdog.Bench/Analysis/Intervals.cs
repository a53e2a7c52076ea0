using Watchdog.Bench.Probe;

namespace Watchdog.Bench.Analysis;

/// <summary>A half-open span [StartMs, EndMs) on the run clock carrying a label (a role, "holds VIP", "frozen").</summary>
public sealed record Interval(double StartMs, double EndMs, string Label)
{
    public double DurationMs => EndMs - StartMs;
}

/// <summary>Step functions built from sampled states, and the overlap of VIP holders.</summary>
public static class Intervals
{
    /// <summary>
    /// The spans in which a sampled state held: each sample's state lasts until the next sample
    /// of the same series; the last one lasts until <paramref name="endMs"/>. Consecutive equal
    /// states merge. States for which <paramref name="label"/> returns null are gaps.
    /// </summary>
    public static IReadOnlyList<Interval> FromSteps<T>(IEnumerable<(double AtMs, T State)> steps, double endMs, Func<T, string?> label)
    {
        var result = new List<Interval>();
        var ordered = steps.OrderBy(s => s.AtMs).ToList();
        for (int i = 0; i < ordered.Count; i++)
        {
            string? text = label(ordered[i].State);
            double start = ordered[i].AtMs;
            double end = i + 1 < ordered.Count ? ordered[i + 1].AtMs : endMs;
            if (text is null || end <= start)
            {
                continue;
            }

            if (result.Count > 0 && result[^1].Label == text && Math.Abs(result[^1].EndMs - start) < 1e-9)
            {
                result[^1] = result[^1] with { EndMs = end };
            }
            else
            {
                result.Add(new Interval(start, end, text));
            }
        }

        return result;
    }

    /// <summary>The spans in which <paramref name="node"/> held the VIP, per the holder sampler.</summary>
    public static IReadOnlyList<Interval> Holding(IReadOnlyList<HolderSample> samples, string node, double endMs) =>
        FromSteps(samples.Where(s => s.Node == node).Select(s => (s.AtMs, s.Holds)), endMs, holds => holds ? "holds VIP" : null);

    /// <summary>
    /// The spans within [fromMs, toMs) in which two or more nodes held the VIP at once. A node's
    /// state between samples is its last sampled state, so each edge is accurate to one sampling
    /// interval (plus the duration of one `ip` call).
    /// </summary>
    public static IReadOnlyList<Interval> Overlap(IReadOnlyList<HolderSample> samples, double fromMs, double toMs)
    {
        if (toMs < fromMs)
        {
            throw new ArgumentException($"overlap window ends ({toMs} ms) before it starts ({fromMs} ms)", nameof(toMs));
        }

        var state = new Dictionary<string, bool>(StringComparer.Ordinal);
        var result = new List<Interval>();
        List<HolderSample> ordered = samples.OrderBy(s => s.AtMs).ToList();
        for (int i = 0; i < ordered.Count; i++)
        {
            state[ordered[i].Node] = ordered[i].Holds;
            double start = Math.Max(ordered[i].AtMs, fromMs);
            double end = Math.Min(i + 1 < ordered.Count ? ordered[i + 1].AtMs : toMs, toMs);
            if (end <= start || state.Values.Count(h => h) < 2)
            {
                continue;
            }

            if (result.Count > 0 && Math.Abs(result[^1].EndMs - start) < 1e-9)
            {
                result[^1] = result[^1] with { EndMs = end };
            }
            else
            {
                result.Add(new Interval(start, end, "two holders"));
            }
        }

        return result;
    }

    /// <summary>
    /// Splits overlap spans at the fault: a span that began at or after <paramref name="faultMs"/>
    /// is the fault's (charged); one that began before it and still held then was already there
    /// (pre-existing), given as its part after the fault so it is never charged to the fault. Spans
    /// over before the fault are in neither.
    /// </summary>
    public static (IReadOnlyList<Interval> Charged, IReadOnlyList<Interval> PreExisting) SplitAtFault(IReadOnlyList<Interval> overlaps, double faultMs)
    {
        var charged = new List<Interval>();
        var preExisting = new List<Interval>();
        foreach (var span in overlaps)
        {
            if (span.StartMs >= faultMs)
            {
                charged.Add(span);
            }
            else if (span.EndMs > faultMs)
            {
                preExisting.Add(span with { StartMs = faultMs });
            }
        }

        return (charged, preExisting);
    }

    /// <summary>Total overlap in ms within the window.</summary>
    public static double OverlapMs(IReadOnlyList<HolderSample> samples, double fromMs, double toMs) =>
        Overlap(samples, fromMs, toMs).Sum(i => i.DurationMs);
}
