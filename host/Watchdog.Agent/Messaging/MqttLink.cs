using System.Buffers;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Protocol;
using Watchdog.Agent.Configuration;

namespace Watchdog.Agent.Messaging;

/// <summary>An inbound message; Retained is true for a retained value delivered on subscribe (possibly old).</summary>
public readonly record struct Inbound(string Topic, byte[] Payload, bool Retained);

/// <summary>
/// The agent's MQTT connection. MQTTnet 5 has no managed client, so this is the reconnect loop:
/// walk the ordered broker list, connect with the will, check the CONNACK result code (a refused
/// connection does not throw), subscribe, tell the owner (who re-publishes retained state), wait
/// for the disconnect, back off, start again from the first broker.
/// </summary>
public sealed class MqttLink : IDisposable
{
    private readonly MqttOptions _options;
    private readonly string _clientId;
    private readonly string _willTopic;
    private readonly byte[] _willPayload;
    private readonly IReadOnlyList<string> _subscriptions;
    private readonly ILogger _log;
    private readonly TimeProvider _time;
    private readonly IMqttClient _client;
    private readonly string _password;
    private TaskCompletionSource _disconnected = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public MqttLink(MqttOptions options, string clientId, string willTopic, byte[] willPayload, IReadOnlyList<string> subscriptions, ILogger log, TimeProvider time)
    {
        _options = options;
        _clientId = clientId;
        _willTopic = willTopic;
        _willPayload = willPayload;
        _subscriptions = subscriptions;
        _log = log;
        _time = time;
        _password = options.PasswordFile.Length > 0 ? File.ReadAllText(options.PasswordFile).TrimEnd('\r', '\n') : options.Password;
        _client = new MqttClientFactory().CreateMqttClient();

        // Attach handlers before connecting, so nothing delivered right after CONNACK is lost.
        _client.ApplicationMessageReceivedAsync += e =>
        {
            MqttApplicationMessage m = e.ApplicationMessage;
            Received?.Invoke(new Inbound(m.Topic, m.Payload.ToArray(), m.Retain));
            return Task.CompletedTask;
        };
        _client.DisconnectedAsync += e =>
        {
            if (e.ClientWasConnected)
            {
                _log.LogWarning("disconnected from {Broker}: {Reason} {Error}", CurrentBroker, e.Reason, e.Exception?.Message ?? "");
            }

            _disconnected.TrySetResult();
            return Task.CompletedTask;
        };
    }

    /// <summary>Called on MQTTnet's receive loop: the handler must only queue the message.</summary>
    public event Action<Inbound>? Received;

    /// <summary>Called after every successful connect and subscribe; re-publish retained state here.</summary>
    public event Func<Task>? Connected;

    /// <summary>Called when a connection is lost or every broker refused (for the state's reason).</summary>
    public event Action<string>? ConnectionProblem;

    public bool IsConnected => _client.IsConnected;

    public string CurrentBroker { get; private set; } = "";

    public async Task RunAsync(CancellationToken stopping)
    {
        int backoffMs = _options.ReconnectMinMs;
        while (!stopping.IsCancellationRequested)
        {
            var failures = new List<string>();
            foreach (BrokerOptions broker in _options.Brokers)
            {
                string name = broker.Host + ":" + broker.Port;
                string problem = await TryConnectAsync(broker, stopping).ConfigureAwait(false);
                if (problem.Length > 0)
                {
                    failures.Add(name + ": " + problem);
                    continue;
                }

                backoffMs = _options.ReconnectMinMs;
                CurrentBroker = name;
                _log.LogInformation("connected to broker {Broker}", name);
                try
                {
                    Func<Task>? connected = Connected;
                    if (connected != null)
                    {
                        await connected().ConfigureAwait(false);
                    }

                    await WaitForDisconnectAsync(stopping).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                ConnectionProblem?.Invoke("lost connection to broker " + name);
                break; // start again from the first (preferred) broker
            }

            if (failures.Count > 0 && failures.Count == _options.Brokers.Count)
            {
                string all = string.Join("; ", failures);
                _log.LogWarning("no broker reachable: {Problems}", all);
                ConnectionProblem?.Invoke("no broker reachable: " + all);
            }

            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(backoffMs), _time, stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            backoffMs = Math.Min(_options.ReconnectMaxMs, backoffMs * 2);
        }
    }

    /// <summary>Publishes with QoS 1. Returns false when not connected or the broker refused (ACL).</summary>
    public async Task<bool> PublishAsync(string topic, byte[] payload, bool retain, CancellationToken ct)
    {
        if (!_client.IsConnected)
        {
            return false;
        }

        MqttApplicationMessage message = new MqttApplicationMessageBuilder()
            .WithTopic(topic)
            .WithPayload(payload)
            .WithRetainFlag(retain)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build();
        try
        {
            MqttClientPublishResult r = await _client.PublishAsync(message, ct).ConfigureAwait(false);
            if (!r.IsSuccess)
            {
                // A publish denied by an ACL comes back as a reason code, not an exception.
                _log.LogWarning("publish to {Topic} refused: {Reason} {Text}", topic, r.ReasonCode, r.ReasonString);
            }

            return r.IsSuccess;
        }
        catch (Exception ex) when (ex is MQTTnet.Exceptions.MqttCommunicationException or InvalidOperationException or OperationCanceledException && !ct.IsCancellationRequested)
        {
            _log.LogDebug("publish to {Topic} failed: {Error}", topic, ex.Message);
            return false;
        }
    }

    /// <summary>Clean goodbye: publish the last words (retained) and disconnect so the will is not sent.</summary>
    public async Task CloseAsync(string topic, byte[] payload)
    {
        if (!_client.IsConnected)
        {
            return;
        }

        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(3));
        try
        {
            await PublishAsync(topic, payload, retain: true, cts.Token).ConfigureAwait(false);
            await _client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().WithReason(MqttClientDisconnectOptionsReason.NormalDisconnection).Build(), cts.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is MQTTnet.Exceptions.MqttCommunicationException or OperationCanceledException or InvalidOperationException)
        {
            _log.LogDebug("clean disconnect failed: {Error}", ex.Message);
        }
    }

