using Watchdog.Lab.Rack;

namespace Watchdog.Lab.Checks;

/// <summary>
/// Measures what safety rule 1 forbids: time during which two servers could both act as the
/// active. A server counts as acting while it holds the virtual IP (sampled from its namespace)
/// (from the kernel's own address events, <see cref="VipAddressMonitor"/>) AND is running
/// (powered, not held in reset, not frozen): a server frozen or held in reset with the address
/// still configured answers nobody, which is exactly why holding reset is a fence. The server's
/// state is read without waiting on it (<see cref="Sim.Rack.SimulatedServer.IsRunning"/>): a
/// reading blocked while the simulator froze and powered off a server was once stamped ~90 ms
/// late, and that wait counted as overlap. Sampled every
/// millisecond on the bench clock; overlap is the summed time with two or more acting. A rack of
/// several groups has one meter per group: its own address, its own members.
/// </summary>
public sealed class ActiveOverlapMeter : IDisposable
{
    private readonly RackCluster cluster;
    private readonly Func<VipAddressMonitor?> _addresses;
    private readonly IReadOnlyList<string>? _members;
    private readonly Lock _gate = new();
    private readonly List<(double AtMs, string[] Acting)> _changes = [];
    private Thread? _thread;
    private volatile bool _stop;

    /// <summary>The rack's (first group's) virtual IP, over every server of the rack.</summary>
    public ActiveOverlapMeter(RackCluster cluster)
        : this(cluster, () => cluster.Addresses, null)
    {
    }

    /// <summary>One group's virtual IP (<paramref name="addresses"/>) over its <paramref name="members"/> only.</summary>
    public ActiveOverlapMeter(RackCluster cluster, Func<VipAddressMonitor?> addresses, IReadOnlyList<string>? members)
    {
        this.cluster = cluster;
        _addresses = addresses;
        _members = members;
    }

    public void Start()
    {
        _thread = new Thread(Run) { IsBackground = true, Name = "overlap meter" };
        _thread.Start();
    }

    /// <summary>Milliseconds with two or more servers acting as active within [fromMs, toMs].</summary>
    public double OverlapMs(double fromMs, double toMs)
    {
        double total = 0;
        foreach (var (start, end, _) in Overlaps(fromMs, toMs))
        {
            total += end - start;
        }

        return total;
    }

    /// <summary>The stretches within [fromMs, toMs] with two or more servers acting as active, one per change of who acts.</summary>
    public IReadOnlyList<(double FromMs, double ToMs, string[] Acting)> Overlaps(double fromMs, double toMs)
    {
        List<(double AtMs, string[] Acting)> changes;
        lock (_gate)
        {
            changes = [.. _changes];
        }

        var overlaps = new List<(double FromMs, double ToMs, string[] Acting)>();
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
                overlaps.Add((start, end, changes[i].Acting));
            }
        }

        return overlaps;
    }

    /// <summary>
    /// The overlap within [fromMs, toMs] split by when it began: at or after <paramref name="fromMs"/>
    /// (a fault injected then is charged with it) or before (it was already there: pre-existing).
    /// </summary>
    public OverlapSplit Split(double fromMs, double toMs)
    {
        List<(double AtMs, string[] Acting)> changes;
        lock (_gate)
        {
            changes = [.. _changes];
        }

        return Split(changes, fromMs, toMs);
    }

    /// <summary>
    /// <see cref="Split(double, double)"/> over a list of changes (each holds until the next; the
    /// last until <paramref name="toMs"/>). A stretch with two or more acting counts from its first
    /// change to the first change with fewer, across changes of who exactly acts. One that began
    /// before <paramref name="fromMs"/> and still held then is pre-existing: its time within the
    /// window is reported apart, never charged. The two parts add up to <see cref="OverlapMs"/>.
    /// </summary>
    public static OverlapSplit Split(IReadOnlyList<(double AtMs, string[] Acting)> changes, double fromMs, double toMs)
    {
        double charged = 0;
        double preExisting = 0;
        double lead = 0;
        var preActing = new SortedSet<string>(StringComparer.Ordinal);
        var i = 0;
        while (i < changes.Count)
        {
            if (changes[i].Acting.Length < 2)
            {
                i++;
                continue;
            }

            var start = changes[i].AtMs;
            var acting = new SortedSet<string>(StringComparer.Ordinal);
            while (i < changes.Count && changes[i].Acting.Length >= 2)
            {
                acting.UnionWith(changes[i].Acting);
                i++;
            }

            var end = Math.Min(i < changes.Count ? changes[i].AtMs : toMs, toMs);
            if (start < fromMs)
            {
                if (end > fromMs)
                {
                    preExisting += end - fromMs;
                    lead = Math.Max(lead, fromMs - start);
                    preActing.UnionWith(acting);
                }
            }
            else if (end > start)
            {
                charged += end - start;
            }
        }

        return new OverlapSplit(charged, preExisting, lead, [.. preActing]);
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
            var addresses = _addresses();
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
            .Where(s => (_members is null || _members.Contains(s.Name)) && addresses.Holds(s.Name) && s.IsRunning)
            .Select(s => s.Name)
            .Order(StringComparer.Ordinal)
            .ToArray();

    public void Dispose()
    {
        _stop = true;
        _thread?.Join();
    }
}

/// <summary>
/// Overlap of acting servers in a window, split by when it began.
/// </summary>
/// <param name="ChargedMs">Overlap that began in the window (at or after the fault): the fault's.</param>
/// <param name="PreExistingMs">Time in the window of overlap that began before it: not the fault's.</param>
/// <param name="PreExistingLeadMs">How long before the window that overlap began (0 when none).</param>
/// <param name="PreExistingActing">The servers that acted in it.</param>
public sealed record OverlapSplit(double ChargedMs, double PreExistingMs, double PreExistingLeadMs, IReadOnlyList<string> PreExistingActing)
{
    public static readonly OverlapSplit None = new(0, 0, 0, []);
}
