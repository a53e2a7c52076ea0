using System.Collections.Concurrent;
using MQTTnet;

namespace Watchdog.Sim.Tests.Support;

/// <summary>A real MQTTnet 5 client for round trips against a test broker.</summary>
internal sealed class MqttProbe : IAsyncDisposable
{
    private readonly IMqttClient client;

    private MqttProbe(IMqttClient client) => this.client = client;

    public BlockingCollection<(string Topic, string Payload)> Received { get; } = [];

    public bool IsConnected => client.IsConnected;

    public static async Task<MqttProbe> ConnectAsync(string host, int port, string clientId, MqttClientOptionsBuilder? extra = null)
    {
        IMqttClient client = new MqttClientFactory().CreateMqttClient();
        var probe = new MqttProbe(client);
        // Handler before connect: messages queued for the session are delivered right after CONNACK.
        client.ApplicationMessageReceivedAsync += e =>
        {
            probe.Received.Add((e.ApplicationMessage.Topic, e.ApplicationMessage.ConvertPayloadToString() ?? ""));
            return Task.CompletedTask;
        };
        MqttClientOptions options = (extra ?? new MqttClientOptionsBuilder())
            .WithTcpServer(host, port)
            .WithClientId(clientId)
            .WithTimeout(TimeSpan.FromSeconds(5))
            .Build();
        MqttClientConnectResult result = await client.ConnectAsync(options);
        if (result.ResultCode != MqttClientConnectResultCode.Success)
        {
            throw new InvalidOperationException($"CONNACK {result.ResultCode} from {host}:{port}");
        }

        return probe;
    }

    public Task SubscribeAsync(string topic) => client.SubscribeAsync(topic);

    public Task PublishAsync(string topic, string payload, bool retain = false) =>
        client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(payload).WithRetainFlag(retain).Build());

    public (string Topic, string Payload) Next(TimeSpan timeout) =>
        Received.TryTake(out var message, timeout) ? message : throw new TimeoutException($"no MQTT message within {timeout.TotalSeconds} s");

    public async ValueTask DisposeAsync()
    {
        if (client.IsConnected)
        {
            try
            {
                await client.DisconnectAsync();
            }
            catch (Exception)
            {
                // The broker may be gone already; that is what some tests do to it.
            }
        }

        client.Dispose();
        Received.Dispose();
    }

    /// <summary>Connects, subscribes, publishes and reads the message back through the broker.</summary>
    public static async Task<string> RoundTripAsync(string host, int port, string payload)
    {
        string id = Guid.NewGuid().ToString("N")[..12];
        await using MqttProbe probe = await ConnectAsync(host, port, "probe-" + id);
        string topic = "watchdog-test/" + id;
        await probe.SubscribeAsync(topic);
        await probe.PublishAsync(topic, payload);
        return probe.Next(TimeSpan.FromSeconds(5)).Payload;
    }
}