    public void Dispose() => _client.Dispose();

    private async Task<string> TryConnectAsync(BrokerOptions broker, CancellationToken stopping)
    {
        _disconnected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        MqttClientOptionsBuilder b = new MqttClientOptionsBuilder()
            .WithTcpServer(broker.Host, broker.Port)
            .WithClientId(_clientId)
            .WithCleanStart(true)
            .WithKeepAlivePeriod(TimeSpan.FromSeconds(_options.KeepAliveSeconds))
            .WithTimeout(TimeSpan.FromMilliseconds(_options.ConnectTimeoutMs))
            .WithWillTopic(_willTopic)
            .WithWillPayload(_willPayload)
            .WithWillRetain(true)
            .WithWillQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce);
        if (_options.Username.Length > 0)
        {
            b = b.WithCredentials(_options.Username, _password);
        }

        if (broker.Tls)
        {
            b = b.WithTlsOptions(t =>
            {
                t.UseTls(true).WithTargetHost(broker.Host);
                if (broker.CaFile.Length > 0)
                {
                    var chain = new X509Certificate2Collection();
                    chain.ImportFromPemFile(broker.CaFile);
                    t.WithTrustChain(chain);
                }
            });
        }

        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stopping);
            timeout.CancelAfter(_options.ConnectTimeoutMs);
            MqttClientConnectResult result = await _client.ConnectAsync(b.Build(), timeout.Token).ConfigureAwait(false);
            if (result.ResultCode != MqttClientConnectResultCode.Success)
            {
                // ConnectAsync does not throw on a refused CONNACK (bad password, not authorised).
                return "refused: " + result.ResultCode + (string.IsNullOrEmpty(result.ReasonString) ? "" : " (" + result.ReasonString + ")");
            }

            foreach (string filter in _subscriptions)
            {
                MqttClientSubscribeResult s = await _client.SubscribeAsync(
                    new MqttClientSubscribeOptionsBuilder().WithTopicFilter(filter, MqttQualityOfServiceLevel.AtLeastOnce).Build(), stopping).ConfigureAwait(false);
                foreach (MqttClientSubscribeResultItem item in s.Items)
                {
                    if ((int)item.ResultCode > 2)
                    {
                        _log.LogError("subscription to {Filter} refused: {Code}", filter, item.ResultCode);
                    }
                }
            }

            return "";
        }
        catch (OperationCanceledException) when (!stopping.IsCancellationRequested)
        {
            await SafeDisconnectAsync().ConfigureAwait(false);
            return "no answer within " + _options.ConnectTimeoutMs + " ms";
        }
        catch (Exception ex) when (ex is MQTTnet.Exceptions.MqttCommunicationException or System.Net.Sockets.SocketException or IOException
                                       or System.Security.Authentication.AuthenticationException or InvalidOperationException
                                       or System.Security.Cryptography.CryptographicException)
        {
            await SafeDisconnectAsync().ConfigureAwait(false);
            return ex.InnerException != null ? ex.Message + " (" + ex.InnerException.Message + ")" : ex.Message;
        }
    }

    private async Task WaitForDisconnectAsync(CancellationToken stopping)
    {
        while (true)
        {
            TaskCompletionSource signal = _disconnected;
            if (!_client.IsConnected)
            {
                return;
            }

            // The event wakes us at once; the periodic look guards against a late event from an
            // earlier failed attempt completing this signal while the client is connected.
            await Task.WhenAny(signal.Task, Task.Delay(TimeSpan.FromSeconds(1), _time, stopping)).ConfigureAwait(false);
            stopping.ThrowIfCancellationRequested();
            if (signal.Task.IsCompleted && _client.IsConnected)
            {
                _disconnected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }
    }

    private async Task SafeDisconnectAsync()
    {
        try
        {
            if (_client.IsConnected)
            {
                await _client.DisconnectAsync(new MqttClientDisconnectOptions(), CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is MQTTnet.Exceptions.MqttCommunicationException or InvalidOperationException)
        {
        }
    }
}
