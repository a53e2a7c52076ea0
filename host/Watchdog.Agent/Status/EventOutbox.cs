using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace Watchdog.Agent.Status;

/// <summary>Where components report what an operator should hear about.</summary>
public interface IAgentEvents
{
    /// <param name="kind">A stable dash-separated word ("check-failing", "heartbeat-device-error").</param>
    void Raise(string kind, Severity severity, string detail);
}

/// <summary>
/// Events waiting to be published. Bounded: while the broker is away the oldest events are
/// dropped rather than growing memory without limit (the log keeps every one).
/// </summary>
public sealed class EventOutbox : IAgentEvents
{
    public const int Capacity = 256;

    private readonly Channel<EventMessage> _queue = Channel.CreateBounded<EventMessage>(
        new BoundedChannelOptions(Capacity) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });

    private readonly string _node;
    private readonly string _group;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private readonly Func<long> _epoch;

    public EventOutbox(string node, string group, TimeProvider time, ILogger log, Func<long> epoch)
    {
        _node = node;
        _group = group;
        _time = time;
        _log = log;
        _epoch = epoch;
    }

    public ChannelReader<EventMessage> Reader => _queue.Reader;

    public void Raise(string kind, Severity severity, string detail)
    {
        LogLevel level = severity switch
        {
            Severity.Info => LogLevel.Information,
            Severity.Warning => LogLevel.Warning,
            Severity.Alert => LogLevel.Error,
            _ => LogLevel.Critical,
        };
        _log.Log(level, "event {Kind} ({Severity}): {Detail}", kind, WireWords.Of(severity), detail);
        _queue.Writer.TryWrite(new EventMessage
        {
            Source = _node,
            Kind = kind,
            Severity = severity,
            Node = _node,
            Group = _group,
            Epoch = _epoch(),
            Detail = detail,
            Timestamp = _time.GetUtcNow().ToUnixTimeMilliseconds(),
        });
    }
}
