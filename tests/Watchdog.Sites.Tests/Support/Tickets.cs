using Watchdog.Lab.Sites;
using Watchdog.Sites.Ticket;

namespace Watchdog.Sites.Tests.Support;

/// <summary>Keepers on a test cluster, each talking to its own site's member only, with the tests' short timings.</summary>
internal static class Tickets
{
    public const int LeaseMs = 2000;
    public const int RenewMs = 500;
    public const int StopMarginMs = 500;
    public const int AcquireAfterMs = 500;

    public static SiteTicketOptions Options(EtcdCluster cluster, string site, string ticket = "group-a", long reserve = 1000) => new()
    {
        Cluster = "dr1",
        Ticket = ticket,
        Site = site,
        Endpoints = [cluster.Endpoint(site)],
        LeaseMs = LeaseMs,
        RenewMs = RenewMs,
        StopMarginMs = StopMarginMs,
        AcquireAfterMs = AcquireAfterMs,
        EpochReserve = reserve,
    };

    /// <summary>A started keeper with a recorder subscribed before the start.</summary>
    public static TicketRecorder Start(SiteTicketOptions options, Func<CancellationToken, Task<bool>>? beforeAcquire = null, bool candidate = true)
    {
        var keeper = new SiteTicket(options, beforeAcquire ?? (_ => Task.FromResult(true))) { Candidate = candidate };
        var recorder = new TicketRecorder(keeper);
        keeper.Start();
        return recorder;
    }
}

/// <summary>The tests that run etcd clusters run one at a time: timings are short and the machine may have two cores.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class EtcdCollection
{
    public const string Name = "etcd cluster";
    public const string Why = "etcd members in network namespaces need CAP_SYS_ADMIN";
}
