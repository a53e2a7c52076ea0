using System.Globalization;
using Watchdog.Metrics;
using Watchdog.Mqtt;

namespace Watchdog.Board.Hosting;

/// <summary>
/// The board's command line. Every option is documented in firmware/Watchdog.Board/README.md;
/// parsing never throws, it returns a sentence naming the option that is wrong.
/// </summary>
public sealed class BoardOptions
{
    public const string Usage =
        "usage: watchdog-board --config <board.json> --pins <pinmap.json> [--wires <file>] [--state-dir <dir>]\n" +
        "                      [--broker host[:port] ...] [--cluster-key-file <file>] [--ca-file <pem>]\n" +
        "                      [--username <name> --password-file <file>] [--client-id <id>] [--tick-ms <n>]\n" +
        "                      [--realtime-priority <n>] [--epoch-floor <n>] [--status-interval-ms <n>] [--stats-interval-ms <n>]\n" +
        "                      [--pair-serial <device> | --pair-socket <own.sock> --peer-socket <peer.sock>]\n" +
        "                      [--dr <dr.json> --site <name>] [--metrics <host:port>] [--metrics-mqtt-interval-ms <n>]";

    public string ConfigPath { get; private set; } = "";
    public string PinMapPath { get; private set; } = "";
    /// <summary>Virtual rack wire file; when set, GPIO goes through the virtual wires' driver (host/Watchdog.VirtualWires) instead of libgpiod.</summary>
    public string? WiresPath { get; private set; }
    public string StateDirectory { get; private set; } = "/var/lib/watchdog-board";
    /// <summary>The brokers as given; TLS (with <see cref="CaFile"/>) is added when the link is set up.</summary>
    public List<MqttBroker> Brokers { get; } = [];
    public string? ClusterKeyFile { get; private set; }
    public string? CaFile { get; private set; }
    public string? Username { get; private set; }
    public string? PasswordFile { get; private set; }
    public string? ClientId { get; private set; }
    public long EpochFloor { get; private set; }

    /// <summary>Overrides the configuration's timing.tick_ms (the whole configuration is validated again); null keeps it.</summary>
    public int? TickMs { get; private set; }
    /// <summary>
    /// The tick thread's SCHED_RR priority (1-99), or 0 for normal scheduling. Every verdict, reset
    /// and grant waits for a tick: a tick a scheduler slice late on a busy host is that much later
    /// failover, in the detection tick and again in the confirm tick.
    /// </summary>
    public int RealtimePriority { get; private set; } = DefaultRealtimePriority;

    /// <summary>As the agent's heartbeat thread (Heartbeat:RealtimePriority) and corosync's token thread.</summary>
    public const int DefaultRealtimePriority = 10;

    /// <summary>How often the retained board state and channel readings are refreshed even when nothing changed (their ts proves freshness).</summary>
    public int StatusIntervalMs { get; private set; } = 1000;

    /// <summary>How often the tick statistics line (tick lateness, stalls, drops) is logged.</summary>
    public int StatsIntervalMs { get; private set; } = BoardRuntime.DefaultStatsIntervalMs;

    /// <summary>The data link to the other board of a pair as two Unix datagram sockets: ours (bound here) and the peer's.</summary>
    public string? PairSocket { get; private set; }

    public string? PeerSocket { get; private set; }

    /// <summary>The data link to the other board of a pair over a UART (its speed set with stty before the board starts).</summary>
    public string? PairSerial { get; private set; }

    /// <summary>The DR configuration (docs/dr.md): with <see cref="Site"/>, the board keeps its DR groups' site tickets in etcd.</summary>
    public string? DrPath { get; private set; }

    /// <summary>Which site of the DR configuration this board is in.</summary>
    public string? Site { get; private set; }

    /// <summary>Where the Prometheus endpoint listens (docs/operations.md, "Metrics"); null: no endpoint.</summary>
    public ListenAddress? MetricsAddress { get; private set; }

    /// <summary>How often the sealed metrics report goes to board/&lt;board&gt;/metrics (what the ESP32 publishes for `watchdogctl exporter`); null: never.</summary>
    public int? MetricsMqttIntervalMs { get; private set; }

    public bool UseTls => CaFile is not null;

