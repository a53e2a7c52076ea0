using System.Buffers;
using System.Collections.Concurrent;
using System.Text;
using MQTTnet;
using MQTTnet.Protocol;
using Watchdog.Protocol.Json;
using Watchdog.Protocol.Messages;
using Watchdog.Protocol.Topics;

namespace Watchdog.Board.Tests.Support;

/// <summary>A plain MQTTnet client the tests use to watch and poke topics, like mosquitto_sub/_pub would.</summary>
internal sealed class MqttProbe : IAsyncDisposable
{
    private readonly IMqttClient _client;
    private readonly ConcurrentQueue<(string Topic, string Payload, bool Retain, long AtMs)> _seen = new();

    /// <summary>Completed (and replaced) on every message: what the waits wait on.</summary>
    private TaskCompletionSource _arrived = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private MqttProbe(IMqttClient client)
    {
        _client = client;
    }

    public static async Task<MqttProbe> ConnectAsync(string host, int port, params string[] filters)
    {
        IMqttClient client = new MqttClientFactory().CreateMqttClient();
        var probe = new MqttProbe(client);
        client.ApplicationMessageReceivedAsync += e =>
        {
            probe._seen.Enqueue((e.ApplicationMessage.Topic, Encoding.UTF8.GetString(e.ApplicationMessage.Payload.ToArray()), e.ApplicationMessage.Retain, Environment.TickCount64));
            Interlocked.Exchange(ref probe._arrived, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
            return Task.CompletedTask;
        };
        MqttClientConnectResult result = await client.ConnectAsync(new MqttClientOptionsBuilder()
            .WithTcpServer(host, port)
            .WithClientId("probe-" + Guid.NewGuid().ToString("N"))
            .Build());
        if (result.ResultCode != MqttClientConnectResultCode.Success)
        {
            throw new InvalidOperationException("probe could not connect: " + result.ResultCode);
        }

        foreach (string filter in filters)
        {
            await client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(filter, MqttQualityOfServiceLevel.AtLeastOnce).Build());
        }

        return probe;
    }

    public IReadOnlyList<(string Topic, string Payload, bool Retain, long AtMs)> Seen => [.. _seen];

    public Task PublishAsync(string topic, string payload, bool retain = false) => PublishAsync(topic, Encoding.UTF8.GetBytes(payload), retain);

    /// <summary>Publishes raw bytes (garbage that is not UTF-8 at all, for instance).</summary>
    public async Task PublishAsync(string topic, byte[] payload, bool retain = false)
    {
        await _client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(payload).WithRetainFlag(retain)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
    }

    /// <summary>Waits until a message on <paramref name="topic"/> matches (checked on every arrival); returns its payload or throws with what was seen.</summary>
    public async Task<string> WaitForAsync(string topic, Func<string, bool> match, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            // Taken before the scan, so a message arriving during it wakes the wait below.
            var arrived = Volatile.Read(ref _arrived).Task;
            foreach (var m in _seen)
            {
                if (m.Topic == topic && match(m.Payload))
                {
                    return m.Payload;
                }
            }

            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero || await Task.WhenAny(arrived, Task.Delay(left)) != arrived)
            {
                break;
            }
        }

        var lines = _seen.Select(m => m.Topic + " " + (m.Payload.Length > 200 ? m.Payload[..200] : m.Payload));
        throw new TimeoutException($"no matching message on {topic} within {timeout}; seen:\n" + string.Join("\n", lines.TakeLast(40)));
    }

    /// <summary>
    /// Waits for the board's status to say its boot grace is over (settled), stamped no earlier
    /// than <paramref name="notBeforeWallMs"/> (a restarted board's predecessor left a settled status behind).
    /// </summary>
    public Task<string> WaitForBoardSettledAsync(TopicTree topics, string board, long notBeforeWallMs, TimeSpan timeout) =>
        WaitForAsync(topics.BoardState(board), p => MessageCodec.TryDecode(Encoding.UTF8.GetBytes(p), out BoardStatus? s, out _) && s!.Settled && s.Timestamp >= notBeforeWallMs, timeout);

    /// <summary>Waits for a reading of <paramref name="channel"/> that matches, stamped no earlier than <paramref name="notBeforeWallMs"/>.</summary>
    public async Task<ChannelReading> WaitForReadingAsync(TopicTree topics, string board, string channel, long notBeforeWallMs, Func<ChannelReading, bool> match, TimeSpan timeout)
    {
        static ChannelReading? Decode(string p) => MessageCodec.TryDecode(Encoding.UTF8.GetBytes(p), out ChannelReading? r, out _) ? r : null;
        string payload = await WaitForAsync(topics.BoardChannel(board, channel), p => Decode(p) is { } r && r.Timestamp >= notBeforeWallMs && match(r), timeout);
        return Decode(payload)!;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_client.IsConnected)
            {
                await _client.DisconnectAsync();
            }
        }
        catch (Exception)
        {
            // broker already gone
        }

        _client.Dispose();
    }
}
