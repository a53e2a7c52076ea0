using System.Buffers;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MQTTnet;
using MQTTnet.Protocol;
using Watchdog.Mqtt;
using Watchdog.Protocol.Topics;

namespace Watchdog.Cli.Mqtt;

/// <summary>
/// watchdogctl's connection to the cluster's broker: tries the brokers in order, subscribes to
/// the cluster's tree and hands every message to <see cref="Received"/>. A short-lived tool, so
/// no reconnect loop: if the broker goes away the command ends with a clear message.
/// </summary>
public sealed class ClusterConnection : IAsyncDisposable
{
    private readonly IMqttClient _client;

    private ClusterConnection(IMqttClient client, TopicTree topics, BrokerEndpoint broker)
    {
        _client = client;
        Topics = topics;
        Broker = broker;
    }

    public TopicTree Topics { get; }

    public BrokerEndpoint Broker { get; }

    public bool IsConnected => _client.IsConnected;

    /// <summary>Every message received: topic, payload, retained flag.</summary>
    public BlockingCollection<ReceivedMessage> Received { get; } = new(new ConcurrentQueue<ReceivedMessage>());

    /// <summary>With <paramref name="caFile"/>, connects with TLS and accepts only a broker certificate for the broker's name signed by that CA.</summary>
    /// <param name="will">A retained message the broker publishes when the connection dies (a long-running command's availability); null: none.</param>
    public static async Task<ClusterConnection> ConnectAsync(
        IReadOnlyList<BrokerEndpoint> brokers, string cluster, string? username, string? password, string? caFile, CancellationToken ct,
        (string Topic, byte[] Payload)? will = null)
    {
        X509Certificate2Collection? trusted = null;
        if (caFile is not null)
        {
            try
            {
                trusted = BrokerTrust.LoadCaFile(caFile);
            }
            catch (InvalidDataException)
            {
                throw new BrokerUnreachableException($"--ca-file '{caFile}' holds no PEM certificate");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException)
            {
                throw new BrokerUnreachableException($"--ca-file '{caFile}': {e.Message}");
            }
        }

        var topics = new TopicTree(cluster);
        var failures = new List<string>();
        foreach (var broker in brokers)
        {
            var client = new MqttClientFactory().CreateMqttClient();
            var connection = new ClusterConnection(client, topics, broker);
            client.ApplicationMessageReceivedAsync += e =>
            {
                var message = e.ApplicationMessage;
                connection.Received.Add(new ReceivedMessage(message.Topic, message.Payload.ToArray(), message.Retain, DateTimeOffset.UtcNow));
                return Task.CompletedTask;
            };

            var options = new MqttClientOptionsBuilder()
                .WithTcpServer(broker.Host, broker.Port)
                .WithClientId($"watchdogctl-{Environment.ProcessId}-{Guid.NewGuid():N}"[..40])
                .WithTimeout(TimeSpan.FromSeconds(3))
                .WithCleanSession();
            if (username is not null)
            {
                options = options.WithCredentials(username, password ?? "");
            }

            if (trusted is not null)
            {
                options = options.WithBrokerTls(broker.Host, trusted);
            }

            if (will is { } last)
            {
                options = options.WithWillTopic(last.Topic).WithWillPayload(last.Payload).WithWillRetain().WithWillQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce);
            }

            try
            {
                var result = await client.ConnectAsync(options.Build(), ct).ConfigureAwait(false);
                if (result.ResultCode == MqttClientConnectResultCode.Success)
                {
                    return connection;
                }

                failures.Add($"{broker}: refused ({result.ResultCode} {result.ReasonString})");
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                failures.Add($"{broker}: {ex.Message}");
            }

            client.Dispose();
        }

        throw new BrokerUnreachableException("no broker answered: " + string.Join("; ", failures));
    }

    public async Task SubscribeAsync(string filter, CancellationToken ct)
    {
        var options = new MqttClientFactory().CreateSubscribeOptionsBuilder()
            .WithTopicFilter(filter, MqttQualityOfServiceLevel.AtLeastOnce)
            .Build();
        await _client.SubscribeAsync(options, ct).ConfigureAwait(false);
    }

    public async Task PublishAsync(string topic, byte[] payload, bool retain, CancellationToken ct)
    {
        var result = await _client.PublishAsync(MqttMessages.AtLeastOnce(topic, payload, retain), ct).ConfigureAwait(false);
        if (!result.IsSuccess)
        {
            throw new BrokerUnreachableException($"publish to {topic} refused by the broker: {result.ReasonCode} {result.ReasonString}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_client.IsConnected)
        {
            await _client.DisconnectAsync().ConfigureAwait(false);
        }

        _client.Dispose();
        Received.Dispose();
    }
}

public sealed record ReceivedMessage(string Topic, byte[] Payload, bool Retained, DateTimeOffset ReceivedAt);

public sealed class BrokerUnreachableException(string message) : Exception(message);
