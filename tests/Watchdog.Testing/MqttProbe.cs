using System.Buffers;
using System.Collections.Concurrent;
using System.Text;
using MQTTnet;
using MQTTnet.Protocol;

namespace Watchdog.Testing;

/// <summary>One message a <see cref="MqttProbe"/> received, with its payload as bytes and as UTF-8 text.</summary>
public sealed record MqttSeen(string Topic, byte[] Bytes, string Payload, bool Retain, long AtMs);

/// <summary>
/// A plain MQTTnet client the tests use to watch and poke topics, like mosquitto_sub/_pub would:
/// it records every message it receives, in order, and waits on them.
/// </summary>
public sealed class MqttProbe : IAsyncDisposable
{
    private readonly IMqttClient _client;
    private readonly ConcurrentQueue<MqttSeen> _seen = new();

    /// <summary>The messages not yet taken by <see cref="Next"/>.</summary>
    private readonly BlockingCollection<MqttSeen> _unread = [];

    /// <summary>Completed (and replaced) on every message: what the waits wait on.</summary>
    private TaskCompletionSource _arrived = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private MqttProbe(IMqttClient client)
    {
        _client = client;
    }

    public bool IsConnected => _client.IsConnected;

    /// <summary>Every message received so far, in order.</summary>
    public IReadOnlyList<MqttSeen> Seen => [.. _seen];

    /// <summary>Connects with a fresh client id and subscribes to <paramref name="filters"/> at QoS 1.</summary>
    public static async Task<MqttProbe> ConnectAsync(string host, int port, params string[] filters)
    {
        MqttProbe probe = await ConnectCoreAsync(host, port, new MqttClientOptionsBuilder().WithClientId("probe-" + Guid.NewGuid().ToString("N")));
        foreach (string filter in filters)
        {
            await probe.SubscribeAsync(filter, MqttQualityOfServiceLevel.AtLeastOnce);
        }

        return probe;
    }

    /// <summary>Connects as <paramref name="clientId"/> (with <paramref name="extra"/> options: credentials, TLS), subscribed to nothing, giving up after 5 s.</summary>
    public static Task<MqttProbe> ConnectAsClientAsync(string host, int port, string clientId, MqttClientOptionsBuilder? extra = null) =>
        ConnectCoreAsync(host, port, (extra ?? new MqttClientOptionsBuilder()).WithClientId(clientId).WithTimeout(TimeSpan.FromSeconds(5)));

    /// <summary>Connects, subscribes, publishes and reads the message back through the broker.</summary>
    public static async Task<string> RoundTripAsync(string host, int port, string payload)
    {
        string id = Guid.NewGuid().ToString("N")[..12];
        await using MqttProbe probe = await ConnectAsClientAsync(host, port, "probe-" + id);
        string topic = "watchdog-test/" + id;
        await probe.SubscribeAsync(topic);
        await probe.PublishAsync(topic, payload, qos: MqttQualityOfServiceLevel.AtMostOnce);
        return probe.Next(TimeSpan.FromSeconds(5)).Payload;
    }

    public Task SubscribeAsync(string filter, MqttQualityOfServiceLevel qos = MqttQualityOfServiceLevel.AtMostOnce) =>
        _client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(filter, qos).Build());

    public Task PublishAsync(string topic, string payload, bool retain = false, MqttQualityOfServiceLevel qos = MqttQualityOfServiceLevel.AtLeastOnce) =>
        PublishAsync(topic, Encoding.UTF8.GetBytes(payload), retain, qos);

    /// <summary>Publishes raw bytes (garbage that is not UTF-8 at all, for instance).</summary>
    public Task PublishAsync(string topic, byte[] payload, bool retain = false, MqttQualityOfServiceLevel qos = MqttQualityOfServiceLevel.AtLeastOnce) =>
        _client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(payload).WithRetainFlag(retain)
            .WithQualityOfServiceLevel(qos).Build());

    /// <summary>The messages received on <paramref name="topic"/>, in order.</summary>
    public IEnumerable<MqttSeen> On(string topic) => _seen.Where(m => m.Topic == topic);

    /// <summary>Takes the next message not taken before, waiting up to <paramref name="timeout"/>.</summary>
    public MqttSeen Next(TimeSpan timeout) =>
        _unread.TryTake(out MqttSeen? message, timeout) ? message : throw new TimeoutException($"no MQTT message within {timeout.TotalSeconds} s");

    /// <summary>Waits until a message on <paramref name="topic"/> matches (checked on every arrival); returns its payload or throws with what was seen.</summary>
    public async Task<string> WaitForAsync(string topic, Func<string, bool> match, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(match);
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            // Taken before the scan, so a message arriving during it wakes the wait below.
            var arrived = Volatile.Read(ref _arrived).Task;
            foreach (MqttSeen m in _seen)
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
            // The broker may be gone already; that is what some tests do to it.
        }

        _client.Dispose();
        _unread.Dispose();
    }

    private static async Task<MqttProbe> ConnectCoreAsync(string host, int port, MqttClientOptionsBuilder options)
    {
        IMqttClient client = new MqttClientFactory().CreateMqttClient();
        var probe = new MqttProbe(client);
        // Handler before connect: messages queued for the session are delivered right after CONNACK.
        client.ApplicationMessageReceivedAsync += e =>
        {
            byte[] bytes = e.ApplicationMessage.Payload.ToArray();
            var seen = new MqttSeen(e.ApplicationMessage.Topic, bytes, Encoding.UTF8.GetString(bytes), e.ApplicationMessage.Retain, Environment.TickCount64);
            probe._seen.Enqueue(seen);
            probe._unread.Add(seen);
            Interlocked.Exchange(ref probe._arrived, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
            return Task.CompletedTask;
        };
        MqttClientConnectResult result = await client.ConnectAsync(options.WithTcpServer(host, port).Build());
        if (result.ResultCode != MqttClientConnectResultCode.Success)
        {
            client.Dispose();
            throw new InvalidOperationException($"CONNACK {result.ResultCode} from {host}:{port}");
        }

        return probe;
    }
}
