using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Exceptions;

namespace Watchdog.Mqtt;

/// <summary>
/// The two ways to publish: <see cref="Publish"/> queues and never waits (the board's tick loop),
/// keeping the newest retained value of each topic to replay after every reconnect;
/// <see cref="PublishAsync"/> sends now and says whether the broker took it (the agent, which
/// re-publishes its retained state itself when <see cref="Connected"/> fires).
/// </summary>
public sealed partial class MqttLink
{
    private readonly Channel<OutboundMessage> _queue;
    private readonly ConcurrentDictionary<string, OutboundMessage> _retained = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _publishedSequence = new(StringComparer.Ordinal);
    private long _sequence;

    /// <summary>Queues a publish. Never blocks; safe from any thread.</summary>
    public void Publish(string topic, byte[] payload, bool retain)
    {
        var message = new OutboundMessage(topic, payload, retain, Interlocked.Increment(ref _sequence));
        if (retain)
        {
            _retained[topic] = message;
        }

        _queue.Writer.TryWrite(message);
    }

    /// <summary>Publishes now with QoS 1. Returns false when not connected, the send failed, or the broker refused (ACL).</summary>
    public async Task<bool> PublishAsync(string topic, byte[] payload, bool retain, CancellationToken ct)
    {
        IMqttClient? client = _client;
        if (client is null || !client.IsConnected)
        {
            return false;
        }

        try
        {
            return await SendAsync(client, new OutboundMessage(topic, payload, retain, 0), ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is MqttCommunicationException or InvalidOperationException or OperationCanceledException && !ct.IsCancellationRequested)
        {
            _log.LogDebug("publish to {Topic} failed: {Error}", topic, ex.Message);
            return false;
        }
    }

    /// <summary>Clean goodbye: publishes the last words (retained) and disconnects, so the broker does not send the will.</summary>
    public async Task CloseAsync(string? farewellTopic, byte[]? farewellPayload)
    {
        IMqttClient? client = _client;
        if (client is null || !client.IsConnected)
        {
            return;
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(3));
        try
        {
            if (farewellTopic is not null && farewellPayload is not null)
            {
                await SendAsync(client, new OutboundMessage(farewellTopic, farewellPayload, true, 0), timeout.Token).ConfigureAwait(false);
            }

            await client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().WithReason(MqttClientDisconnectOptionsReason.NormalDisconnection).Build(), timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            _log.LogDebug("clean disconnect failed: {Error}", e.Message);
        }
    }

    public void Dispose() => Interlocked.Exchange(ref _client, null)?.Dispose();

    public async ValueTask DisposeAsync()
    {
        IMqttClient? client = Interlocked.Exchange(ref _client, null);
        if (client is null)
        {
            return;
        }

        try
        {
            if (client.IsConnected)
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(1));
                await client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().Build(), timeout.Token).ConfigureAwait(false);
            }
        }
        catch (Exception e)
        {
            _log.LogDebug("disconnect on dispose failed: {Error}", e.Message);
        }

        client.Dispose();
    }

    private static Channel<OutboundMessage> CreateQueue(int capacity) =>
        Channel.CreateBounded<OutboundMessage>(new BoundedChannelOptions(capacity)
        {
            FullMode = BoundedChannelFullMode.DropOldest,
            SingleReader = false, // a waiter left over from a lost session may still be registered when the next one waits
            SingleWriter = false,
        });

    private async Task ReplayRetainedAsync(IMqttClient client, CancellationToken stop)
    {
        OutboundMessage[] snapshot = [.. _retained.Values];
        Array.Sort(snapshot, (a, b) => a.Sequence.CompareTo(b.Sequence));
        foreach (OutboundMessage message in snapshot)
        {
            await SendAsync(client, message, stop).ConfigureAwait(false);
        }
    }

    /// <summary>Sends the queue until the session is lost; with nothing queued it just waits for the loss.</summary>
    private async Task PumpAsync(IMqttClient client, Task lost, CancellationToken stop)
    {
        ChannelReader<OutboundMessage> reader = _queue.Reader;
        while (!stop.IsCancellationRequested && !lost.IsCompleted)
        {
            while (reader.TryPeek(out OutboundMessage? message))
            {
                if (!IsOvertaken(message))
                {
                    // Peek, publish, then remove: a publish that fails with the connection stays queued.
                    await SendAsync(client, message, stop).ConfigureAwait(false);
                }

                reader.TryRead(out _);
            }

            Task<bool> more = reader.WaitToReadAsync(stop).AsTask();
            await Task.WhenAny(more, lost).ConfigureAwait(false);
            if (more.IsCompleted && !await more.ConfigureAwait(false))
            {
                return; // writer completed: shutting down.
            }
        }
    }

    private bool IsOvertaken(OutboundMessage message)
    {
        if (!message.Retain)
        {
            return false;
        }

        if (_retained.TryGetValue(message.Topic, out OutboundMessage? newest) && newest.Sequence > message.Sequence)
        {
            return true; // a newer value is queued behind it (or was replayed already)
        }

        return _publishedSequence.TryGetValue(message.Topic, out long published) && published >= message.Sequence;
    }

    /// <summary>Sends one message; false when the broker refused it. Throws when the connection fails.</summary>
    private async Task<bool> SendAsync(IMqttClient client, OutboundMessage message, CancellationToken ct)
    {
        MqttClientPublishResult result = await client.PublishAsync(MqttMessages.AtLeastOnce(message.Topic, message.Payload, message.Retain), ct).ConfigureAwait(false);
        if (!result.IsSuccess)
        {
            // A publish refused by an ACL comes back as a reason code, not an exception.
            _log.LogWarning("publish to '{Topic}' refused: {Reason} {Text}", message.Topic, result.ReasonCode, result.ReasonString);
        }

        if (message.Retain && message.Sequence > 0)
        {
            _publishedSequence[message.Topic] = message.Sequence;
        }

        return result.IsSuccess;
    }

    /// <summary>
    /// One queued publish. Retained ones carry a sequence number so the link can drop one that a
    /// newer value for the same topic has overtaken (the newest is kept and replayed after every
    /// reconnect); 0 for a direct publish, which is never queued.
    /// </summary>
    private sealed record OutboundMessage(string Topic, byte[] Payload, bool Retain, long Sequence);
}
