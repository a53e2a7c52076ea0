using Watchdog.Mqtt;
using Watchdog.Protocol.Signing;
using Watchdog.Protocol.Topics;

namespace Watchdog.Metrics.Exporter;

/// <summary>What `watchdogctl exporter` runs with.</summary>
public sealed record ExporterSettings(
    string Cluster,
    IReadOnlyList<MqttBroker> Brokers,
    string? Username,
    string? Password,
    KeyRing BoardKeys,
    IHmacSha256 Hmac,
    ListenAddress Listen,
    TimeSpan? StaleAfter = null);

/// <summary>
/// The exporter: the broker link (MqttLink: reconnects, TLS, no will: it publishes nothing, and
/// the operator's ACL lets it write commands only) subscribed to board/+/metrics, the store that
/// checks and keeps the reports, and the HTTP endpoint. `watchdogctl exporter` runs it; the
/// integration tests run the same object against a real board process and mosquitto.
/// </summary>
public sealed class MetricsExporter : IAsyncDisposable
{
    private readonly MqttLink _link;
    private readonly ExporterEndpoint _endpoint;

    private MetricsExporter(MqttLink link, ExporterEndpoint endpoint, BoardReportStore store)
    {
        _link = link;
        _endpoint = endpoint;
        Store = store;
    }

    public BoardReportStore Store { get; }

    public ListenAddress Address => _endpoint.Address;

    /// <summary>Binds the endpoint; false with a sentence when it cannot. <paramref name="log"/> gets the link's lines.</summary>
    public static bool TryStart(ExporterSettings settings, Action<string> log, out MetricsExporter? exporter, out string error)
    {
        exporter = null;
        var topics = new TopicTree(settings.Cluster);
        var store = new BoardReportStore(topics, new SealedChannel(settings.BoardKeys, settings.Hmac, KeyRole.Operator, ""), TimeProvider.System, settings.StaleAfter);
        if (!ExporterEndpoint.TryStart(settings.Listen, new ExporterPages(store), out ExporterEndpoint? endpoint, out error))
        {
            return false;
        }

        var options = new MqttLinkOptions
        {
            Brokers = settings.Brokers,
            ClientId = $"watchdogctl-exporter-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..6]}",
            Username = settings.Username,
            Password = settings.Password,
            WillTopic = "",
            WillPayload = [],
            Subscriptions = [topics.AllBoardMetrics()],
            BackOffAfterLoss = true,
        };
        var link = new MqttLink(options, new LineLogger("mqtt: ", log));
        link.Received += m => store.Offer(m.Topic, m.Payload);
        link.Connected += () =>
        {
            // After the subscription: from here on no report is missed (they are not retained).
            log($"following {topics.AllBoardMetrics()} on {link.CurrentBroker}");
            return Task.CompletedTask;
        };
        exporter = new MetricsExporter(link, endpoint!, store);
        return true;
    }

    /// <summary>Follows the broker until <paramref name="stop"/>.</summary>
    public Task RunAsync(CancellationToken stop) => _link.RunAsync(stop);

    public async ValueTask DisposeAsync()
    {
        _endpoint.Dispose();
        await _link.DisposeAsync().ConfigureAwait(false);
    }
}
