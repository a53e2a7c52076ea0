using System.Buffers;
using System.Collections.Concurrent;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Threading.Channels;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using Watchdog.Board.Hosting;

namespace Watchdog.Board.Mqtt;

/// <summary>
/// The board's MQTT side, on its own task so it never blocks the tick loop: the loop calls
/// Publish (never waits) and drains received messages with TryTakeInbound. MQTTnet 5 has no managed
/// client, so this is the reconnect loop: brokers are tried in order after every loss; after each
/// connect it re-subscribes and replays every retained value (clean session, so nothing is
/// assumed to survive on the broker), then drains the queue. A refused CONNACK does not throw in
/// MQTTnet 5, so ResultCode is checked. While the broker is away the core keeps ticking: losing the
/// broker never takes down a running active (safety rule 6).
/// </summary>
public sealed class MqttLink : IAsyncDisposable
{
    private readonly MqttLinkOptions _options;
    private readonly Action<string> _log;
    private readonly Channel<OutboundMessage> _queue;
    private readonly ConcurrentDictionary<string, OutboundMessage> _retained = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _publishedSequence = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<InboundMessage> _inbound = new();
    private readonly X509Certificate2Collection? _trustedCas;
    private readonly MqttClientFactory _factory = new();
    private long _sequence;
    private int _inboundCount;
    private IMqttClient? _client;
    private int _connections;
    private long _droppedInbound;

    public MqttLink(MqttLinkOptions options, Action<string> log)
    {
        _options = options;
        _log = log;
        _queue = Channel.CreateBounded<OutboundMessage>(new BoundedChannelOptions(options.QueueCapacity)
        {
            FullMode = BoundedChannelFullMode.DropOldest,
            SingleReader = false, // a waiter left over from a lost session may still be registered when the next one waits
            SingleWriter = false,
        });
        if (options.CaFile is not null)
        {
            _trustedCas = new X509Certificate2Collection();
            _trustedCas.ImportFromPemFile(options.CaFile);
            if (_trustedCas.Count == 0)
            {
                throw new InvalidDataException($"CA file '{options.CaFile}' holds no PEM certificate");
            }
        }
    }

    /// <summary>True while a session with a broker is up.</summary>
    public bool IsConnected => _client?.IsConnected == true;

    /// <summary>How many sessions have been established since start (tests watch it grow after a broker restart).</summary>
    public int Connections => Volatile.Read(ref _connections);

    /// <summary>The broker of the current or last session.</summary>
    public BrokerAddress? CurrentBroker { get; private set; }

    /// <summary>Received messages dropped because the tick loop fell behind (it should not).</summary>
    public long DroppedInbound => Interlocked.Read(ref _droppedInbound);

    /// <summary>Called after every (re)connect, once subscriptions are in place and retained state is replayed.</summary>
    public event Action<BrokerAddress>? Connected;

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

    /// <summary>Takes one received message, oldest first; false when none is waiting.</summary>
    public bool TryTakeInbound(out InboundMessage message)
    {
        if (_inbound.TryDequeue(out InboundMessage? taken))
        {
            Interlocked.Decrement(ref _inboundCount);
            message = taken;
            return true;
        }

        message = null!;
        return false;
    }

    /// <summary>Runs the reconnect loop until <paramref name="stop"/> fires.</summary>
    public async Task RunAsync(CancellationToken stop)
    {
        TimeSpan retry = _options.RetryMin;
        while (!stop.IsCancellationRequested)
        {
            (IMqttClient? client, Task lost) = await ConnectAnyAsync(stop).ConfigureAwait(false);
            if (client is null)
            {
                await DelayQuietly(retry, stop).ConfigureAwait(false);
                retry = TimeSpan.FromTicks(Math.Min(retry.Ticks * 2, _options.RetryMax.Ticks));
                continue;
            }

            retry = _options.RetryMin;
            try
            {
                await SubscribeAsync(client, stop).ConfigureAwait(false);
                await ReplayRetainedAsync(client, stop).ConfigureAwait(false);
                Interlocked.Increment(ref _connections);
                Connected?.Invoke(CurrentBroker!);
                await PumpAsync(client, lost, stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                _log($"mqtt: session with {CurrentBroker} ended: {e.GetType().Name}: {e.Message}");
            }

            if (!stop.IsCancellationRequested)
            {
                _log($"mqtt: lost {CurrentBroker}; reconnecting (the core keeps ticking meanwhile)");
            }
        }
    }

    /// <summary>Publishes <paramref name="farewell"/> (retained) directly, then disconnects cleanly (no will).</summary>
    public async Task StopAsync(string? farewellTopic, byte[]? farewellPayload)
    {
        IMqttClient? client = _client;
        if (client is null || !client.IsConnected)
        {
            return;
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        try
        {
            if (farewellTopic is not null && farewellPayload is not null)
            {
                await client.PublishAsync(Build(farewellTopic, farewellPayload, true), timeout.Token).ConfigureAwait(false);
            }

            await client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().Build(), timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            _log($"mqtt: clean disconnect failed: {e.Message}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        IMqttClient? client = Interlocked.Exchange(ref _client, null);
        if (client is not null)
        {
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
                _log($"mqtt: disconnect on dispose failed: {e.Message}");
            }

            client.Dispose();
        }
    }

    private async Task<(IMqttClient? Client, Task Lost)> ConnectAnyAsync(CancellationToken stop)
    {
        foreach (BrokerAddress broker in _options.Brokers)
        {
            if (stop.IsCancellationRequested)
            {
                return (null, Task.CompletedTask);
            }

            IMqttClient client = _factory.CreateMqttClient();

            // One "lost" signal per client: MQTTnet also raises DisconnectedAsync for a failed attempt.
            var lost = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

            // Handlers go on before connecting: retained messages arrive right after SUBACK.
            client.ApplicationMessageReceivedAsync += OnMessageAsync;
            client.DisconnectedAsync += _ =>
            {
                lost.TrySetResult();
                return Task.CompletedTask;
            };

            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stop);
                timeout.CancelAfter(_options.ConnectTimeout);
                MqttClientConnectResult result = await client.ConnectAsync(BuildOptions(broker), timeout.Token).ConfigureAwait(false);
                if (result.ResultCode != MqttClientConnectResultCode.Success)
                {
                    _log($"mqtt: {broker} refused the connection: {result.ResultCode} {result.ReasonString}");
                    client.Dispose();
                    continue;
                }

                IMqttClient? old = Interlocked.Exchange(ref _client, client);
                old?.Dispose();
                CurrentBroker = broker;
                _log($"mqtt: connected to {broker} as {_options.ClientId}");
                return (client, lost.Task);
            }
            catch (Exception e)
            {
                client.Dispose();
                if (stop.IsCancellationRequested)
                {
                    return (null, Task.CompletedTask);
                }

                _log($"mqtt: cannot connect to {broker}: {e.GetType().Name}: {e.Message}");
            }
        }

        return (null, Task.CompletedTask);
    }

    private MqttClientOptions BuildOptions(BrokerAddress broker)
    {
        MqttClientOptionsBuilder builder = new MqttClientOptionsBuilder()
            .WithTcpServer(broker.Host, broker.Port)
            .WithClientId(_options.ClientId)
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithCleanStart(true)
            .WithKeepAlivePeriod(_options.KeepAlive)
            .WithTimeout(_options.ConnectTimeout)
            .WithWillTopic(_options.WillTopic)
            .WithWillPayload(_options.WillPayload)
            .WithWillRetain(true)
            .WithWillQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce);
        if (_options.Username is not null)
        {
            builder = builder.WithCredentials(_options.Username, _options.Password ?? "");
        }

        if (_trustedCas is not null)
        {
            X509Certificate2Collection cas = _trustedCas;
            builder = builder.WithTlsOptions(tls => tls
                .UseTls(true)
                .WithCertificateValidationHandler(args => BrokerCertificateIsTrusted(args.Certificate, args.SslPolicyErrors, cas)));
        }

        return builder.Build();
    }

