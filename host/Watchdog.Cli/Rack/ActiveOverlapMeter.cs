namespace Watchdog.Cli.Rack;

/// <summary>
/// Measures what safety rule 1 forbids: time during which two servers could both act as the
/// active. A server counts as acting while it holds the virtual IP (sampled from its namespace)
/// AND is running (powered, not held in reset, not frozen): a server frozen or held in reset
/// with the address still configured answers nobody, which is exactly why holding reset is a
/// fence. Sampled every 2 ms on the bench clock; overlap is the summed time with two or more acting.
/// </summary>
public sealed class ActiveOverlapMeter(RackCluster cluster) : IDisposable
{
    private readonly Lock _gate = new();
    private readonly List<(double AtMs, string[] Acting)> _changes = [];
    private Thread? _thread;
    private volatile bool _stop;

    public void Start()
    {
        _thread = new Thread(Run) { IsBackground = true, Name = "overlap meter" };
        _thread.Start();
    }

    /// <summary>Milliseconds with two or more servers acting as active within [fromMs, toMs].</summary>
    public double OverlapMs(double fromMs, double toMs)
    {
        List<(double AtMs, string[] Acting)> changes;
        lock (_gate)
        {
            changes = [.. _changes];
        }

        double total = 0;
        for (var i = 0; i < changes.Count; i++)
        {
            if (changes[i].Acting.Length < 2)
            {
                continue;
            }

            var start = Math.Max(changes[i].AtMs, fromMs);
            var end = Math.Min(i + 1 < changes.Count ? changes[i + 1].AtMs : toMs, toMs);
            if (end > start)
            {
                total += end - start;
            }
        }

        return total;
    }

    /// <summary>Who acted as active when, as a list of changes (for timelines).</summary>
    public IReadOnlyList<(double AtMs, string[] Acting)> Changes()
    {
        lock (_gate)
        {
            return [.. _changes];
        }
    }

    private void Run()
    {
        string[] last = [];
        while (!_stop)
        {
            var holders = cluster.Holders;
            if (holders is not null)
            {
                var acting = cluster.Servers
                    .Where(s => holders.LatestHolds(s.Name) && s.IsUp && !s.IsFrozen)
                    .Select(s => s.Name)
                    .Order(StringComparer.Ordinal)
                    .ToArray();
                if (!acting.SequenceEqual(last))
                {
                    lock (_gate)
                    {
                        _changes.Add((cluster.Clock.NowMs, acting));
                    }

                    last = acting;
                }
            }

            Thread.Sleep(2);
        }
    }

    public void Dispose()
    {
        _stop = true;
        _thread?.Join();
    }
}
