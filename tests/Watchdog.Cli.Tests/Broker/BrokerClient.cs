using System.Buffers;
using System.Collections.Concurrent;
using System.Text;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace Watchdog.Cli.Tests.Broker;

/// <summary>
/// An MQTT 5 client as a board, agent or operator would log in: every message it receives is kept,
/// and a wait completes on the arrival of the message it waits for (no polling, no sleeps).
/// </summary>
public sealed class BrokerClient : IAsyncDisposable
{
    private readonly IMqttClient _client;
    private readonly ConcurrentQueue<(string Topic, string Payload)> _seen = new();
    private readonly List<(Func<string, string, bool> Match, TaskCompletionSource<string> Done)> _waits = [];

    private BrokerClient(IMqttClient client)
    {
        _client = client;
        // Attached before connecting: retained messages arrive right after SUBACK.
        client.ApplicationMessageReceivedAsync += e =>
        {
            OnMessage(e.ApplicationMessage.Topic, Encoding.UTF8.GetString(e.ApplicationMessage.Payload.ToArray()));
            return Task.CompletedTask;
        };
    }

    public MqttClientConnectResultCode Result { get; private set; }

    public IReadOnlyList<(string Topic, string Payload)> Seen => [.. _seen];

    /// <summary>Connects (user null: anonymous); look at <see cref="Result"/> for a refusal, MQTTnet does not throw for one.</summary>
    public static Task<BrokerClient> ConnectAsync(int port, string? user, string? password) => ConnectAsync("127.0.0.1", port, user, password);

    /// <summary>Connects to a broker on <paramref name="host"/> (the rack's runs on the host side of its network).</summary>
    public static async Task<BrokerClient> ConnectAsync(string host, int port, string? user, string? password)
    {
        IMqttClient client = new MqttClientFactory().CreateMqttClient();
        var options = new MqttClientOptionsBuilder()
            .WithTcpServer(host, port)
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithClientId("acl-test-" + Guid.NewGuid().ToString("N")[..12])
            .WithTimeout(TimeSpan.FromSeconds(10));
        if (user is not null)
        {
            options = options.WithCredentials(user, password);
        }

        var broker = new BrokerClient(client);
        MqttClientConnectResult result = await client.ConnectAsync(options.Build());
        broker.Result = result.ResultCode;
        return broker;
    }

    public async Task SubscribeAsync(string filter)
    {
        MqttClientSubscribeResult result = await _client.SubscribeAsync(
            new MqttClientSubscribeOptionsBuilder().WithTopicFilter(filter, MqttQualityOfServiceLevel.AtLeastOnce).Build());
        Assert.All(result.Items, i => Assert.Equal(MqttClientSubscribeResultCode.GrantedQoS1, i.ResultCode));
    }

    /// <summary>Publishes with QoS 1 and returns the broker's PUBACK reason (MQTT 5 says NotAuthorized for a publish the ACL refuses).</summary>
    public async Task<MqttClientPublishReasonCode> PublishAsync(string topic, string payload, bool retain = false)
    {
        MqttClientPublishResult result = await _client.PublishAsync(new MqttApplicationMessageBuilder()
            .WithTopic(topic)
            .WithPayload(payload)
            .WithRetainFlag(retain)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build());
        return result.ReasonCode;
    }

    /// <summary>Completes when a message on <paramref name="topic"/> with <paramref name="payload"/> has arrived (already, or later).</summary>
    public Task WaitForAsync(string topic, string payload, TimeSpan timeout) =>
        WaitForAsync(topic, p => p == payload, $"'{payload}'", timeout);

    /// <summary>Returns the first payload on <paramref name="topic"/> that <paramref name="match"/> takes (arrived already, or later).</summary>
    public async Task<string> WaitForAsync(string topic, Func<string, bool> match, string what, TimeSpan timeout)
    {
        var done = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_waits)
        {
            foreach (var (t, p) in _seen)
            {
                if (t == topic && match(p))
                {
                    return p;
                }
            }

            _waits.Add(((t, p) => t == topic && match(p), done));
        }

        try
        {
            return await done.Task.WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"no {what} on {topic} within {timeout}; seen:\n" + string.Join("\n", _seen.Select(m => m.Topic + " " + m.Payload)));
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_client.IsConnected)
        {
            await _client.DisconnectAsync();
        }

        _client.Dispose();
    }

    private void OnMessage(string topic, string payload)
    {
        lock (_waits)
        {
            _seen.Enqueue((topic, payload));
            foreach (var wait in _waits.Where(w => w.Match(topic, payload)).ToList())
            {
                wait.Done.TrySetResult(payload);
                _waits.Remove(wait);
            }
        }
    }
}
