using System.Buffers;
using System.Collections.Concurrent;
using MQTTnet;
using MQTTnet.Protocol;

namespace Watchdog.Agent.Tests.Support;

/// <summary>A test-side MQTT subscriber that records every message it receives.</summary>
public sealed class MqttWatcher : IAsyncDisposable
{
    private readonly IMqttClient _client;

    private MqttWatcher(IMqttClient client)
    {
        _client = client;
    }

    public ConcurrentQueue<(string Topic, byte[] Payload, bool Retained, DateTime At)> Messages { get; } = new();

    public static async Task<MqttWatcher> ConnectAsync(string host, int port, string filter)
    {
        IMqttClient client = new MqttClientFactory().CreateMqttClient();
        var w = new MqttWatcher(client);
        client.ApplicationMessageReceivedAsync += e =>
        {
            w.Messages.Enqueue((e.ApplicationMessage.Topic, e.ApplicationMessage.Payload.ToArray(), e.ApplicationMessage.Retain, DateTime.UtcNow));
            return Task.CompletedTask;
        };
        MqttClientConnectResult r = await client.ConnectAsync(new MqttClientOptionsBuilder()
            .WithTcpServer(host, port)
            .WithClientId("agent-test-watcher-" + Guid.NewGuid().ToString("N")[..8])
            .Build());
        if (r.ResultCode != MqttClientConnectResultCode.Success)
        {
            throw new InvalidOperationException("watcher refused: " + r.ResultCode);
        }

        await client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(filter, MqttQualityOfServiceLevel.AtLeastOnce).Build());
        return w;
    }

    public IEnumerable<(string Topic, byte[] Payload, bool Retained, DateTime At)> On(string topic) => Messages.Where(m => m.Topic == topic);

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _client.DisconnectAsync();
        }
        catch (Exception)
        {
        }

        _client.Dispose();
    }
}
