using System.Globalization;
using dotnet_etcd;
using Etcdserverpb;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client.Balancer;
using Grpc.Net.Client.Configuration;
using Mvccpb;

namespace Watchdog.Sites.Ticket;

/// <summary>What the ticket's keys held at one revision: the holder, the epoch ceiling and a manual ticket's grant (null when absent).</summary>
internal sealed record TicketSnapshot(KeyValue? Holder, KeyValue? Ceiling, KeyValue? Grant = null)
{
    /// <summary>The site an operator granted a manual ticket to; null before the first grant.</summary>
    public string? GrantedSite => Grant?.Value.ToStringUtf8();

    /// <summary>The ceiling's value (0 before any site ever held the ticket).</summary>
    public long CeilingValue => Ceiling is null ? 0 : TicketStore.ParseCeiling(Ceiling);

    /// <summary>The ceiling's modification revision (0 when absent): changes with every acquisition.</summary>
    public long CeilingRevision => Ceiling?.ModRevision ?? 0;

    public string? HolderSite => Holder?.Value.ToStringUtf8();
}

/// <summary>The requests the keeper makes of etcd (an interface so the keeper's timing can be tested on a fake clock).</summary>
internal interface ITicketStore : IDisposable
{
    Task<TicketSnapshot> ReadAsync(TimeSpan timeout, CancellationToken cancel);

    Task<LeaseGrantResponse> GrantAsync(TimeSpan timeout, CancellationToken cancel);

    Task<LeaseKeepAliveResponse> KeepAliveOnceAsync(long lease, TimeSpan timeout, CancellationToken cancel);

    Task<bool> HolderIsAsync(long lease, TimeSpan timeout, CancellationToken cancel);

    Task<bool> AcquireAsync(long lease, long holderRevision, long ceilingRevision, long newCeiling, string? forced, TimeSpan timeout, CancellationToken cancel);

    Task<bool> ExtendCeilingAsync(long lease, long newCeiling, TimeSpan timeout, CancellationToken cancel);

    Task RevokeAsync(long lease, TimeSpan timeout, CancellationToken cancel);
}

/// <summary>
/// The etcd requests the keeper makes, each bounded by a timeout. Every request carries
/// "hasleader", so a member that lost its leader (the minority side of a cut) answers "no
/// leader" at once instead of holding the request: a site's own member cut off from the others
/// must not look merely slow.
/// </summary>
internal sealed class TicketStore : ITicketStore
{
    private static readonly Metadata RequireLeader = new() { { "hasleader", "true" } };
    private readonly EtcdClient client;
    private readonly SiteTicketOptions options;
    private readonly ByteString holderKey;
    private readonly ByteString ceilingKey;
    private readonly ByteString grantKey;
    private readonly ByteString site;

    public TicketStore(SiteTicketOptions options)
    {
        this.options = options;
        client = new EtcdClient(string.Join(',', options.Endpoints), configureChannelOptions: c =>
        {
            c.HttpHandler = Handler(options);
            c.ServiceConfig = RetryOnAnotherMember();
        });
        holderKey = ByteString.CopyFromUtf8(options.HolderKey);
        ceilingKey = ByteString.CopyFromUtf8(options.CeilingKey);
        grantKey = ByteString.CopyFromUtf8(options.GrantKey);
        site = ByteString.CopyFromUtf8(options.Site);
    }

    /// <summary>
    /// The client spreads requests over every member (round robin over the connections it holds).
    /// A member behind a cut drops packets rather than refusing them, so its connection looks fine
    /// and requests sent there wait out their whole timeout: a site that lost the other site took
    /// 74-91 s to take a free ticket, against 16 s by its timings. HTTP/2 pings find such a
    /// connection dead within two intervals, and the balancer then leaves it out; connecting to a
    /// member that does not answer gives up within a request's timeout.
    /// </summary>
    private static SocketsHttpHandler Handler(SiteTicketOptions options)
    {
        // SocketsHttpHandler takes no ping interval below 1 s.
        TimeSpan ping = TimeSpan.FromMilliseconds(Math.Max(1000, options.RenewMs / 2));
        return new SocketsHttpHandler
        {
            KeepAlivePingDelay = ping,
            KeepAlivePingTimeout = ping,
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.Always,
            ConnectTimeout = TimeSpan.FromMilliseconds(options.RenewMs),
            EnableMultipleHttp2Connections = true,
        };
    }

