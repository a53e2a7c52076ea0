using Watchdog.Lab.Rack;
using Watchdog.Operator.Broker;
using Watchdog.Platform.Posix;
using Watchdog.Sim.Rack;

namespace Watchdog.Lab.Sites;

/// <summary>How to start two virtual sites.</summary>
public sealed record VirtualSitesOptions
{
    /// <summary>Where progress lines of both racks go.</summary>
    public TextWriter Log { get; init; } = Console.Error;

    /// <summary>
    /// The bridges' keepalive: a cut link is noticed within about two of these (mosquitto's least,
    /// 5 s, for tests; the operator default of <see cref="BridgeTarget"/> is 30).
    /// </summary>
    public int BridgeKeepaliveSeconds { get; init; } = 5;

    /// <summary>Each site's rack before the site's names and bridge are set (nodes, timings, boards).</summary>
    public RackClusterOptions Rack { get; init; } = new() { Broker = BrokerKind.Mosquitto };

    /// <summary>
    /// Last changes to a site's rack before it starts, given the site's name, its options and every
    /// site's broker as host:port (known only once both racks exist): TicketedSites writes its
    /// DR configuration here and makes each rack a DR site.
    /// </summary>
    public Func<string, RackClusterOptions, IReadOnlyDictionary<string, string>, RackClusterOptions>? Prepare { get; init; }
}

/// <summary>
/// Two sites on one machine, <see cref="EastName"/> and <see cref="WestName"/>: each a rack
/// cluster of its own (network namespaces and subnet, wire file, board, agents, its own secure
/// mosquitto) whose cluster is named after the site, its nodes <c>&lt;site&gt;-web1</c> and
/// <c>&lt;site&gt;-web2</c> in group <c>web</c> (a group that spans both sites has one name at
/// each). Each site's broker bridges its own status and events out to the other's
/// (<see cref="BrokerBridge"/>), so both sites' status is readable from either broker, while
/// grants and commands stay at their own site. <see cref="CutLink"/> and <see cref="MendLink"/>
/// fail and repair the link between the two brokers. With PostgreSQL (the rack options' service)
/// the sites run one database: east sets it up, west's members copy it, and every member streams
/// from the primary at whichever site's virtual IP answers, through the host, which forwards
/// between the two racks (and the cut drops that too). Needs root and nft.
/// </summary>
public sealed class VirtualSites : IAsyncDisposable
{
    public const string EastName = "east";
    public const string WestName = "west";

    /// <summary>The host part of each broker's address for the other site (10.213.N.2): servers use 10 and up.</summary>
    private const int WanHostPart = 2;

    private readonly string _directory;

    private VirtualSites(string directory, RackCluster east, RackCluster west, SiteLink link)
    {
        _directory = directory;
        East = east;
        West = west;
        Link = link;
    }

    public RackCluster East { get; }

    public RackCluster West { get; }

    /// <summary>The link between the two brokers: the addresses each listens on for the other site's bridge.</summary>
    public SiteLink Link { get; }

    /// <summary>The site named <paramref name="name"/> (east or west).</summary>
    public RackCluster Site(string name) => name switch
    {
        EastName => East,
        WestName => West,
        _ => throw new ArgumentException($"no site '{name}': the sites are {EastName} and {WestName}", nameof(name)),
    };

    /// <summary>The other site's name.</summary>
    public static string PeerOf(string name) => name == EastName ? WestName : EastName;

