using System.Buffers;
using MQTTnet;
using MQTTnet.Protocol;
using Watchdog.Operator.Status;
using Watchdog.Protocol.Json;
using Watchdog.Protocol.Messages;
using Watchdog.Protocol.Topics;
using Watchdog.Protocol.Wire;

namespace Watchdog.Lab.Rack;

/// <summary>One thing the observer saw, stamped with the wall clock of its arrival.</summary>
public sealed record Observation(long ReceivedAtMs, string Topic, object Message);

/// <summary>One board status (board/&lt;b&gt;/state) as it arrived: the pair's authority checks read their history.</summary>
public sealed record BoardStatusSeen(long ReceivedAtMs, string Board, BoardStatus Status);

/// <summary>
/// Watches a cluster over MQTT like an operator's dashboard would, and keeps the record the
/// failover measurements and the safety checker read: every grant, acknowledgement, role
/// announcement and event, in arrival order, plus a <see cref="ClusterSnapshot"/> for the live view.
/// </summary>
public sealed class ClusterObserver : IAsyncDisposable
{
    private readonly IMqttClient _client;
    private readonly TopicTree _topics;
    private readonly Lock _gate = new();
    private readonly List<Observation> _observations = [];
    private readonly List<BoardStatusSeen> _boardStatuses = [];
    private readonly StreamWriter? _journal;

    /// <summary>Completed (and replaced) on every message received: what <see cref="WaitForAsync"/> waits on.</summary>
    private TaskCompletionSource _received = NewSignal();

    /// <summary>
    /// How often a waiting condition is checked again without a message: some conditions also read
    /// the probe, the servers or the overlap meter, which raise no event the observer could wait on.
    /// </summary>
    private static readonly TimeSpan OtherSourcesRecheck = TimeSpan.FromMilliseconds(25);

    private ClusterObserver(IMqttClient client, TopicTree topics, string? journalPath)
    {
        _client = client;
        _topics = topics;
        Snapshot = new ClusterSnapshot(topics);
        _journal = journalPath is null ? null : new StreamWriter(journalPath, append: true) { AutoFlush = true };
    }

    public ClusterSnapshot Snapshot { get; }

    /// <param name="journalPath">When set, every message received is appended there (arrival time, topic, payload) for a post-mortem of a run.</param>
    /// <param name="login">The user to log in as (an operator: it reads everything and publishes commands), or null: anonymous.</param>
    public static async Task<ClusterObserver> StartAsync(string host, int port, string cluster, CancellationToken ct, string? journalPath = null, BrokerLogin? login = null)
    {
        var client = new MqttClientFactory().CreateMqttClient();
        var observer = new ClusterObserver(client, new TopicTree(cluster), journalPath);
        client.ApplicationMessageReceivedAsync += e =>
        {
            observer.Apply(e.ApplicationMessage.Topic, e.ApplicationMessage.Payload.ToArray());
            return Task.CompletedTask;
        };
        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer(host, port)
            .WithClientId("watchdogctl-observer-" + Guid.NewGuid().ToString("N")[..8])
            .WithTimeout(TimeSpan.FromSeconds(5));
        if (login is not null)
        {
            builder = builder.WithCredentials(login.User, login.Password());
        }

        var options = builder.Build();
        // Retried until the bound: a broker that is still coming up raises no event to wait on.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            try
            {
                var result = await client.ConnectAsync(options, ct).ConfigureAwait(false);
                if (result.ResultCode == MqttClientConnectResultCode.Success)
                {
                    break;
                }

                // A refusal (a wrong user or password) does not throw: say it once the bound has passed.
                if (DateTime.UtcNow >= deadline)
                {
                    throw new InvalidOperationException($"the broker {host}:{port} refused the observer{(login is null ? " (anonymous)" : " as " + login.User)}: {result.ResultCode} {result.ReasonString}");
                }
            }
            catch (Exception) when (DateTime.UtcNow < deadline)
            {
            }

            await Task.Delay(100, ct).ConfigureAwait(false);
        }

