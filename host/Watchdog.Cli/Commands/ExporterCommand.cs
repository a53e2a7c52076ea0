using System.CommandLine;
using Watchdog.Metrics;
using Watchdog.Metrics.Exporter;
using Watchdog.Mqtt;
using Watchdog.Operator.Keys;
using Watchdog.Platform.Signing;
using Watchdog.Protocol.Signing;
using Watchdog.Protocol.Topics;

namespace Watchdog.Cli.Commands;

/// <summary>
/// `watchdogctl exporter`: subscribes to the boards' sealed metrics reports
/// (board/+/metrics) and serves them to Prometheus under the names the Linux board's own
/// endpoint uses, one board per page (/metrics?board=&lt;name&gt;), with the exporter's own series
/// on /metrics. For ESP32 boards, which have no HTTP server; a Linux board publishes the same
/// report with --metrics-mqtt-interval-ms. Runs until Ctrl-C or SIGTERM, reconnecting to the broker.
/// </summary>
public static class ExporterCommand
{
    public const int ExitBadInput = 2;

    /// <summary>A refusal reason is logged at most this often (a flood of forged messages would flood the log).</summary>
    private static readonly TimeSpan RefusalLogEvery = TimeSpan.FromSeconds(10);

    public static Command Create()
    {
        var cluster = new ClusterOptions();
        var listen = new Option<string>("--listen") { Description = "Where Prometheus scrapes: host:port, [v6]:port or *:port", Required = true };
        var keys = new Option<string>("--keys")
        {
            Description = "Key file with the boards' keys, to check their seals (exporter.keys from 'watchdogctl keys generate') (env WATCHDOG_EXPORTER_KEY_FILE)",
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable("WATCHDOG_EXPORTER_KEY_FILE") ?? "",
        };
        var staleAfter = new Option<TimeSpan?>("--stale-after")
        {
            Description = "A board whose last report is older than this is stale and its series are withdrawn (default: three of the board's own publish intervals)",
        };
        var command = new Command("exporter", "Serve the boards' MQTT metrics reports to Prometheus (for ESP32 boards, which have no HTTP server)") { listen, keys, staleAfter };
        cluster.AddTo(command);
        command.SetAction(async (result, ct) =>
        {
            if (!ListenAddress.TryParse(result.GetValue(listen)!, "--listen", out ListenAddress? address, out string error))
            {
                Console.Error.WriteLine($"watchdogctl: {error}");
                return ExitBadInput;
            }

            string keyFile = result.GetValue(keys)!;
            if (keyFile.Length == 0)
            {
                Console.Error.WriteLine("watchdogctl: --keys <file> is required: the reports are sealed with the boards' keys, and anyone can publish to the broker");
                return ExitBadInput;
            }

            if (result.GetValue(staleAfter) is { } limit && limit <= TimeSpan.Zero)
            {
                Console.Error.WriteLine($"watchdogctl: --stale-after '{limit}' must be longer than zero");
                return ExitBadInput;
            }

            KeyRing ring = KeyFileReader.ReadBoardKeys(keyFile);
            var topics = new TopicTree(result.GetValue(cluster.Cluster)!);
            var store = new BoardReportStore(topics, new SealedChannel(ring, new PlatformHmacSha256(), KeyRole.Operator, ""), TimeProvider.System, result.GetValue(staleAfter));
            var lastLogged = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
            store.Refused += (reason, detail) =>
            {
                DateTimeOffset now = DateTimeOffset.UtcNow;
                lock (lastLogged)
                {
                    if (lastLogged.TryGetValue(reason, out DateTimeOffset last) && now - last < RefusalLogEvery)
                    {
                        return;
                    }

                    lastLogged[reason] = now;
                }

                Console.Error.WriteLine($"watchdogctl exporter: refused {detail} (counted in watchdog_exporter_reports_refused_total; logged at most every {RefusalLogEvery.TotalSeconds:F0} s per reason)");
            };

            if (!ExporterEndpoint.TryStart(address!, new ExporterPages(store), out ExporterEndpoint? endpoint, out error))
            {
                Console.Error.WriteLine($"watchdogctl: {error}");
                return ExitBadInput;
            }

            using (endpoint)
            {
                await using var link = new MqttLink(LinkOptions(result, cluster, topics), new LineLogger("watchdogctl exporter: mqtt: ", Console.Error.WriteLine));
                link.Received += m => store.Offer(m.Topic, m.Payload);
                Console.WriteLine($"serving {address!.ScrapeUrl}?board=<name> (one board each) and {address.ScrapeUrl} (the exporter's own series)");
                try
                {
                    await link.RunAsync(ct).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (ct.IsCancellationRequested)
                {
                    // Ctrl-C or SIGTERM: a clean stop.
                }
            }

            return 0;
        });
        return command;
    }

    private static MqttLinkOptions LinkOptions(ParseResult result, ClusterOptions cluster, TopicTree topics)
    {
        string? caFile = result.GetValue(cluster.CaFile);
        bool tls = !string.IsNullOrEmpty(caFile);
        var brokers = new List<MqttBroker>();
        foreach (string text in result.GetValue(cluster.Brokers) ?? [])
        {
            if (!MqttBroker.TryParse(text, tls ? 8883 : 1883, out MqttBroker? broker, out string error))
            {
                throw new FormatException($"--broker {error}");
            }

            brokers.Add(broker! with { Tls = tls, CaFile = tls ? caFile : null });
        }

        return new MqttLinkOptions
        {
            Brokers = brokers,
            ClientId = $"watchdogctl-exporter-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..6]}",
            Username = result.GetValue(cluster.Username),
            Password = Environment.GetEnvironmentVariable("WATCHDOG_MQTT_PASSWORD"),
            // It publishes nothing, so it leaves no will: the operator's ACL lets it write commands only.
            WillTopic = "",
            WillPayload = [],
            Subscriptions = [topics.AllBoardMetrics()],
            BackOffAfterLoss = true,
        };
    }
}
