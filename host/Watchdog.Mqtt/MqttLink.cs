using System.Buffers;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Protocol;

namespace Watchdog.Mqtt;

/// <summary>
/// The MQTT connection of the agent and the Linux board. MQTTnet 5 has no managed client, so this
/// is the reconnect loop: walk the ordered broker list with a fresh client per attempt, connect
/// with the will, check the CONNACK result code (a refused connection does not throw in MQTTnet 5),
/// subscribe, replay every retained value published through <see cref="Publish"/> (clean start, so
/// nothing is assumed to survive on the broker), tell the owner (<see cref="Connected"/>), then send
/// the queue until the session is lost; back off on the TimeProvider while no broker accepts us and
/// start again from the first (preferred) broker. Losing the broker never stops the owner's work:
/// the board's core keeps ticking and the agent keeps its heartbeat (safety rule 6).
/// </summary>
public sealed partial class MqttLink : IDisposable, IAsyncDisposable
{
    private readonly MqttLinkOptions _options;
    private readonly ILogger _log;
    private readonly Dictionary<string, X509Certificate2Collection> _trustedCas = new(StringComparer.Ordinal);
    private readonly MqttClientFactory _factory = new();
    private IMqttClient? _client;
    private int _connections;

    /// <summary>Reads every broker's CA file now, so a file without a certificate stops the program at start.</summary>
    public MqttLink(MqttLinkOptions options, ILogger log)
    {
        _options = options;
        _log = log;
        foreach (MqttBroker broker in options.Brokers)
        {
            if (broker.Tls && broker.CaFile is not null && !_trustedCas.ContainsKey(broker.CaFile))
            {
                _trustedCas[broker.CaFile] = BrokerTrust.LoadCaFile(broker.CaFile);
            }
        }

        _queue = CreateQueue(options.QueueCapacity);
    }

    /// <summary>Called on MQTTnet's receive loop for every message: the handler must only queue it.</summary>
    public event Action<MqttInbound>? Received;

    /// <summary>Called after every (re)connect, once subscriptions are in place and retained values are replayed.</summary>
    public event Func<Task>? Connected;

    /// <summary>Called when a session is lost or every broker refused (the agent puts it in its state's reason).</summary>
    public event Action<string>? ConnectionProblem;

    /// <summary>True while a session with a broker is up.</summary>
    public bool IsConnected => _client?.IsConnected == true;

    /// <summary>How many sessions have been established since start (tests watch it grow after a broker restart).</summary>
    public int Connections => Volatile.Read(ref _connections);

    /// <summary>The broker of the current or last session; null before the first.</summary>
    public MqttBroker? CurrentBroker { get; private set; }

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
                retry = Longer(retry);
                continue;
            }

            retry = _options.RetryMin;
            try
            {
                await SubscribeAsync(client, stop).ConfigureAwait(false);
                await ReplayRetainedAsync(client, stop).ConfigureAwait(false);
                await RaiseConnectedAsync().ConfigureAwait(false);
                Interlocked.Increment(ref _connections);
                await PumpAsync(client, lost, stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                _log.LogWarning("session with {Broker} ended: {Error}", CurrentBroker, Describe(e));
            }

            if (stop.IsCancellationRequested)
            {
                break;
            }

            _log.LogWarning("lost {Broker}; reconnecting", CurrentBroker);
            ConnectionProblem?.Invoke("lost connection to broker " + CurrentBroker);
            if (_options.BackOffAfterLoss)
            {
                await DelayQuietly(retry, stop).ConfigureAwait(false);
                retry = Longer(retry);
            }
        }
    }

    private TimeSpan Longer(TimeSpan retry) => TimeSpan.FromTicks(Math.Min(retry.Ticks * 2, _options.RetryMax.Ticks));

    private async Task RaiseConnectedAsync()
    {
        if (Connected is not { } connected)
        {
            return;
        }

        foreach (Func<Task> handler in connected.GetInvocationList().Cast<Func<Task>>())
        {
            await handler().ConfigureAwait(false);
        }
    }

    private async Task<(IMqttClient? Client, Task Lost)> ConnectAnyAsync(CancellationToken stop)
    {
        var failures = new List<string>();
        foreach (MqttBroker broker in _options.Brokers)
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

            string problem;
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stop);
                timeout.CancelAfter(_options.ConnectTimeout);
                MqttClientConnectResult result = await client.ConnectAsync(BuildOptions(broker), timeout.Token).ConfigureAwait(false);
                if (result.ResultCode == MqttClientConnectResultCode.Success)
                {
                    IMqttClient? old = Interlocked.Exchange(ref _client, client);
                    old?.Dispose();
                    CurrentBroker = broker;
                    _log.LogInformation("connected to {Broker} as {ClientId}", broker, _options.ClientId);
                    return (client, lost.Task);
                }

                // ConnectAsync does not throw on a refused CONNACK (bad password, not authorised).
                problem = "refused: " + result.ResultCode + (string.IsNullOrEmpty(result.ReasonString) ? "" : " (" + result.ReasonString + ")");
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                client.Dispose();
                return (null, Task.CompletedTask);
            }
            catch (OperationCanceledException)
            {
                problem = "no answer within " + (long)_options.ConnectTimeout.TotalMilliseconds + " ms";
            }
            catch (Exception e)
            {
                problem = Describe(e);
            }

            client.Dispose();
            _log.LogDebug("cannot connect to {Broker}: {Problem}", broker, problem);
            failures.Add(broker + ": " + problem);
        }

        if (failures.Count > 0)
        {
            string all = string.Join("; ", failures);
            _log.LogWarning("no broker reachable: {Problems}", all);
            ConnectionProblem?.Invoke("no broker reachable: " + all);
        }

        return (null, Task.CompletedTask);
    }

    private MqttClientOptions BuildOptions(MqttBroker broker)
    {
        MqttClientOptionsBuilder builder = new MqttClientOptionsBuilder()
            .WithTcpServer(broker.Host, broker.Port)
            .WithClientId(_options.ClientId)
            .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500)
            .WithCleanStart(true)
            .WithKeepAlivePeriod(_options.KeepAlive)
            .WithTimeout(_options.ConnectTimeout);
        if (_options.WillTopic.Length > 0)
        {
            builder = builder
                .WithWillTopic(_options.WillTopic)
                .WithWillPayload(_options.WillPayload)
                .WithWillRetain(true)
                .WithWillQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce);
        }

        if (_options.Username is not null)
        {
            builder = builder.WithCredentials(_options.Username, _options.Password ?? "");
        }

        if (broker.Tls)
        {
            builder = builder.WithBrokerTls(broker.Host, broker.CaFile is null ? null : _trustedCas[broker.CaFile]);
        }

        return builder.Build();
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
                _log.LogError("subscription to '{Filter}' refused: {Code}", item.TopicFilter.Topic, item.ResultCode);
            }
        }
    }

    private Task OnMessageAsync(MqttApplicationMessageReceivedEventArgs e)
    {
        MqttApplicationMessage m = e.ApplicationMessage;
        Received?.Invoke(new MqttInbound(m.Topic, m.Payload.ToArray(), m.Retain));
        return Task.CompletedTask;
    }

    private static string Describe(Exception e) =>
        e.InnerException is null ? e.GetType().Name + ": " + e.Message : e.GetType().Name + ": " + e.Message + " (" + e.InnerException.Message + ")";

    private async Task DelayQuietly(TimeSpan delay, CancellationToken stop)
    {
        try
        {
            await Task.Delay(delay, _options.Time, stop).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // stopping
        }
    }
}
