namespace Watchdog.Cli.Rack;

/// <summary>
/// Measures what safety rule 1 forbids: time during which two servers could both act as the
/// active. A server counts as acting while it holds the virtual IP (sampled from its namespace)
/// (from the kernel's own address events, <see cref="VipAddressMonitor"/>) AND is running
/// (powered, not held in reset, not frozen): a server frozen or held in reset with the address
/// still configured answers nobody, which is exactly why holding reset is a fence. Sampled every
/// millisecond on the bench clock; overlap is the summed time with two or more acting.
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
            var addresses = cluster.Addresses;
            if (addresses is not null)
            {
                var acting = Acting(addresses);
                if (acting.Length > 1)
                {
                    // Confirm on a second reading: the address state and the server state come
                    // from different threads, and one reading can straddle a change (seen at a
                    // boot, where the flush's event and the "up" flag race by microseconds).
                    var again = Acting(addresses);
                    if (again.Length < 2)
                    {
                        cluster.Rack.Timeline.Record(Sim.Rack.TimelineKind.Note, "meter", "unconfirmed double reading [" + string.Join(", ", acting) + "], re-read [" + string.Join(", ", again) + "]");
                        acting = again;
                    }
                }

                if (!acting.SequenceEqual(last))
                {
                    lock (_gate)
                    {
                        _changes.Add((cluster.Clock.NowMs, acting));
                    }

                    last = acting;
                }
            }

            Thread.Sleep(1);
        }
    }

    private string[] Acting(VipAddressMonitor addresses) =>
        cluster.Servers
            .Where(s => addresses.Holds(s.Name) && s.IsUp && !s.IsFrozen)
            .Select(s => s.Name)
            .Order(StringComparer.Ordinal)
            .ToArray();

    public void Dispose()
    {
        _stop = true;
        _thread?.Join();
    }
}
