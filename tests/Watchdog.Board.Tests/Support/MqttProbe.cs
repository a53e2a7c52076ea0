using System.Buffers;
using System.Collections.Concurrent;
using System.Text;
using MQTTnet;
using MQTTnet.Protocol;

namespace Watchdog.Board.Tests.Support;

/// <summary>A plain MQTTnet client the tests use to watch and poke topics, like mosquitto_sub/_pub would.</summary>
internal sealed class MqttProbe : IAsyncDisposable
{
    private readonly IMqttClient _client;
    private readonly ConcurrentQueue<(string Topic, string Payload, bool Retain, long AtMs)> _seen = new();

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

    /// <summary>Waits until a message on <paramref name="topic"/> matches; returns its payload or throws with what was seen.</summary>
    public async Task<string> WaitForAsync(string topic, Func<string, bool> match, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            foreach (var m in _seen)
            {
                if (m.Topic == topic && match(m.Payload))
                {
                    return m.Payload;
                }
            }

            await Task.Delay(20);
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
            // broker already gone
        }

        _client.Dispose();
    }
}
