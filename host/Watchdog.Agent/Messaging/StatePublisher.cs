using Microsoft.Extensions.Logging;
using Watchdog.Agent.Metrics;
using Watchdog.Agent.Status;
using Watchdog.Mqtt;

namespace Watchdog.Agent.Messaging;

/// <summary>
/// Publishes what the agent knows: presence word (retained; the will says lost), NodeState
/// (retained, on every change and every StatePublishMs so readers can judge freshness),
/// NodeMetrics (retained, every Metrics:IntervalMs) and events (not retained, queued while
/// the broker is away). After every (re)connect everything retained is published again,
/// which is what restores the status after a broker restart. With this node's key, the state and
/// grant acknowledgements (what the board decides on) are sealed.
/// </summary>
public sealed class StatePublisher
{
    private readonly MqttLink _link;
    private readonly TopicTree _topics;
    private readonly string _node;
    private readonly string _group;
    private readonly AgentStatus _status;
    private readonly EventOutbox _events;
    private readonly MetricsSampler _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private readonly int _stateEveryMs;
    private readonly int _metricsEveryMs;
    private readonly SemaphoreSlim _dirty = new(0, 1);
    private NodeMetrics? _lastMetrics;
    private Presence _lastPresence = Presence.Init;
    private readonly SealedChannel? _seals;

    public StatePublisher(MqttLink link, TopicTree topics, string node, string group, AgentStatus status, EventOutbox events, MetricsSampler metrics,
        int stateEveryMs, int metricsEveryMs, TimeProvider time, ILogger log, SealedChannel? seals = null)
    {
        _seals = seals;
        _link = link;
        _topics = topics;
        _node = node;
        _group = group;
        _status = status;
        _events = events;
        _metrics = metrics;
        _stateEveryMs = stateEveryMs;
        _metricsEveryMs = metricsEveryMs;
        _time = time;
        _log = log;
        status.Changed += MarkDirty;
    }

    /// <summary>The last NodeState published (for tests and the bench).</summary>
    public NodeState? LastState { get; private set; }

    public long Now => _time.GetUtcNow().ToUnixTimeMilliseconds();

    public void MarkDirty()
    {
        try
        {
            _dirty.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already marked; one publish covers every change so far.
        }
    }

    /// <summary>Runs on every connect: everything retained goes out again.</summary>
    public async Task OnConnectedAsync(CancellationToken ct)
    {
        await PublishStateAsync(force: true, ct).ConfigureAwait(false);
        NodeMetrics? m = _lastMetrics;
        if (m != null)
        {
            await _link.PublishAsync(_topics.NodeMetrics(_node), MessageCodec.Encode(m), retain: true, ct).ConfigureAwait(false);
        }
    }

    public Task RunAsync(CancellationToken ct) => Task.WhenAll(StateLoopAsync(ct), MetricsLoopAsync(ct), EventLoopAsync(ct));

    public Task PublishAckAsync(GrantAck ack, CancellationToken ct) =>
        _link.PublishAsync(_topics.NodeGrantAck(_node), Sealed(_topics.NodeGrantAck(_node), MessageCodec.Encode(ack)), retain: false, ct);

    private byte[] Sealed(string topic, byte[] body) => _seals is null ? body : _seals.Seal(topic, body, Now);

    public Task PublishAckAsync(CommandAck ack, CancellationToken ct) =>
        _link.PublishAsync(_topics.CommandAck(_node), MessageCodec.Encode(ack), retain: false, ct);

    private async Task StateLoopAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await _dirty.WaitAsync(TimeSpan.FromMilliseconds(_stateEveryMs), ct).ConfigureAwait(false);
                // Coalesce a burst of changes (several checks finishing together) into one message.
                await Task.Delay(TimeSpan.FromMilliseconds(20), _time, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            await PublishStateAsync(force: false, ct).ConfigureAwait(false);
        }
    }

    private async Task PublishStateAsync(bool force, CancellationToken ct)
    {
        NodeState state = _status.Snapshot(_node, _group, Now);
        LastState = state;
        Presence presence = state.Health == Health.Failing ? Presence.Alert : Presence.Ready;
        if (force || presence != _lastPresence)
        {
            if (await _link.PublishAsync(_topics.NodeStatus(_node), MessageCodec.EncodePresence(presence), retain: true, ct).ConfigureAwait(false))
            {
                _lastPresence = presence;
            }
        }

        await _link.PublishAsync(_topics.NodeState(_node), Sealed(_topics.NodeState(_node), MessageCodec.Encode(state)), retain: true, ct).ConfigureAwait(false);
    }

    private async Task MetricsLoopAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            NodeMetrics m = _metrics.Sample(_node, Now);
            _lastMetrics = m;
            await _link.PublishAsync(_topics.NodeMetrics(_node), MessageCodec.Encode(m), retain: true, ct).ConfigureAwait(false);
            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(_metricsEveryMs), _time, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task EventLoopAsync(CancellationToken ct)
    {
        try
        {
            while (await _events.Reader.WaitToReadAsync(ct).ConfigureAwait(false))
            {
                while (_events.Reader.TryPeek(out EventMessage? e))
                {
                    if (!_link.IsConnected)
                    {
                        break;
                    }

                    if (await _link.PublishAsync(_topics.Event(_node), MessageCodec.Encode(e), retain: false, ct).ConfigureAwait(false))
                    {
                        _events.Reader.TryRead(out _);
                    }
                    else
                    {
                        break;
                    }
                }

                // Not connected (or a publish failed): keep the events and look again shortly.
                await Task.Delay(TimeSpan.FromMilliseconds(_link.IsConnected ? 0 : 250), _time, ct).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception ex)
        {
            _log.LogError("event publishing stopped: {Error}", ex.Message);
        }
    }
}
