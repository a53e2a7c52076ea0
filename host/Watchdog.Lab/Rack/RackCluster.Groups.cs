using System.Net;
using Watchdog.Bench.Probe;
using Watchdog.Lab.Checks;
using Watchdog.Protocol.Wire;

namespace Watchdog.Lab.Rack;

/// <summary>
/// One group of the rack as the lab watches it: its members, its virtual IP, a client probing the
/// address, the kernel's address events and the overlap meter over its own members.
/// </summary>
public sealed record RackGroupWatch(string Name, IReadOnlyList<string> Nodes, IPAddress Vip, VipProbe Probe, VipAddressMonitor Addresses, ActiveOverlapMeter Overlap);

/// <summary>A rack of several groups (RackClusterOptions.GroupCount): each its own address and watchers.</summary>
public sealed partial class RackCluster
{
    private readonly List<RackGroupWatch> _groups = [];

    /// <summary>Every group's watchers, the first group's first (the same Probe, Addresses, Overlap as the rack's); empty without namespaces.</summary>
    public IReadOnlyList<RackGroupWatch> Groups => _groups;

    /// <summary>The group's watchers by name.</summary>
    public RackGroupWatch GroupWatch(string group) =>
        _groups.FirstOrDefault(g => g.Name == group) ?? throw new ArgumentException($"the rack has no group '{group}' (it has {string.Join(", ", _groups.Select(g => g.Name))})", nameof(group));

    /// <summary>Group <paramref name="index"/>'s virtual IP: host part 100 + index (servers use 10-17, the client 200).</summary>
    private IPAddress GroupVip(int index) => IPAddress.Parse(Rack.AddressFor(VipHostPart + index));

    /// <summary>What a rack of several groups does not do yet, said before anything starts.</summary>
    private static void CheckGroups(RackClusterOptions o)
    {
        _ = o.RackGroups; // the range check
        if (o.GroupCount > 1 && (o.Boards != 1 || o.Service != RackService.Http || o.DrSite is not null || !o.UseNamespaces))
        {
            throw new LabFailedException($"GroupCount {o.GroupCount}: a rack of several groups runs one board, the http service, no DR site, in network namespaces (each group has its own virtual IP)");
        }
    }

    private void WatchGroups(string? clientNamespace)
    {
        var groups = Options.RackGroups;
        for (var i = 0; i < groups.Count; i++)
        {
            var (name, nodes) = (groups[i].Name, groups[i].Nodes);
            var vip = GroupVip(i);
            var probe = new VipProbe(new VipProbeOptions { Target = new IPEndPoint(vip, Options.ServicePort), ClientNamespace = clientNamespace, IntervalMs = Options.ProbeIntervalMs }, Clock);
            probe.Start();
            if (!probe.RealTime)
            {
                Rack.Timeline.Record(Sim.Rack.TimelineKind.Note, name, "client probe runs at normal priority", "no real-time scheduling: a loaded machine may delay probe launches, and the RTO with them");
            }

            _disposables.Add(probe);
            var addresses = new VipAddressMonitor(Rack.Servers.Where(s => nodes.Contains(s.Name)).ToDictionary(s => s.Name, s => s.Namespace!), vip, Rack.Timeline);
            _disposables.Add(addresses);
            var overlap = new ActiveOverlapMeter(this, () => addresses, nodes);
            overlap.Start();
            _disposables.Add(overlap);
            _groups.Add(new RackGroupWatch(name, nodes, vip, probe, addresses, overlap));
        }
    }

    /// <summary>
    /// Waits until every group has one active that acknowledged its role and answers on the
    /// group's address, its other member standby under the same epoch, and the board has settled:
    /// <see cref="WaitUntilSettledAsync"/> for all groups at once.
    /// </summary>
    public Task<bool> WaitUntilAllGroupsSettledAsync(TimeSpan timeout, CancellationToken ct)
    {
        var since = Clock.NowMs;
        return Observer.WaitForAsync(o => BoardSettled(o, 0) && Options.RackGroups.All(g => GroupSettled(o, g, since)), timeout, ct);
    }

    private bool GroupSettled(ClusterObserver o, RackGroupSpec group, double sinceMs)
    {
        var roles = o.LatestRoles(group.Name);
        if (roles is not { Active.Length: 1 } || !o.LatestState(roles.Active[0]).ClaimsActive())
        {
            return false;
        }

        var active = roles.Active[0];
        var probe = _groups.FirstOrDefault(g => g.Name == group.Name)?.Probe;
        return group.Nodes.Where(n => n != active).All(n => o.LatestState(n) is { } s && s.Role == NodeRole.Standby && s.Epoch == roles.Epoch) &&
               (probe is null || probe.Snapshot().Any(p => p.StartMs >= sinceMs && p.Node == active));
    }
}