    /// <summary>
    /// Trusts the broker when its certificate chains to one of the CA file's certificates and names
    /// the host. The system store is not consulted: the cluster's CA is the only authority.
    /// </summary>
    internal static bool BrokerCertificateIsTrusted(X509Certificate? certificate, SslPolicyErrors errors, X509Certificate2Collection cas)
    {
        if (certificate is null || (errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0 || (errors & SslPolicyErrors.RemoteCertificateNotAvailable) != 0)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(cas);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using X509Certificate2 leaf = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        return chain.Build(leaf);
    }

    private async Task SubscribeAsync(IMqttClient client, CancellationToken stop)
    {
        if (_options.Subscriptions.Count == 0)
        {
            return;
        }

        MqttClientSubscribeOptionsBuilder builder = _factory.CreateSubscribeOptionsBuilder();
        foreach (string filter in _options.Subscriptions)
        {
            builder = builder.WithTopicFilter(f => f.WithTopic(filter).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce));
        }

        MqttClientSubscribeResult result = await client.SubscribeAsync(builder.Build(), stop).ConfigureAwait(false);
        foreach (MqttClientSubscribeResultItem item in result.Items)
        {
            if ((int)item.ResultCode > 2)
            {
                _log($"mqtt: subscription to '{item.TopicFilter.Topic}' refused: {item.ResultCode}");
            }
        }
    }

    private async Task ReplayRetainedAsync(IMqttClient client, CancellationToken stop)
    {
        OutboundMessage[] snapshot = [.. _retained.Values];
        Array.Sort(snapshot, (a, b) => a.Sequence.CompareTo(b.Sequence));
        foreach (OutboundMessage message in snapshot)
        {
            await PublishNowAsync(client, message, stop).ConfigureAwait(false);
        }
    }

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
                    await PublishNowAsync(client, message, stop).ConfigureAwait(false);
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

    private async Task PublishNowAsync(IMqttClient client, OutboundMessage message, CancellationToken stop)
    {
        MqttClientPublishResult result = await client.PublishAsync(Build(message.Topic, message.Payload, message.Retain), stop).ConfigureAwait(false);
        if (!result.IsSuccess)
        {
            // A publish refused by an ACL comes back as a reason code, not an exception.
            _log($"mqtt: publish to '{message.Topic}' refused: {result.ReasonCode} {result.ReasonString}");
        }

        if (message.Retain)
        {
            _publishedSequence[message.Topic] = message.Sequence;
        }
    }

    private static MqttApplicationMessage Build(string topic, byte[] payload, bool retain) =>
        new MqttApplicationMessageBuilder()
            .WithTopic(topic)
            .WithPayload(payload)
            .WithRetainFlag(retain)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build();

    private Task OnMessageAsync(MqttApplicationMessageReceivedEventArgs e)
    {
        if (Interlocked.Increment(ref _inboundCount) > _options.QueueCapacity)
        {
            Interlocked.Decrement(ref _inboundCount);
            Interlocked.Increment(ref _droppedInbound);
            return Task.CompletedTask;
        }

        _inbound.Enqueue(new InboundMessage(e.ApplicationMessage.Topic, e.ApplicationMessage.Payload.ToArray()));
        return Task.CompletedTask;
    }

    private static async Task DelayQuietly(TimeSpan delay, CancellationToken stop)
    {
        try
        {
            await Task.Delay(delay, stop).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // stopping
        }
    }
}
