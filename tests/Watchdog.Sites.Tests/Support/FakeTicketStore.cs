using Etcdserverpb;
using Google.Protobuf;
using Microsoft.Extensions.Time.Testing;
using Mvccpb;
using Watchdog.Sites.Ticket;

namespace Watchdog.Sites.Tests.Support;

/// <summary>
/// The ticket's two keys and its leases in memory, with etcd's rules for them (guarded
/// transactions, leases that end on the fake clock and take their keys along), so the keeper's
/// timing can be checked to the millisecond. Keepalives can be made to hang until released.
/// </summary>
internal sealed class FakeTicketStore(FakeTimeProvider clock, long ttlSeconds = 2) : ITicketStore
{
    private readonly Lock gate = new();
    private readonly Dictionary<long, long> leaseEnds = [];
    private long revision = 1;
    private long nextLease = 0x100;
    private KeyValue? holder;
    private KeyValue? ceiling;
    private readonly TaskCompletionSource firstKeepAlive = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource<long>? hung;

    /// <summary>Keepalives wait until <see cref="AnswerHungKeepAlive"/>; the lease is renewed only then.</summary>
    public bool HangKeepAlives { get; set; }

    /// <summary>Keepalives answer this TTL instead of renewing (0: the lease is gone).</summary>
    public long? KeepAliveTtl { get; set; }

    /// <summary>Completes when the first keepalive starts (the keeper's acquisition is complete by then).</summary>
    public Task FirstKeepAlive => firstKeepAlive.Task;

    /// <summary>Another site takes the free ticket (as its keeper would): holder on a new lease, ceiling up.</summary>
    public long TakeAs(string site, long reserve = 1000)
    {
        lock (gate)
        {
            long lease = NewLease();
            long floor = ceiling is null ? 0 : long.Parse(ceiling.Value.ToStringUtf8(), System.Globalization.CultureInfo.InvariantCulture);
            holder = Kv("holder", site, lease);
            ceiling = Kv("epoch-ceiling", (floor + reserve).ToString(System.Globalization.CultureInfo.InvariantCulture), 0);
            return lease;
        }
    }

    public void Revoke(long lease)
    {
        lock (gate)
        {
            EndLease(lease);
        }
    }

    /// <summary>Lets the hung keepalive return, answering <paramref name="ttl"/>.</summary>
    public void AnswerHungKeepAlive(long ttl) => hung?.TrySetResult(ttl);

    public Task<TicketSnapshot> ReadAsync(TimeSpan timeout, CancellationToken cancel)
    {
        lock (gate)
        {
            ExpireLeases();
            return Task.FromResult(new TicketSnapshot(holder, ceiling));
        }
    }

    public Task<LeaseGrantResponse> GrantAsync(TimeSpan timeout, CancellationToken cancel)
    {
        lock (gate)
        {
            return Task.FromResult(new LeaseGrantResponse { ID = NewLease(), TTL = ttlSeconds });
        }
    }

    public async Task<LeaseKeepAliveResponse> KeepAliveOnceAsync(long lease, TimeSpan timeout, CancellationToken cancel)
    {
        if (HangKeepAlives)
        {
            hung = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
            firstKeepAlive.TrySetResult();
            long answer = await hung.Task.WaitAsync(cancel);
            return new LeaseKeepAliveResponse { ID = lease, TTL = answer };
        }

        firstKeepAlive.TrySetResult();
        lock (gate)
        {
            ExpireLeases();
            if (KeepAliveTtl is long ttl)
            {
                return new LeaseKeepAliveResponse { ID = lease, TTL = ttl };
            }

            if (!leaseEnds.ContainsKey(lease))
            {
                return new LeaseKeepAliveResponse { ID = lease, TTL = 0 };
            }

            leaseEnds[lease] = clock.GetTimestamp() + (ttlSeconds * clock.TimestampFrequency);
            return new LeaseKeepAliveResponse { ID = lease, TTL = ttlSeconds };
        }
    }

    public Task<bool> HolderIsAsync(long lease, TimeSpan timeout, CancellationToken cancel)
    {
        lock (gate)
        {
            ExpireLeases();
            return Task.FromResult(holder is not null && holder.Lease == lease);
        }
    }

    public Task<bool> AcquireAsync(long lease, long holderRevision, long ceilingRevision, long newCeiling, string? forced, TimeSpan timeout, CancellationToken cancel)
    {
        lock (gate)
        {
            ExpireLeases();
            if ((holder?.ModRevision ?? 0) != holderRevision || (ceiling?.ModRevision ?? 0) != ceilingRevision)
            {
                return Task.FromResult(false);
            }

            holder = Kv("holder", "keeper", lease);
            ceiling = Kv("epoch-ceiling", newCeiling.ToString(System.Globalization.CultureInfo.InvariantCulture), 0);
            return Task.FromResult(true);
        }
    }

    public Task<bool> ExtendCeilingAsync(long lease, long newCeiling, TimeSpan timeout, CancellationToken cancel)
    {
        lock (gate)
        {
            ExpireLeases();
            if (holder?.Lease != lease)
            {
                return Task.FromResult(false);
            }

            ceiling = Kv("epoch-ceiling", newCeiling.ToString(System.Globalization.CultureInfo.InvariantCulture), 0);
            return Task.FromResult(true);
        }
    }

    public Task RevokeAsync(long lease, TimeSpan timeout, CancellationToken cancel)
    {
        Revoke(lease);
        return Task.CompletedTask;
    }

    public void Dispose()
    {
    }

    private long NewLease()
    {
        long lease = nextLease++;
        leaseEnds[lease] = clock.GetTimestamp() + (ttlSeconds * clock.TimestampFrequency);
        return lease;
    }

    private void ExpireLeases()
    {
        foreach (long lease in leaseEnds.Where(l => l.Value <= clock.GetTimestamp()).Select(l => l.Key).ToList())
        {
            EndLease(lease);
        }
    }

    private void EndLease(long lease)
    {
        leaseEnds.Remove(lease);
        if (holder?.Lease == lease)
        {
            holder = null;
            revision++;
        }
    }

    private KeyValue Kv(string key, string value, long lease) => new()
    {
        Key = ByteString.CopyFromUtf8(key),
        Value = ByteString.CopyFromUtf8(value),
        Lease = lease,
        ModRevision = ++revision,
        CreateRevision = revision,
    };
}