    /// <summary>
    /// Requests go to the members in turn, and a dead member's connection is offered again every
    /// few requests. The library retries a refused request after up to a second and stops
    /// retrying once a few have failed (its retry budget): after that one request in three failed
    /// while a member was dead, and a keeper whose turn makes three requests met the dead member
    /// at the same step every turn, so a site never took a free ticket. Here a request a member
    /// did not take is sent again at once to the next one, without a budget; the request's
    /// deadline bounds the retries. A retried acquisition whose first try did land is refused by
    /// its own guard (the holder's revision changed), and the keeper then revokes its lease: no
    /// double holder, one lost turn.
    /// </summary>
    private static ServiceConfig RetryOnAnotherMember() => new()
    {
        LoadBalancingConfigs = { new RoundRobinConfig() },
        MethodConfigs =
        {
            new MethodConfig
            {
                Names = { MethodName.Default },
                RetryPolicy = new RetryPolicy
                {
                    MaxAttempts = 5,
                    InitialBackoff = TimeSpan.FromMilliseconds(10),
                    MaxBackoff = TimeSpan.FromMilliseconds(100),
                    BackoffMultiplier = 2,
                    RetryableStatusCodes = { StatusCode.Unavailable },
                },
            },
        },
    };

    public static long ParseCeiling(KeyValue kv)
    {
        string text = kv.Value.ToStringUtf8();
        return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long value)
            ? value
            : throw new InvalidDataException($"etcd key {kv.Key.ToStringUtf8()} holds '{text}', not an epoch.");
    }

    /// <summary>Reads the holder, the ceiling and the grant at one revision (a linearizable read: it needs a quorum).</summary>
    public async Task<TicketSnapshot> ReadAsync(TimeSpan timeout, CancellationToken cancel)
    {
        var request = new TxnRequest
        {
            Success =
            {
                new RequestOp { RequestRange = new RangeRequest { Key = holderKey } },
                new RequestOp { RequestRange = new RangeRequest { Key = ceilingKey } },
                new RequestOp { RequestRange = new RangeRequest { Key = grantKey } },
            },
        };
        TxnResponse response = await client.TransactionAsync(request, RequireLeader, Deadline(timeout), cancel);
        return new TicketSnapshot(
            response.Responses[0].ResponseRange.Kvs.FirstOrDefault(),
            response.Responses[1].ResponseRange.Kvs.FirstOrDefault(),
            response.Responses[2].ResponseRange.Kvs.FirstOrDefault());
    }

    public async Task<LeaseGrantResponse> GrantAsync(TimeSpan timeout, CancellationToken cancel)
    {
        LeaseGrantResponse grant = await client.LeaseGrantAsync(
            new LeaseGrantRequest { TTL = options.LeaseMs / 1000 }, RequireLeader, Deadline(timeout), cancel);
        if (!string.IsNullOrEmpty(grant.Error))
        {
            throw new InvalidOperationException("etcd refused the lease: " + grant.Error);
        }

        return grant;
    }

    /// <summary>
    /// One keepalive: one request on a fresh stream, its one answer. The answer's TTL is what the
    /// server set the lease to at the time it received the request (0 or less: the lease is gone).
    /// </summary>
    public async Task<LeaseKeepAliveResponse> KeepAliveOnceAsync(long lease, TimeSpan timeout, CancellationToken cancel)
    {
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        bounded.CancelAfter(timeout);
        LeaseKeepAliveResponse? answer = null;
        await client.LeaseKeepAlive(new LeaseKeepAliveRequest { ID = lease }, r => answer ??= r, bounded.Token, RequireLeader);
        return answer ?? throw new IOException($"etcd closed the keepalive stream for lease {lease:x} without an answer.");
    }

    /// <summary>Whether the holder key still names this site on <paramref name="lease"/>.</summary>
    public async Task<bool> HolderIsAsync(long lease, TimeSpan timeout, CancellationToken cancel)
    {
        RangeResponse response = await client.GetAsync(new RangeRequest { Key = holderKey }, RequireLeader, Deadline(timeout), cancel);
        KeyValue? holder = response.Kvs.FirstOrDefault();
        return holder is not null && holder.Value == site && holder.Lease == lease;
    }

    /// <summary>
    /// Takes the ticket if the holder key is as seen (absent, or at <paramref name="holderRevision"/>)
    /// and the ceiling was not written since <paramref name="ceilingRevision"/>: the holder key goes
    /// on the new lease, the ceiling up by the reserve, and for a forced take the statement is recorded.
    /// </summary>
    public async Task<bool> AcquireAsync(long lease, long holderRevision, long ceilingRevision, long newCeiling, string? forced, TimeSpan timeout, CancellationToken cancel)
    {
        var request = new TxnRequest
        {
            Compare =
            {
                holderRevision == 0
                    ? new Compare { Key = holderKey, Target = Compare.Types.CompareTarget.Create, Result = Compare.Types.CompareResult.Equal, CreateRevision = 0 }
                    : new Compare { Key = holderKey, Target = Compare.Types.CompareTarget.Mod, Result = Compare.Types.CompareResult.Equal, ModRevision = holderRevision },
                new Compare { Key = ceilingKey, Target = Compare.Types.CompareTarget.Mod, Result = Compare.Types.CompareResult.Equal, ModRevision = ceilingRevision },
            },
            Success =
            {
                new RequestOp { RequestPut = new PutRequest { Key = holderKey, Value = site, Lease = lease } },
                PutCeiling(newCeiling),
            },
        };
        if (forced is not null)
        {
            request.Success.Add(new RequestOp { RequestPut = new PutRequest { Key = ByteString.CopyFromUtf8(options.ForcedKey), Value = ByteString.CopyFromUtf8(forced) } });
        }

        TxnResponse response = await client.TransactionAsync(request, RequireLeader, Deadline(timeout), cancel);
        return response.Succeeded;
    }

    /// <summary>
    /// An operator's grant of a manual ticket to this store's site, if the grant key was not
    /// written since <paramref name="grantRevision"/> (0: never written); with a statement (the
    /// operator says the holding site is down) it is recorded as a forced take would be.
    /// </summary>
    public async Task<bool> PutGrantAsync(long grantRevision, string? statement, TimeSpan timeout, CancellationToken cancel)
    {
        var request = new TxnRequest
        {
            Compare = { new Compare { Key = grantKey, Target = Compare.Types.CompareTarget.Mod, Result = Compare.Types.CompareResult.Equal, ModRevision = grantRevision } },
            Success = { new RequestOp { RequestPut = new PutRequest { Key = grantKey, Value = site } } },
        };
        if (statement is not null)
        {
            request.Success.Add(new RequestOp { RequestPut = new PutRequest { Key = ByteString.CopyFromUtf8(options.ForcedKey), Value = ByteString.CopyFromUtf8(statement) } });
        }

        TxnResponse response = await client.TransactionAsync(request, RequireLeader, Deadline(timeout), cancel);
        return response.Succeeded;
    }

    /// <summary>Raises the ceiling, only while the holder key names this site on <paramref name="lease"/>.</summary>
    public async Task<bool> ExtendCeilingAsync(long lease, long newCeiling, TimeSpan timeout, CancellationToken cancel)
    {
        var request = new TxnRequest
        {
            Compare =
            {
                new Compare { Key = holderKey, Target = Compare.Types.CompareTarget.Value, Result = Compare.Types.CompareResult.Equal, Value = site },
                new Compare { Key = holderKey, Target = Compare.Types.CompareTarget.Lease, Result = Compare.Types.CompareResult.Equal, Lease = lease },
            },
            Success = { PutCeiling(newCeiling) },
        };
        TxnResponse response = await client.TransactionAsync(request, RequireLeader, Deadline(timeout), cancel);
        return response.Succeeded;
    }

    public async Task RevokeAsync(long lease, TimeSpan timeout, CancellationToken cancel)
    {
        try
        {
            await client.LeaseRevokeAsync(new LeaseRevokeRequest { ID = lease }, RequireLeader, Deadline(timeout), cancel);
        }
        catch (RpcException e) when (e.Status.Detail.Contains("lease not found", StringComparison.Ordinal))
        {
            // Already expired or revoked: what was asked for.
        }
    }

    public void Dispose() => client.Dispose();

    private RequestOp PutCeiling(long value) => new()
    {
        RequestPut = new PutRequest { Key = ceilingKey, Value = ByteString.CopyFromUtf8(value.ToString(CultureInfo.InvariantCulture)) },
    };

    private static DateTime Deadline(TimeSpan timeout) => DateTime.UtcNow + timeout;
}