        await client.SubscribeAsync(
            new MqttClientFactory().CreateSubscribeOptionsBuilder().WithTopicFilter(observer._topics.Everything(), MqttQualityOfServiceLevel.AtLeastOnce).Build(),
            ct).ConfigureAwait(false);
        return observer;
    }

    /// <summary>Reconnects after a broker restart (the observer is a short-lived tool, so it does this on request).</summary>
    public async Task ReconnectAsync(CancellationToken ct)
    {
        if (_client.IsConnected)
        {
            return;
        }

        // A restarted broker (no persistence in the rack) lost every retained message: who is
        // present is unknown again until each client says so after the restart.
        lock (_gate)
        {
            foreach (var node in Snapshot.Nodes.Values)
            {
                node.Presence = null;
            }

            foreach (var board in Snapshot.Boards.Values)
            {
                board.Presence = null;
            }
        }

        // The broker accepts connections when its start returns; retried within a bound all the
        // same, since a refused connect raises no event to wait on.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            try
            {
                await _client.ReconnectAsync(ct).ConfigureAwait(false);
                break;
            }
            catch (Exception) when (DateTime.UtcNow < deadline && !ct.IsCancellationRequested)
            {
                await Task.Delay(100, ct).ConfigureAwait(false);
            }
        }

        await _client.SubscribeAsync(
            new MqttClientFactory().CreateSubscribeOptionsBuilder().WithTopicFilter(_topics.Everything(), MqttQualityOfServiceLevel.AtLeastOnce).Build(),
            ct).ConfigureAwait(false);
    }

    /// <summary>Publishes as the operator would (signed commands), not retained.</summary>
    public async Task PublishAsync(string topic, byte[] payload, CancellationToken ct)
    {
        var message = new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(payload)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build();
        await _client.PublishAsync(message, ct).ConfigureAwait(false);
    }

    public TopicTree Topics => _topics;

    public IReadOnlyList<Observation> Observations()
    {
        lock (_gate)
        {
            return [.. _observations];
        }
    }

    public IReadOnlyList<EventMessage> Events(long sinceMs = 0) =>
        Observations().Select(o => o.Message).OfType<EventMessage>().Where(e => e.Timestamp >= sinceMs).ToList();

    public IReadOnlyList<GrantAck> Acks(long sinceMs = 0) =>
        Observations().Select(o => o.Message).OfType<GrantAck>().Where(a => a.Timestamp >= sinceMs).ToList();

    /// <summary>The group's roles as last published, or null before the board has granted anything.</summary>
    public GroupRoles? LatestRoles(string group)
    {
        lock (_gate)
        {
            return Snapshot.Groups.TryGetValue(group, out var roles) ? roles : null;
        }
    }

    /// <summary>The board's status as last published (settled, time left, epoch), or null before its first.</summary>
    public BoardStatus? LatestBoard(string board)
    {
        lock (_gate)
        {
            return Snapshot.Boards.TryGetValue(board, out var view) ? view.State : null;
        }
    }

    /// <summary>
    /// The reading of the channel <paramref name="node"/> is wired to, as last published. With a
    /// pair, the board that last said it holds authority is asked first: the other's may be stale.
    /// </summary>
    public ChannelReading? LatestReading(string node)
    {
        lock (_gate)
        {
            return Snapshot.Boards.Values
                .OrderBy(b => b.State is { Pair: PairState.Authority } ? 0 : 1).ThenByDescending(b => b.State?.Timestamp ?? 0)
                .SelectMany(b => b.Channels.Values).FirstOrDefault(c => c.Node == node);
        }
    }

    /// <summary>Every board status received, in arrival order (each board's in its publishing order).</summary>
    public IReadOnlyList<BoardStatusSeen> BoardStatuses()
    {
        lock (_gate)
        {
            return [.. _boardStatuses];
        }
    }

    /// <summary>
    /// Waits until <paramref name="board"/>'s latest status says it holds authority, stamped no
    /// earlier than <paramref name="notBeforeWallMs"/> (a retained status from before proves nothing).
    /// </summary>
    public Task<bool> WaitForAuthorityAsync(string board, TimeSpan timeout, CancellationToken ct, long notBeforeWallMs = 0) =>
        WaitForAsync(o => o.LatestBoard(board) is { Pair: PairState.Authority } s && s.Timestamp >= notBeforeWallMs, timeout, ct);

    public NodeState? LatestState(string node)
    {
        lock (_gate)
        {
            return Snapshot.Nodes.TryGetValue(node, out var view) ? view.State : null;
        }
    }

    /// <summary>Runs <paramref name="render"/> under the observer's lock, so the snapshot does not change while it is drawn.</summary>
    public T WithSnapshot<T>(Func<ClusterSnapshot, T> render)
    {
        lock (_gate)
        {
            return render(Snapshot);
        }
    }

    /// <summary>
    /// Waits until <paramref name="condition"/> holds; false when <paramref name="timeout"/> passes.
    /// Checked again on every message received, and every 25 ms for the parts of a condition that
    /// read the probe, the servers or the overlap meter (no event reaches the observer for those).
    /// </summary>
    public async Task<bool> WaitForAsync(Func<ClusterObserver, bool> condition, TimeSpan timeout, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            // Taken before the check, so a message arriving during it wakes the wait below.
            var received = Volatile.Read(ref _received).Task;
            if (condition(this))
            {
                return true;
            }

            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
            {
                return false;
            }

            await Task.WhenAny(received, Task.Delay(left < OtherSourcesRecheck ? left : OtherSourcesRecheck, ct)).ConfigureAwait(false);
            ct.ThrowIfCancellationRequested();
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private void Apply(string topic, byte[] payload)
    {
        try
        {
            Record(topic, payload);
        }
        finally
        {
            Interlocked.Exchange(ref _received, NewSignal()).TrySetResult();
        }
    }

    private void Record(string topic, byte[] payload)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        lock (_gate)
        {
            _journal?.WriteLine($"{DateTimeOffset.FromUnixTimeMilliseconds(now):HH:mm:ss.fff} {topic} {System.Text.Encoding.UTF8.GetString(payload)}");
            var ev = Snapshot.Apply(topic, payload);
            if (_topics.TryParse(topic, out var board) && board is { Kind: TopicKind.BoardState } &&
                Snapshot.Boards.TryGetValue(board.Name, out var view) && view.State is { } status &&
                (_boardStatuses.Count == 0 || !ReferenceEquals(_boardStatuses[^1].Status, status)))
            {
                _boardStatuses.Add(new BoardStatusSeen(now, board.Name, status));
            }

            if (ev is not null)
            {
                _observations.Add(new Observation(now, topic, ev));
                return;
            }

            if (!_topics.TryParse(topic, out var parsed) || parsed is null || payload.Length == 0)
            {
                return;
            }

            object? message = parsed.Kind switch
            {
                TopicKind.NodeGrant when MessageCodec.TryDecode(payload, out Grant? g, out _) => g,
                TopicKind.NodeGrantAck when MessageCodec.TryDecode(payload, out GrantAck? a, out _) => a,
                TopicKind.GroupRoles when MessageCodec.TryDecode(payload, out GroupRoles? r, out _) => r,
                TopicKind.NodeState when MessageCodec.TryDecode(payload, out NodeState? s, out _) => s,
                TopicKind.CommandAck when MessageCodec.TryDecode(payload, out CommandAck? c, out _) => c,
                _ => null,
            };
            if (message is not null)
            {
                _observations.Add(new Observation(now, topic, message));
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_client.IsConnected)
        {
            await _client.DisconnectAsync().ConfigureAwait(false);
        }

        _client.Dispose();
        lock (_gate)
        {
            _journal?.Dispose();
        }
    }
}

/// <summary>Convenience reads over what the observer saw.</summary>
public static class ObservedRoles
{
    public static bool ClaimsActive(this NodeState? state) => state is not null && state.Role == NodeRole.Active;
}
