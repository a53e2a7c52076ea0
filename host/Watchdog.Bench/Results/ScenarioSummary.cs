using Watchdog.Bench.Analysis;

namespace Watchdog.Bench.Results;

/// <summary>
/// The percentiles of every metric over the runs of one (scenario, peer) pair. The database
/// metrics (RpoRows, RpoSpanMs, TwoPrimariesMs, WriteOutageMs) are optional: reports written before they existed
/// read as null.
/// </summary>
public sealed record ScenarioSummary(
    string Scenario,
    string Peer,
    int Runs,
    Distribution DetectionMs,
    Distribution FenceMs,
    Distribution TakeoverMs,
    Distribution RtoMs,
    Distribution OverlapMs,
    Distribution Flaps,
    Distribution FalseFences,
    Distribution OutageMs,
    Distribution AnswerChanges,
    Distribution AuthorityMs,
    Distribution TwoAuthoritiesMs,
    Distribution? RpoRows = null,
    Distribution? RpoSpanMs = null,
    Distribution? TwoPrimariesMs = null,
    Distribution? WriteOutageMs = null)
{
    /// <summary>Groups results by (scenario, peer), in first-seen order, and summarises each group.</summary>
    public static IReadOnlyList<ScenarioSummary> Summarize(IEnumerable<BenchResult> results) =>
        results
            .GroupBy(r => (r.Scenario, r.Peer))
            .Select(g => new ScenarioSummary(
                g.Key.Scenario,
                g.Key.Peer,
                g.Count(),
                Distribution.Of(g.Select(r => r.DetectionMs)),
                Distribution.Of(g.Select(r => r.FenceMs)),
                Distribution.Of(g.Select(r => r.TakeoverMs)),
                Distribution.Of(g.Select(r => r.RtoMs)),
                Distribution.Of(g.Select(r => r.OverlapMs)),
                Distribution.Of(g.Select(r => (double?)r.Flaps)),
                Distribution.Of(g.Select(r => (double?)r.FalseFences)),
                Distribution.Of(g.Select(r => r.OutageMs)),
                Distribution.Of(g.Select(r => (double?)r.AnswerChanges)),
                Distribution.Of(g.Select(r => r.AuthorityMs)),
                Distribution.Of(g.Select(r => r.TwoAuthoritiesMs)),
                Distribution.Of(g.Select(r => (double?)r.RpoRows)),
                Distribution.Of(g.Select(r => r.RpoSpanMs)),
                Distribution.Of(g.Select(r => r.TwoPrimariesMs)),
                Distribution.Of(g.Select(r => r.WriteOutageMs))))
            .ToList();
}