    /// <summary>Starts both sites with their bridges; returns once both racks run (they settle on their own; RackCluster.WaitUntilSettledAsync).</summary>
    public static async Task<VirtualSites> StartAsync(VirtualSitesOptions options, CancellationToken ct)
    {
        // Both bridges are in the brokers' configurations when they start (mosquitto does not
        // reload bridges), so each needs the other's address, port and password first: both racks
        // are made, both ports picked and both passwords set before either broker starts.
        string directory = PrivatePath.CreateTempDirectory("watchdog-sites-");
        var racks = new List<VirtualRack>();
        var clusters = new List<RackCluster>();
        SiteLink? link = null;
        try
        {
            var names = new[] { EastName, WestName };
            var siteOptions = names.ToDictionary(n => n, n => options.Rack with
            {
                Cluster = n,
                Nodes = [$"{n}-web1", $"{n}-web2"],
                Broker = BrokerKind.Mosquitto,
                SecureBroker = true,
                Log = options.Log,
            });
            foreach (string name in names)
            {
                VirtualRack rack = RackCluster.CreateRack(siteOptions[name]);
                racks.Add(rack);
                if (rack.IsolationMode != IsolationMode.NetworkNamespaces)
                {
                    throw new LabFailedException($"site {name}: two sites need network namespaces (root): on loopback both brokers would share 127.0.0.1 and no cut could part them ({rack.IsolationNote})");
                }
            }

            // Each broker also listens at an address of its own on its rack's network, the other
            // site's bridge comes in there and nothing else uses it: the link between the sites.
            string[] hosts = [.. racks.Select(r => r.HostAddress)];
            string[] wan = [.. racks.Select(r => r.AddHostAddress(WanHostPart))];
            bool database = options.Rack.Service == RackService.Postgres;
            string[] subnets = [.. racks.Select(r => r.Subnet)];
            string[] vips = [.. racks.Select(r => r.AddressFor(RackCluster.VipHostPart))];
            link = new SiteLink(wan[0], wan[1], database ? (subnets[0], subnets[1]) : null);
            if (database)
            {
                ForwardBetween(racks);
            }

            int[] ports = [.. hosts.Select(RackBrokerUsers.FreePort)];
            foreach (string name in names)
            {
                // The password of bridge-<name> on the peer's broker, set here for both ends (the folder is 0700).
                File.WriteAllText(Path.Combine(directory, BrokerBridge.UserOf(name) + ".password"), MosquittoPassword.Generate() + "\n");
            }

            for (int i = 0; i < 2; i++)
            {
                string name = names[i], peer = names[1 - i];
                RackClusterOptions site = siteOptions[name] with
                {
                    BrokerPort = ports[i],
                    BrokerAlsoListensOn = [wan[i]],
                    BridgePeers = [new BridgePeerLogin(peer, Path.Combine(directory, BrokerBridge.UserOf(peer) + ".password"))],
                    Bridges =
                    [
                        new BridgeTarget
                        {
                            PeerCluster = peer,
                            Peer = new ListenAddress(wan[1 - i], ports[1 - i]),
                            PasswordFile = Path.Combine(directory, BrokerBridge.UserOf(name) + ".password"),
                            KeepaliveSeconds = options.BridgeKeepaliveSeconds,
                            // Quick retries: the peer's broker may not be up yet, and a mended link should carry again soon.
                            RestartBaseSeconds = 1,
                            RestartCapSeconds = 3,
                        },
                    ],
                };
                if (database)
                {
                    // East (the preferred site) sets the database up and leaves a seed; west copies it.
                    site = site with
                    {
                        PostgresSite = new RackPostgresSite(
                            subnets[1 - i],
                            vips[1 - i],
                            [.. names.SelectMany(n => siteOptions[n].Nodes)],
                            Path.Combine(directory, "pg-seed"),
                            SetsUp: i == 0),
                    };
                }

                if (options.Prepare is { } prepare)
                {
                    site = prepare(name, site, names.Select((n, k) => (n, $"{hosts[k]}:{ports[k]}")).ToDictionary(x => x.n, x => x.Item2));
                }

                options.Log.WriteLine($"site {name}: rack {racks[i].Prefix}, broker {hosts[i]}:{ports[i]} (and {wan[i]} for the other site's bridge), bridged to {peer} at {wan[1 - i]}:{ports[1 - i]}");
                VirtualRack rack = racks[i];
                racks[i] = null!; // the cluster owns it now, started or not
                clusters.Add(await RackCluster.StartAsync(site, rack, ct).ConfigureAwait(false));
            }

            return new VirtualSites(directory, clusters[0], clusters[1], link);
        }
        catch
        {
            link?.Dispose();
            foreach (RackCluster cluster in clusters)
            {
                await cluster.DisposeAsync().ConfigureAwait(false);
            }

            foreach (VirtualRack? rack in racks)
            {
                rack?.Dispose();
            }

            Directory.Delete(directory, recursive: true);
            throw;
        }
    }

    /// <summary>
    /// Lets the host forward between the two racks' uplinks, and only there (per interface: the
    /// host's other interfaces keep forwarding off): the servers' routes to the other site go
    /// through their own rack's host address. The uplinks, and the setting, go with the racks.
    /// </summary>
    private static void ForwardBetween(IEnumerable<VirtualRack> racks)
    {
        foreach (VirtualRack rack in racks)
        {
            string setting = $"/proc/sys/net/ipv4/conf/{rack.UplinkInterface}/forwarding";
            try
            {
                File.WriteAllText(setting, "1\n");
            }
            catch (IOException e)
            {
                throw new LabFailedException($"cannot let the host forward between the sites ({setting}): {e.Message}");
            }
        }
    }

    /// <summary>Fault: the link between the two sites' brokers drops every packet (on both racks' timelines).</summary>
    public void CutLink()
    {
        Record("inter-site link cut");
        Link.Cut();
    }

    /// <summary>The link carries again; each bridge reconnects on its own back-off.</summary>
    public void MendLink()
    {
        Link.Mend();
        Record("inter-site link mended");
    }

    private void Record(string what)
    {
        foreach (RackCluster site in new[] { East, West })
        {
            site.Rack.Timeline.Record(TimelineKind.Fault, "site-link", what, $"{Link.AddressA} <-> {Link.AddressB}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        // Each part even when one before it fails: a rack left up keeps its namespaces and processes.
        try
        {
            Link.Dispose();
        }
        finally
        {
            try
            {
                await East.DisposeAsync().ConfigureAwait(false);
            }
            finally
            {
                await West.DisposeAsync().ConfigureAwait(false);
                Directory.Delete(_directory, recursive: true);
            }
        }
    }
}
