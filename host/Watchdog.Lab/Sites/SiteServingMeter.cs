using System.Diagnostics;
using Watchdog.Lab.Rack;

namespace Watchdog.Lab.Sites;

/// <summary>One stretch during which a site ran an active, in ms of the meter's clock; End null while it lasts.</summary>
public sealed record ServingSpan(string Site, double StartMs, double? EndMs);

/// <summary>
/// Watches, every few ms on a thread of its own, whether each site runs an active: one of its
/// servers is up and either holds the site's virtual IP (the kernel's address events,
/// <see cref="VipAddressMonitor"/>) or says it is active (its latest state on the site's broker).
/// Either one counts, so a site counts as serving from the first sign to the last: an overlap of
/// the two sites is never missed for lack of a sign. One clock for both sites, so the spans of
/// east and west compare directly.
/// </summary>
public sealed class SiteServingMeter : IDisposable
{
    private const int PeriodMs = 5;
    private readonly IReadOnlyDictionary<string, RackCluster> _sites;
    private readonly Dictionary<string, List<ServingSpan>> _spans = [];
    private readonly Lock _gate = new();
    private readonly Thread _thread;
    private readonly long _origin = Stopwatch.GetTimestamp();
    private volatile bool _stopped;

    public SiteServingMeter(IReadOnlyDictionary<string, RackCluster> sites)
    {
        _sites = sites;
        foreach (string site in sites.Keys)
        {
            _spans[site] = [];
        }

        _thread = new Thread(Run) { IsBackground = true, Name = "site-serving-meter" };
        _thread.Start();
    }

    /// <summary>Ms since the meter started.</summary>
    public double NowMs => Stopwatch.GetElapsedTime(_origin).TotalMilliseconds;

    /// <summary>Every span of <paramref name="site"/> so far.</summary>
    public IReadOnlyList<ServingSpan> Spans(string site)
    {
        lock (_gate)
        {
            return [.. _spans[site]];
        }
    }

    /// <summary>Whether <paramref name="site"/> serves now (as of the last sample).</summary>
    public bool Serving(string site)
    {
        lock (_gate)
        {
            return _spans[site] is { Count: > 0 } s && s[^1].EndMs is null;
        }
    }

    /// <summary>How long, since <paramref name="sinceMs"/>, every site served at once: the overlap that must stay 0.</summary>
    public double OverlapMs(double sinceMs = 0)
    {
        lock (_gate)
        {
            double now = NowMs;
            var lists = _spans.Values.Select(l => l.Select(s => (Start: Math.Max(s.StartMs, sinceMs), End: s.EndMs ?? now)).Where(s => s.End > s.Start).ToList()).ToList();
            if (lists.Count < 2)
            {
                return 0;
            }

            // Two sites: the sum of the pairwise intersections of their spans.
            double total = 0;
            foreach (var a in lists[0])
            {
                foreach (var b in lists[1])
                {
                    total += Math.Max(0, Math.Min(a.End, b.End) - Math.Max(a.Start, b.Start));
                }
            }

            return total;
        }
    }

    private void Run()
    {
        while (!_stopped)
        {
            foreach (var (name, site) in _sites)
            {
                bool serving = IsServing(site);
                double now = NowMs;
                lock (_gate)
                {
                    List<ServingSpan> spans = _spans[name];
                    bool open = spans.Count > 0 && spans[^1].EndMs is null;
                    if (serving && !open)
                    {
                        spans.Add(new ServingSpan(name, now, null));
                    }
                    else if (!serving && open)
                    {
                        spans[^1] = spans[^1] with { EndMs = now };
                    }
                }
            }

            Thread.Sleep(PeriodMs);
        }
    }

    private static bool IsServing(RackCluster site)
    {
        foreach (string node in site.Options.Nodes)
        {
            if (!site.Server(node).IsUp)
            {
                continue;
            }

            if (site.Addresses?.Holds(node) == true || site.Observer.LatestState(node).ClaimsActive())
            {
                return true;
            }
        }

        return false;
    }

    public void Dispose()
    {
        _stopped = true;
        _thread.Join();
    }
}
