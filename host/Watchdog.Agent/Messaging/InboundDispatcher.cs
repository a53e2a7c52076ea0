using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Watchdog.Agent.Checks;
using Watchdog.Agent.Roles;
using Watchdog.Agent.Status;
using Watchdog.Mqtt;

namespace Watchdog.Agent.Messaging;

/// <summary>
/// Takes messages off MQTTnet's receive loop (which must not wait on hooks) and handles them
/// one by one on its own loop: grants, board requests, signed commands, and board traffic as a
/// sign of life from the board. With Seals, a grant, request or channel reading counts only when
/// sealed by a board key for its topic and not replayed; a request must also be fresh and issued
/// after this agent started (it is not retained: one from before may have been carried out).
/// </summary>
public sealed class InboundDispatcher
{
    private readonly Channel<MqttInbound> _queue = Channel.CreateBounded<MqttInbound>(new BoundedChannelOptions(256) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
    private readonly TopicTree _topics;
    private readonly string _node;
    private readonly RoleState _roles;
    private readonly BoardContact _contact;
    private readonly CommandGate _commands;
    private readonly StatePublisher _publisher;
    private readonly IAgentEvents _events;
    private readonly string _restartUnit;
    private readonly int _restartTimeoutMs;
    private readonly ILogger _log;

    public InboundDispatcher(TopicTree topics, string node, RoleState roles, BoardContact contact, CommandGate commands, StatePublisher publisher,
        IAgentEvents events, string restartUnit, int restartTimeoutMs, ILogger log)
    {
        _topics = topics;
        _node = node;
        _roles = roles;
        _contact = contact;
        _commands = commands;
        _publisher = publisher;
        _events = events;
        _restartUnit = restartUnit;
        _restartTimeoutMs = restartTimeoutMs;
        _log = log;
    }

    /// <summary>The node's sealed channel; null takes board messages unsealed (no key of this node).</summary>
    public SealedChannel? Seals { get; init; }

    /// <summary>How far a request's timestamp may be from this agent's clock.</summary>
    public long MaxSkewMs { get; init; } = 30_000;

    /// <summary>Wall clock at start: requests issued before it are refused as possible replays.</summary>
    public long StartedAtMs { get; init; }

    /// <summary>The filters the agent subscribes to.</summary>
    public static string[] Subscriptions(TopicTree t, string node) =>
        new[] { t.NodeGrant(node), t.NodeRequest(node), t.Command(node), t.AllBoards() };

    public void Enqueue(MqttInbound m) => _queue.Writer.TryWrite(m);

    public async Task RunAsync(CancellationToken ct)
    {
        try
        {
            await foreach (MqttInbound m in _queue.Reader.ReadAllAsync(ct).ConfigureAwait(false))
            {
                try
                {
                    await HandleAsync(m, ct).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (ct.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception ex)
                {
                    _log.LogError("handling {Topic} failed: {Error}", m.Topic, ex.Message);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task HandleAsync(MqttInbound m, CancellationToken ct)
    {
        if (!_topics.TryParse(m.Topic, out ParsedTopic? t) || t == null)
        {
            return;
        }

        if (Seals is not null && m.Payload.Length > 0 && !SealHolds(m, t))
        {
            return;
        }

        switch (t.Kind)
        {
            case TopicKind.NodeGrant when t.Name == _node:
                if (m.Payload.Length == 0)
                {
                    return; // a cleared retained grant
                }

                if (MessageCodec.TryDecode(m.Payload, out Grant? grant, out CodecError? gErr) && grant != null)
                {
                    await _roles.HandleGrantAsync(grant, live: !m.Retained, Seals is null ? "" : System.Text.Encoding.UTF8.GetString(m.Payload), ct).ConfigureAwait(false);
                }
                else
                {
                    _events.Raise("message-unreadable", Severity.Warning, "grant on " + m.Topic + ": " + gErr);
                }

                break;
            case TopicKind.NodeRequest when t.Name == _node:
                if (MessageCodec.TryDecode(m.Payload, out AgentRequest? request, out CodecError? rErr) && request != null)
                {
                    long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
                    if (Seals is not null && (request.Timestamp < StartedAtMs || Math.Abs(request.Timestamp - now) > MaxSkewMs))
                    {
                        _events.Raise("message-unauthenticated", Severity.Alert, "request on " + m.Topic + ": stale: issued at " + request.Timestamp +
                            (request.Timestamp < StartedAtMs ? ", before this agent started at " + StartedAtMs + " (a request is never retained; an old one may be a replay)" : ", " + (request.Timestamp - now) + " ms from this agent's clock, beyond the allowed skew of " + MaxSkewMs + " ms"));
                    }
                    else if (!m.Retained)
                    {
                        _contact.Heard("request");
                        await HandleRequestAsync(request, ct).ConfigureAwait(false);
                    }
                }
                else
                {
                    _events.Raise("message-unreadable", Severity.Warning, "request on " + m.Topic + ": " + rErr);
                }

                break;
            case TopicKind.Command when t.Name == _node:
                if (m.Retained || m.Payload.Length == 0)
                {
                    return; // commands are never retained; a retained one is junk or an old replay
                }

                bool ok = MessageCodec.TryDecode(m.Payload, out SignedCommand? command, out CodecError? cErr);
                CommandAck? ack = _commands.Handle(ok ? command : null, cErr?.ToString() ?? "");
                if (ack != null)
                {
                    await _publisher.PublishAckAsync(ack, ct).ConfigureAwait(false);
                }

                break;
            case TopicKind.BoardChannel:
                // The board publishes the reading of every channel periodically. A live one about
                // this node proves that the board watching this server is alive; readings about
                // other nodes (other boards, other groups) prove nothing about ours.
                if (!m.Retained && MessageCodec.TryDecode(m.Payload, out ChannelReading? reading, out _) && reading != null && reading.Node == _node)
                {
                    _contact.Heard("board " + t.Name + " channel " + t.Channel);
                }

                break;
        }
    }

    // Only what the board says counts: the seal of a board key for this topic, never seen before.
    // Refusals of grants and requests are alerts (someone publishes what they may not); a channel
    // reading that fails only stops counting as a sign of the board's life.
    private bool SealHolds(MqttInbound m, ParsedTopic t)
    {
        bool mine = t.Name == _node;
        string what = t.Kind switch
        {
            TopicKind.NodeGrant when mine => "grant",
            TopicKind.NodeRequest when mine => "request",
            TopicKind.BoardChannel => "",
            _ => null!,
        };
        if (what is null)
        {
            return true; // commands carry their own signature; other topics are not acted on
        }

        SealVerdict v = Seals!.Check(m.Topic, t.Kind, t.Name, m.Payload, out _, out string detail);
        if (v == SealVerdict.Sealed)
        {
            return true;
        }

        if (v == SealVerdict.Replayed && (m.Retained || t.Kind == TopicKind.NodeGrant))
        {
            // The broker hands the retained grant out again after a reconnect, and the board
            // publishes its retained grants again after its own: the same grant, already acted on.
            _log.LogDebug("{What} on {Topic} seen before: {Detail}", what, m.Topic, detail);
            return false;
        }

        if (what.Length > 0)
        {
            _events.Raise("message-unauthenticated", Severity.Alert, what + " on " + m.Topic + ": " + SealedChannel.VerdictWord(v) + ": " + detail);
        }

        return false;
    }

    private async Task HandleRequestAsync(AgentRequest request, CancellationToken ct)
    {
        switch (request.Kind)
        {
            case AgentRequestKind.Demote:
                await _roles.DemoteAsync("board requested demote: " + request.Reason, request.Epoch, ct).ConfigureAwait(false);
                break;
            case AgentRequestKind.RestartService:
                if (_restartUnit.Length == 0)
                {
                    _events.Raise("request-refused", Severity.Warning, "board asked to restart the service (" + request.Reason + ") but Board:RestartUnit is not configured");
                    return;
                }

                _events.Raise("service-restart", Severity.Warning, "board asked to restart " + _restartUnit + ": " + request.Reason);
                RunResult r = await ProcessRunner.RunAsync("systemctl", new[] { "restart", _restartUnit }, _restartTimeoutMs, ct).ConfigureAwait(false);
                _events.Raise(
                    r.Started && !r.TimedOut && r.ExitCode == 0 ? "service-restarted" : "service-restart-failed",
                    r.Started && !r.TimedOut && r.ExitCode == 0 ? Severity.Info : Severity.Alert,
                    _restartUnit + ": " + (!r.Started ? r.StartError : r.TimedOut ? "timed out" : "exit " + r.ExitCode + " " + r.Output));
                break;
        }
    }
}
