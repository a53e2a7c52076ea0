using System.CommandLine;
using Watchdog.Metrics;
using Watchdog.Metrics.Exporter;
using Watchdog.Mqtt;
using Watchdog.Operator.Keys;
using Watchdog.Platform.Signing;
using Watchdog.Protocol.Signing;

namespace Watchdog.Cli.Commands;

/// <summary>
/// `watchdogctl exporter`: subscribes to the boards' sealed metrics reports
/// (board/+/metrics) and serves them to Prometheus under the names the Linux board's own
/// endpoint uses, one board per page (/metrics?board=&lt;name&gt;), with the exporter's own series
/// on /metrics (MetricsExporter). For ESP32 boards, which have no HTTP server; a Linux board
/// publishes the same report with --metrics-mqtt-interval-ms. Runs until Ctrl-C or SIGTERM.
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
            Description = "Key file with the boards' keys, to check their seals: exporter.keys from 'watchdogctl keys generate' (env WATCHDOG_EXPORTER_KEY_FILE)",
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
            if (!TrySettings(result, cluster, listen, keys, staleAfter, out ExporterSettings? settings, out string error))
            {
                Console.Error.WriteLine($"watchdogctl: {error}");
                return ExitBadInput;
            }

            if (!MetricsExporter.TryStart(settings!, line => Console.Error.WriteLine("watchdogctl exporter: " + line), out MetricsExporter? exporter, out error))
            {
                Console.Error.WriteLine($"watchdogctl: {error}");
                return ExitBadInput;
            }

            await using (exporter!)
            {
                LogRefusals(exporter!.Store);
                Console.WriteLine($"serving {exporter.Address.ScrapeUrl}?board=<name> (one board each) and {exporter.Address.ScrapeUrl} (the exporter's own series)");
                try
                {
                    await exporter.RunAsync(ct).ConfigureAwait(false);
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

    private static bool TrySettings(ParseResult result, ClusterOptions cluster, Option<string> listen, Option<string> keys, Option<TimeSpan?> staleAfter,
        out ExporterSettings? settings, out string error)
    {
        settings = null;
        if (!ListenAddress.TryParse(result.GetValue(listen)!, "--listen", out ListenAddress? address, out error))
        {
            return false;
        }

        string keyFile = result.GetValue(keys)!;
        if (keyFile.Length == 0)
        {
            error = "--keys <file> is required: the reports are sealed with the boards' keys, and anyone can publish to the broker";
            return false;
        }

        TimeSpan? limit = result.GetValue(staleAfter);
        if (limit is { } l && l <= TimeSpan.Zero)
        {
            error = $"--stale-after '{l}' must be longer than zero";
            return false;
        }

        string name = result.GetValue(cluster.Cluster)!;
        if (!Watchdog.Protocol.Topics.TopicTree.IsValidName(name))
        {
            error = $"--cluster '{name}': a cluster name is 1-64 characters without '/', '+', '#' or spaces";
            return false;
        }

        string? caFile = result.GetValue(cluster.CaFile);
        bool tls = !string.IsNullOrEmpty(caFile);
        var brokers = new List<MqttBroker>();
        foreach (string text in result.GetValue(cluster.Brokers) ?? [])
        {
            if (!MqttBroker.TryParse(text, tls ? 8883 : 1883, out MqttBroker? broker, out error))
            {
                error = "--broker " + error;
                return false;
            }

            brokers.Add(broker! with { Tls = tls, CaFile = tls ? caFile : null });
        }

        KeyRing ring = KeyFileReader.ReadBoardKeys(keyFile); // throws KeyFileException: one line from Program
        settings = new ExporterSettings(name, brokers, result.GetValue(cluster.Username),
            Environment.GetEnvironmentVariable("WATCHDOG_MQTT_PASSWORD"), ring, new PlatformHmacSha256(), address!, limit);
        return true;
    }

    private static void LogRefusals(BoardReportStore store)
    {
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
    }
}
