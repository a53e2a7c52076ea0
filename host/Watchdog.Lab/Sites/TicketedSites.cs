using System.Text.Json.Nodes;
using dotnet_etcd;
using Etcdserverpb;
using Google.Protobuf;
using Grpc.Core;
using Watchdog.Lab.Faults;
using Watchdog.Lab.Rack;
using Watchdog.Platform.Posix;
using Watchdog.Postgres;
using Watchdog.Sites.Config;
using Watchdog.Sites.Ticket;

namespace Watchdog.Lab.Sites;

/// <summary>
/// Two DR sites that share the group <c>web</c> through a site ticket, as docs/dr.md describes:
/// <see cref="VirtualSites"/> (east preferred, west standby: a rack and a bridged broker each)
/// whose Linux boards run with <c>--dr &lt;dr.json&gt; --site &lt;name&gt;</c>, and an
/// <see cref="EtcdCluster"/> with a member at east, at west and at an arbiter site. The faults
/// of the page's table: <see cref="LoseSiteAsync"/> (a whole site), <see cref="CutSiteOff"/> (a
/// site cut from the other and the arbiter while it runs on), <see cref="LoseArbiter"/>.
/// <see cref="Meter"/> records when each site ran an active. Needs root, mosquitto, nft, etcd.
/// </summary>
public sealed class TicketedSites : IAsyncDisposable
{
    public const string Arbiter = "arbiter";
    public const string DrCluster = "lab";

    /// <summary>
    /// Generous: a loaded 2-core machine starting two racks and three etcd members must not lose
    /// the ticket while it starts (6 s leases were lost and taken again during the start). Every
    /// rule of <see cref="DrConfigRules"/> holds: 12 s whole, renew 3 s &lt;= half, margin 5 s +
    /// renew 3 s &lt; 12 s, margin &gt;= 3.5 s; the holder gives up 7 s after its last renewal,
    /// after two attempts to renew.
    /// </summary>
    public static readonly TicketTiming Timing = new(LeaseMs: 12000, RenewMs: 3000, AcquireAfterMs: 4000, StopMarginMs: 5000);

    private readonly string _directory;
    private readonly Dictionary<string, int> _boardGids;
    private readonly List<string> _faults = [];

    private TicketedSites(string directory, EtcdCluster etcd, VirtualSites sites, DrConfig config, Dictionary<string, int> boardGids)
    {
        _directory = directory;
        Etcd = etcd;
        Sites = sites;
        Config = config;
        _boardGids = boardGids;
        Cut = new BoardEtcdCut();
        Meter = new SiteServingMeter(new Dictionary<string, RackCluster> { [VirtualSites.EastName] = sites.East, [VirtualSites.WestName] = sites.West });
    }

    public EtcdCluster Etcd { get; }

    /// <summary>The replication mode of the sites' PostgreSQL, or null when they run none.</summary>
    public ReplicationMode? Database { get; private init; }

    public VirtualSites Sites { get; }

    public DrConfig Config { get; }

    /// <summary>The DR configuration file both boards read.</summary>
    public string ConfigPath => Path.Combine(_directory, "dr.json");

    public BoardEtcdCut Cut { get; }

    public SiteServingMeter Meter { get; }

    public RackCluster East => Sites.East;

    public RackCluster West => Sites.West;

    /// <summary>The agents' Board:DemoteWhenSilentMs: the bound `watchdogctl dr check` prints for <see cref="Timing"/>.</summary>
    public static int AgentDemoteWhenSilentMs => Timing.AgentStepDownBoundMs;

