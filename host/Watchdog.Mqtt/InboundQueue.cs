using System.Collections.Concurrent;

namespace Watchdog.Mqtt;

/// <summary>
/// Received messages held for a single-threaded consumer (the board's tick loop): the link's
/// receive loop adds, the consumer takes, oldest first. Bounded: beyond the capacity new messages
/// are dropped and counted (the consumer should never fall that far behind).
/// </summary>
public sealed class InboundQueue(int capacity)
{
    private readonly ConcurrentQueue<MqttInbound> _messages = new();
    private int _count;
    private long _dropped;

    /// <summary>Received messages dropped because the consumer fell behind.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Adds a message; never blocks (a handler for <see cref="MqttLink.Received"/>).</summary>
    public void Add(MqttInbound message)
    {
        if (Interlocked.Increment(ref _count) > capacity)
        {
            Interlocked.Decrement(ref _count);
            Interlocked.Increment(ref _dropped);
            return;
        }

        _messages.Enqueue(message);
    }

    /// <summary>Takes one received message, oldest first; false when none is waiting.</summary>
    public bool TryTake(out MqttInbound message)
    {
        if (_messages.TryDequeue(out message))
        {
            Interlocked.Decrement(ref _count);
            return true;
        }

        return false;
    }
}
