using Watchdog.Bench.Analysis;
using Watchdog.Bench.Probe;

namespace Watchdog.Bench.Tests.Analysis;

public class IntervalsTests
{
    private static IEnumerable<HolderSample> Sampled(string node, double fromMs, double toMs, Func<double, bool> holds)
    {
        for (double t = fromMs; t < toMs; t += 20)
        {
            yield return new HolderSample(node, t, holds(t));
        }
    }

    [Fact]
    public void Overlap_is_the_time_both_nodes_held_the_vip()
    {
        // a holds all along (kill -9 leaves the address); b holds from 1200 on; window 1000-3000.
        var samples = Sampled("a", 0, 3000, _ => true).Concat(Sampled("b", 10, 3000, t => t >= 1200)).ToList();

        IReadOnlyList<Interval> overlap = Intervals.Overlap(samples, 1000, 3000);

        Interval only = Assert.Single(overlap);
        Assert.Equal(1210, only.StartMs); // b's first sample showing the VIP (b samples at 10, 30, ...)
        Assert.Equal(3000, only.EndMs);
        Assert.Equal(1790, Intervals.OverlapMs(samples, 1000, 3000));
    }

    [Fact]
    public void A_clean_handover_has_no_overlap()
    {
        var samples = Sampled("a", 0, 3000, t => t < 1100).Concat(Sampled("b", 10, 3000, t => t >= 1200)).ToList();

        Assert.Empty(Intervals.Overlap(samples, 0, 3000));
        Assert.Equal(0, Intervals.OverlapMs(samples, 0, 3000));
    }

    [Fact]
    public void Separate_overlaps_are_reported_separately_and_summed()
    {
        // b holds 1000-1500 and 2000-2500 while a holds throughout.
        var samples = Sampled("a", 0, 3000, _ => true)
            .Concat(Sampled("b", 0, 3000, t => t is >= 1000 and < 1500 or >= 2000 and < 2500)).ToList();

        IReadOnlyList<Interval> overlap = Intervals.Overlap(samples, 0, 3000);

        Assert.Equal(2, overlap.Count);
        Assert.Equal(1000, Intervals.OverlapMs(samples, 0, 3000));
    }

    [Fact]
    public void Overlap_that_began_before_the_fault_is_pre_existing_not_the_faults()
    {
        // b holds 500-1500 (already two holders when the fault comes at 1000) and again from 2000.
        var samples = Sampled("a", 0, 3000, _ => true)
            .Concat(Sampled("b", 0, 3000, t => t is >= 500 and < 1500 or >= 2000)).ToList();

        var (charged, preExisting) = Intervals.SplitAtFault(Intervals.Overlap(samples, 0, 3000), 1000);

        Interval before = Assert.Single(preExisting);
        Assert.Equal((1000.0, 1500.0), (before.StartMs, before.EndMs));
        Interval after = Assert.Single(charged);
        Assert.Equal((2000.0, 3000.0), (after.StartMs, after.EndMs));
    }

    [Fact]
    public void Overlap_over_before_the_fault_is_in_neither_part()
    {
        var samples = Sampled("a", 0, 3000, _ => true).Concat(Sampled("b", 0, 3000, t => t is >= 200 and < 400)).ToList();

        var (charged, preExisting) = Intervals.SplitAtFault(Intervals.Overlap(samples, 0, 3000), 1000);

        Assert.Empty(charged);
        Assert.Empty(preExisting);
    }

    [Fact]
    public void Holding_merges_consecutive_samples_into_spans()
    {
        var samples = Sampled("a", 0, 1000, t => t is < 300 or >= 600).ToList();

        IReadOnlyList<Interval> spans = Intervals.Holding(samples, "a", 1000);

        Assert.Equal(2, spans.Count);
        Assert.Equal((0.0, 300.0), (spans[0].StartMs, spans[0].EndMs));
        Assert.Equal((600.0, 1000.0), (spans[1].StartMs, spans[1].EndMs));
    }

    [Fact]
    public void A_window_that_ends_before_it_starts_is_refused() =>
        Assert.Throws<ArgumentException>(() => Intervals.Overlap([], 10, 5));
}