    public static bool TryParse(string[] args, out BoardOptions options, out string error)
    {
        options = new BoardOptions();
        error = "";
        for (int i = 0; i < args.Length; i++)
        {
            string name = args[i];
            if (name is "-h" or "--help")
            {
                error = Usage;
                return false;
            }

            if (i + 1 >= args.Length || args[i + 1].StartsWith("--", StringComparison.Ordinal))
            {
                error = $"option '{name}' needs a value\n{Usage}";
                return false;
            }

            string value = args[++i];
            if (!options.Apply(name, value, out error))
            {
                return false;
            }
        }

        if (options.ConfigPath.Length == 0)
        {
            error = $"--config <board.json> is required\n{Usage}";
            return false;
        }

        if (options.PinMapPath.Length == 0)
        {
            error = $"--pins <pinmap.json> is required (a file under hardware/boards/)\n{Usage}";
            return false;
        }

        if (options.Username is not null && options.PasswordFile is null)
        {
            error = "--username needs --password-file (passwords are not taken on the command line, where ps shows them)";
            return false;
        }

        if ((options.PairSocket is null) != (options.PeerSocket is null))
        {
            error = "--pair-socket and --peer-socket go together: the board binds the first and sends to the second";
            return false;
        }

        if (options.PairSerial is not null && options.PairSocket is not null)
        {
            error = "--pair-serial and --pair-socket both given: the data link to the peer board is one or the other";
            return false;
        }

        if ((options.DrPath is null) != (options.Site is null))
        {
            error = "--dr and --site go together: the DR configuration and the site of it this board is in";
            return false;
        }

        if (options.DrPath is not null && (options.PairSocket is not null || options.PairSerial is not null))
        {
            // Both boards of a pair would keep the ticket; only the authority may. Not built yet.
            error = "--dr with a pair of boards is not supported yet: a DR site's rack has one board";
            return false;
        }

        if (options.Brokers.Count == 0)
        {
            options.Brokers.Add(new MqttBroker("127.0.0.1", options.UseTls ? 8883 : 1883));
        }

        return true;
    }

    private bool Apply(string name, string value, out string error)
    {
        error = "";
        switch (name)
        {
            case "--config": ConfigPath = value; return true;
            case "--pins": PinMapPath = value; return true;
            case "--wires": WiresPath = value; return true;
            case "--state-dir": StateDirectory = value; return true;
            case "--cluster-key-file": ClusterKeyFile = value; return true;
            case "--ca-file": CaFile = value; return true;
            case "--username": Username = value; return true;
            case "--password-file": PasswordFile = value; return true;
            case "--client-id": ClientId = value; return true;
            case "--pair-socket": PairSocket = value; return true;
            case "--peer-socket": PeerSocket = value; return true;
            case "--pair-serial": PairSerial = value; return true;
            case "--dr": DrPath = value; return true;
            case "--site": Site = value; return true;
            case "--metrics":
                if (!ListenAddress.TryParse(value, "--metrics", out ListenAddress? address, out error))
                {
                    return false;
                }

                MetricsAddress = address;
                return true;
            case "--broker":
                if (!MqttBroker.TryParse(value, CaFile is null ? 1883 : 8883, out MqttBroker? broker, out error))
                {
                    error = "--broker " + error;
                    return false;
                }

                Brokers.Add(broker!);
                return true;
            case "--tick-ms":
                return TryInt(name, value, 1, 1000, out int tick, out error) && Set(() => TickMs = tick);
            case "--realtime-priority":
                return TryInt(name, value, 0, 99, out int priority, out error) && Set(() => RealtimePriority = priority);
            case "--status-interval-ms":
                return TryInt(name, value, 100, 3_600_000, out int interval, out error) && Set(() => StatusIntervalMs = interval);
            case "--stats-interval-ms":
                return TryInt(name, value, 1000, 3_600_000, out int stats, out error) && Set(() => StatsIntervalMs = stats);
            case "--metrics-mqtt-interval-ms":
                return TryInt(name, value, 100, 3_600_000, out int every, out error) && Set(() => MetricsMqttIntervalMs = every);
            case "--epoch-floor":
                if (!long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out long floor))
                {
                    error = $"--epoch-floor '{value}' is not a non-negative integer";
                    return false;
                }

                EpochFloor = floor;
                return true;
            default:
                error = $"unknown option '{name}'\n{Usage}";
                return false;
        }
    }

    private static bool Set(Action apply)
    {
        apply();
        return true;
    }

    private static bool TryInt(string name, string value, int min, int max, out int result, out string error)
    {
        error = "";
        if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out result) || result < min || result > max)
        {
            error = $"{name} '{value}' must be a whole number from {min} to {max}";
            return false;
        }

        return true;
    }
}