    /// <param name="database">
    /// Null: the sites run the node-name service alone. Else PostgreSQL 15 at both sites in this
    /// mode, one database replicating across the link (<see cref="VirtualSites"/>); the group's
    /// DR configuration then says the same replication.
    /// </param>
    public static async Task<TicketedSites> StartAsync(TextWriter log, CancellationToken ct, ReplicationMode? database = null)
    {
        string directory = PrivatePath.CreateTempDirectory("watchdog-ticketed-");
        EtcdCluster? etcd = null;
        try
        {
            etcd = await EtcdCluster.StartAsync(VirtualSites.EastName, VirtualSites.WestName, Arbiter).ConfigureAwait(false);
            log.WriteLine($"etcd: {string.Join(", ", etcd.Members.Select(m => $"{m} {etcd.Endpoint(m)}"))}");
            // Group ids of the boards' sockets, unlikely to be anyone else's and different for two test processes.
            int first = 60000 + (Environment.ProcessId % 2000 * 2);
            var gids = new Dictionary<string, int> { [VirtualSites.EastName] = first, [VirtualSites.WestName] = first + 1 };
            string path = Path.Combine(directory, "dr.json");
            DrConfig? config = null;
            var options = new VirtualSitesOptions
            {
                Log = log,
                Rack = database is { } mode
                    ? new RackClusterOptions { Broker = BrokerKind.Mosquitto, Service = RackService.Postgres, PostgresMode = mode }
                    : new RackClusterOptions { Broker = BrokerKind.Mosquitto },
                Prepare = (name, rack, brokers) =>
                {
                    if (config is null)
                    {
                        File.WriteAllText(path, DrJson(etcd, brokers, database));
                        DrConfigLoad load = DrConfigLoader.Load(path);
                        config = load.Ok && load.Config is not null
                            ? load.Config
                            : throw new LabFailedException($"the lab's DR configuration {path} is refused: {string.Join("; ", load.Errors)}");
                    }

                    return rack with { DrSite = new RackDrSite(path, name, AgentDemoteWhenSilentMs, gids[name]) };
                },
            };
            VirtualSites sites = await VirtualSites.StartAsync(options, ct).ConfigureAwait(false);
            return new TicketedSites(directory, etcd, sites, config!, gids) { Database = database };
        }
        catch
        {
            if (etcd is not null)
            {
                await etcd.DisposeAsync().ConfigureAwait(false);
            }

            Directory.Delete(directory, recursive: true);
            throw;
        }
    }

    /// <summary>
    /// Starts both sites and waits until east holds the ticket and runs the group's one active
    /// with west standby: where every drill and test of the two sites begins. Throws
    /// <see cref="LabFailedException"/> (with the boards' logs) when they do not settle in <paramref name="settle"/>.
    /// </summary>
    public static async Task<TicketedSites> StartSettledAsync(TextWriter log, TimeSpan settle, CancellationToken ct, ReplicationMode? database = null)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        TicketedSites sites = await StartAsync(log, ct, database).ConfigureAwait(false);
        try
        {
            if (!await sites.WaitForActiveAtAsync(VirtualSites.EastName, settle, ct).ConfigureAwait(false))
            {
                throw new LabFailedException($"east did not settle with the active and west standby within {settle.TotalSeconds:F0} s" + sites.BoardLogs());
            }

            SiteTicketRecord? ticket = await sites.TicketAsync().ConfigureAwait(false);
            if (ticket?.Site != VirtualSites.EastName)
            {
                throw new LabFailedException($"east runs the active but the ticket is {(ticket is null ? "held by nobody (or unreadable)" : "held by " + ticket.Site)}" + sites.BoardLogs());
            }

            log.WriteLine($"both sites started and east holds the ticket after {clock.ElapsedMilliseconds} ms; agents step down after {AgentDemoteWhenSilentMs} ms of board silence");
            return sites;
        }
        catch
        {
            await sites.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The last lines of both boards' logs, for a failure message.</summary>
    public string BoardLogs()
    {
        string faults;
        lock (_faults)
        {
            faults = string.Join('\n', _faults);
        }

        // Each member as its site's observer last saw it: which side of a settle or switch stuck.
        string members = string.Join('\n', new[] { East, West }.SelectMany(site => site.Options.Nodes.Select(n => FailoverRun.Describe(site, n))));
        return $"\nmembers:\n{members}\nfaults:\n{faults}\n{Etcd.Describe()}east's board:\n{Tail(East.BoardLog)}\nwest's board:\n{Tail(West.BoardLog)}";
    }

    private static string Tail(string path) =>
        File.Exists(path) ? string.Join('\n', File.ReadLines(path).TakeLast(30)) : "(no log)";

    /// <summary>
    /// When <paramref name="site"/>'s VIP first answered from one of its own servers in a probe
    /// sent at or after <paramref name="sinceMs"/> (both on that site's clock,
    /// <see cref="RackCluster.Clock"/>): the moment the site served again. Null when it has not.
    /// </summary>
    public double? FirstServedAtMs(string site, double sinceMs)
    {
        RackCluster rack = Site(site);
        return rack.Probe?.Snapshot().FirstOrDefault(p => p.Answered && p.StartMs >= sinceMs && rack.Options.Nodes.Contains(p.Node!))?.EndMs;
    }

    /// <summary>
    /// Planned switch: <paramref name="site"/>'s board hands its ticket over (SIGUSR1: it demotes
    /// its active, then revokes its lease; docs/dr.md, "Planned switch"). False when its board is not running.
    /// </summary>
    public bool HandOver(string site)
    {
        Record($"site {site} hands the ticket over (planned switch)");
        return Site(site).Board(ClusterConfigs.BoardName).RequestSiteHandOver();
    }

    /// <summary>The DR configuration of the two sites (docs/dr.md, "The configuration").</summary>
    private static string DrJson(EtcdCluster etcd, IReadOnlyDictionary<string, string> brokers, ReplicationMode? database)
    {
        // Without a database "sync" is what the group would claim with one (docs/dr.md, "Measured":
        // the drill then reports no RPO). Asynchronous replication cannot promise rpo_ms 0 (DrConfigRules).
        bool asynchronous = database == ReplicationMode.Asynchronous;
        TicketTiming t = Timing;
        var root = new JsonObject
        {
            ["cluster"] = DrCluster,
            ["etcd"] = new JsonObject
            {
                ["members"] = new JsonArray(etcd.Members.Select(m => (JsonNode)new JsonObject { ["site"] = m, ["endpoint"] = etcd.Endpoint(m) }).ToArray()),
            },
            ["sites"] = new JsonArray(
                [
                    .. brokers.Select(b => (JsonNode)new JsonObject { ["name"] = b.Key, ["broker"] = b.Value, ["boards"] = new JsonArray(ClusterConfigs.BoardName) }),
                    new JsonObject { ["name"] = Arbiter, ["arbiter"] = true },
                ]),
            ["dr_groups"] = new JsonArray(new JsonObject
            {
                ["name"] = "web",
                ["group"] = "web",
                ["sites"] = new JsonArray(VirtualSites.EastName, VirtualSites.WestName),
                ["ticket"] = new JsonObject { ["lease_ms"] = t.LeaseMs, ["renew_ms"] = t.RenewMs, ["acquire_after_ms"] = t.AcquireAfterMs, ["stop_margin_ms"] = t.StopMarginMs },
                ["replication"] = asynchronous ? "async" : "sync",
                ["standby_site"] = "running",
                ["failover"] = "automatic",
                ["objectives"] = new JsonObject { ["rto_ms"] = 60000, ["rpo_ms"] = asynchronous ? 5000 : 0 },
            }),
        };
        return root.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true });
    }

    public RackCluster Site(string name) => Sites.Site(name);

    /// <summary>
    /// The ticket now, by a quorum read through any member that answers: the holding site and the
    /// etcd lease it holds it on; null when no member answers or nobody holds it. The same lease
    /// still holding it after longer than <c>lease_ms</c> proves the holder renewed it meanwhile.
    /// </summary>
    public async Task<SiteTicketRecord?> TicketAsync()
    {
        string key = new SiteTicketOptions { Cluster = DrCluster, Ticket = "web", Site = VirtualSites.EastName, Endpoints = ["http://unused:2379"] }.HolderKey;
        foreach (string member in Etcd.Members)
        {
            using var client = new EtcdClient(Etcd.Endpoint(member));
            try
            {
                RangeResponse r = await client.GetAsync(new RangeRequest { Key = ByteString.CopyFromUtf8(key) }, new Metadata { { "hasleader", "true" } }, DateTime.UtcNow.AddSeconds(1)).ConfigureAwait(false);
                return r.Kvs.Count == 0 ? null : new SiteTicketRecord(r.Kvs[0].Value.ToStringUtf8(), r.Kvs[0].Lease);
            }
            catch (Exception e) when (e is RpcException or OperationCanceledException)
            {
                // This member is gone or has no leader: ask the next.
            }
        }

        return null;
    }

    /// <summary>
    /// Waits until <paramref name="site"/> runs the group's one active (acknowledged, the VIP
    /// answering from it, the board settled), the other site none and its members standby.
    /// </summary>
    public async Task<bool> WaitForActiveAtAsync(string site, TimeSpan timeout, CancellationToken ct)
    {
        RackCluster holder = Site(site), other = Site(VirtualSites.PeerOf(site));
        bool settled = await holder.WaitUntilSettledAsync(null, timeout, ct).ConfigureAwait(false);
        return settled && await other.Observer.WaitForAsync(o => AllStandby(other, o), timeout, ct).ConfigureAwait(false);
    }

    /// <summary>Every member of <paramref name="site"/>'s group says standby (a site without the ticket).</summary>
    public static bool AllStandby(RackCluster site, ClusterObserver o) =>
        site.Options.Nodes.All(n => o.LatestState(n) is { Role: Protocol.Wire.NodeRole.Standby });

    /// <summary>Fault: the whole site is lost at once: its board, its servers, its etcd member, its broker and the link to it.</summary>
    public async Task LoseSiteAsync(string name)
    {
        RackCluster site = Site(name);
        Record($"site {name} lost (board, servers, etcd member, broker)");
        site.KillBoard();
        foreach (var server in site.Servers)
        {
            server.PowerLoss();
        }

        Etcd.Kill(name);
        Sites.CutLink();
        await site.StopBrokerAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// Fault: <paramref name="name"/> is cut off from the other site and from the arbiter while
    /// everything in it runs on: its etcd member from the other members, its board from their
    /// members, the other board from its member, and the link between the brokers.
    /// </summary>
    public void CutSiteOff(string name)
    {
        string other = VirtualSites.PeerOf(name);
        Record($"site {name} cut off from {other} and the {Arbiter}");
        Etcd.Partition(name);
        Cut.Cut(
        [
            (_boardGids[name], Etcd.Members.Where(m => m != name).Select(Etcd.Address).ToList()),
            (_boardGids[other], [Etcd.Address(name)]),
        ]);
        Sites.CutLink();
    }

    /// <summary>Undoes <see cref="CutSiteOff"/>.</summary>
    public void MendSite(string name)
    {
        Etcd.Heal(name);
        Cut.Mend();
        Sites.MendLink();
        Record($"site {name} reconnected");
    }

    /// <summary>Fault: the arbiter site's etcd member is killed.</summary>
    public void LoseArbiter() => LoseEtcdMember(Arbiter);

    /// <summary>Fault: one etcd member (a site's, or the arbiter's) is killed; everything else runs on.</summary>
    public void LoseEtcdMember(string member)
    {
        Record(member == Arbiter ? $"{Arbiter} site lost (its etcd member)" : $"site {member}'s etcd member lost");
        Etcd.Kill(member);
    }

    /// <summary>Fault: <paramref name="name"/>'s broker stops; its board, servers and etcd member run on.</summary>
    public async Task LoseBrokerAsync(string name)
    {
        Record($"site {name}'s broker lost");
        await Site(name).StopBrokerAsync().ConfigureAwait(false);
    }

    private void Record(string what)
    {
        // Wall clock, as the boards' logs are stamped.
        lock (_faults)
        {
            _faults.Add($"{DateTime.UtcNow:HH:mm:ss.fff} {what}");
        }

        foreach (RackCluster site in new[] { East, West })
        {
            site.Rack.Timeline.Record(Sim.Rack.TimelineKind.Fault, "sites", what);
        }
    }

    public async ValueTask DisposeAsync()
    {
        // Each part even when one before it fails.
        try
        {
            Meter.Dispose();
            Cut.Dispose();
            await Sites.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            await Etcd.DisposeAsync().ConfigureAwait(false);
            Directory.Delete(_directory, recursive: true);
        }
    }
}

/// <summary>The ticket as etcd holds it: the holding site and the lease the key is attached to.</summary>
public sealed record SiteTicketRecord(string Site, long Lease);
