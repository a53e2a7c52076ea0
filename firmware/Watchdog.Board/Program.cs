using System.Runtime.InteropServices;
using Watchdog.Board.Hosting;
using Watchdog.Board.Metrics;
using Watchdog.Metrics;
using Watchdog.Board.Mqtt;
using Watchdog.Board.Persistence;
using Watchdog.Board.Sites;
using Watchdog.Mqtt;
using Watchdog.Platform.Posix;
using Watchdog.Protocol.Wire;

// watchdog-board: the watchdog core on a Linux board or on the virtual rack.
// Exit codes: 0 stopped, 2 bad command line or files, 3 the epoch could not be made durable.
if (!BoardOptions.TryParse(args, out BoardOptions options, out string error))
{
    Console.Error.WriteLine(error);
    return 2;
}

var epochFile = new EpochFile(options.StateDirectory);
if (!BoardLoader.TryLoad(options, epochFile, out BoardParts? parts, out error) || parts is null)
{
    Console.Error.WriteLine("watchdog-board: " + error);
    return 2;
}

string? password = null;
if (options.PasswordFile is not null)
{
    try
    {
        password = File.ReadAllText(options.PasswordFile).TrimEnd('\r', '\n');
    }
    catch (Exception e) when (e is IOException or UnauthorizedAccessException)
    {
        Console.Error.WriteLine($"watchdog-board: --password-file '{options.PasswordFile}' cannot be read: {e.Message}");
        parts.Dispose();
        return 2;
    }
}

if (options.CaFile is not null && !File.Exists(options.CaFile))
{
    Console.Error.WriteLine($"watchdog-board: --ca-file '{options.CaFile}': no such file");
    parts.Dispose();
    return 2;
}

await using SiteTickets? tickets = LoadSiteTickets(options, parts);
if (options.DrPath is not null && tickets is null)
{
    parts.Dispose();
    return 2;
}

string board = parts.Config.Board;
string statusTopic = parts.Topics.BoardStatus(board);
var linkOptions = new MqttLinkOptions
{
    Brokers = [.. options.Brokers.Select(b => b with { Tls = options.UseTls, CaFile = options.CaFile })],
    ClientId = options.ClientId ?? $"watchdog-board-{board}-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..6]}",
    Username = options.Username,
    Password = password,
    WillTopic = statusTopic,
    WillPayload = BoardRuntime.PresenceWord(Presence.Lost),
    Subscriptions = BoardSubscriptions.For(parts.Config, parts.Topics),
};

await using var link = new MqttLink(linkOptions, new LineLogger("mqtt: ", BoardLog.Write));
var received = new InboundQueue(linkOptions.QueueCapacity);
link.Received += received.Add;
using var systemd = new SystemdNotifier();
using var stop = new CancellationTokenSource();
using PosixSignalRegistration onTerm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Cancel(); });
using PosixSignalRegistration onInt = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.Cancel(); });
// SIGUSR1 (10 on Linux): a planned handover of the site tickets this board holds (docs/dr.md).
// A signal, not an MQTT command: only root on the board's own machine can send it.
using PosixSignalRegistration onUsr1 = PosixSignalRegistration.Create((PosixSignal)10, c =>
{
    c.Cancel = true;
    if (tickets is null)
    {
        BoardLog.Write("SIGUSR1: this board keeps no site ticket (no --dr); nothing to hand over");
        return;
    }

    BoardLog.Write("SIGUSR1: planned handover of the site tickets requested");
    tickets.RequestHandOver();
});

var runtime = new BoardRuntime(parts, link, received, epochFile, systemd, tickets) { StatsIntervalMs = options.StatsIntervalMs };
if (options.MetricsMqttIntervalMs is { } reportEvery && !runtime.EnableMetricsReport(reportEvery, out error))
{
    Console.Error.WriteLine("watchdog-board: " + error);
    parts.Dispose();
    return 2;
}

Task linkTask = link.RunAsync(stop.Token);
using MetricsEndpoint? metrics = StartMetrics(options, parts, runtime, link);
tickets?.Start();
int exitCode = 0;
var tickThread = new Thread(() =>
{
    EnterRealtime(options.RealtimePriority);
    exitCode = runtime.Run(options.StatusIntervalMs, stop.Token);
})
{
    Name = "watchdog-tick",
    IsBackground = false,
};
tickThread.Start();
tickThread.Join();
stop.Cancel();
systemd.Stopping();

// A clean stop: release every relay (fail-safe), say "disconnected" (Homie), and leave without the will.
parts.Dispose();
await link.CloseAsync(statusTopic, BoardRuntime.PresenceWord(Presence.Disconnected));
await linkTask;
return exitCode;

// The tick thread in the real-time round-robin class: every verdict, reset and grant waits for a
// tick, and on a loaded host a normally scheduled tick started up to tens of ms late (rack scale
// in docs/benchmarks.md), carried into a failover twice, by the detection tick and the confirm tick.
static void EnterRealtime(int priority)
{
    if (priority == 0 || !OperatingSystem.IsLinux())
    {
        return;
    }

    BoardLog.Write(PosixSignals.TryMakeCurrentThreadRealTime(priority)
        ? $"tick thread: SCHED_RR {priority}"
        : $"tick thread: could not switch to real-time scheduling (SCHED_RR {priority}; needs root or CAP_SYS_NICE): it runs at normal priority, and a busy host may delay its ticks");
}

static MetricsEndpoint? StartMetrics(BoardOptions options, BoardParts parts, BoardRuntime runtime, MqttLink link)
{
    if (options.MetricsAddress is null)
    {
        return null;
    }

    var metrics = new BoardMetrics(parts, runtime, link);
    if (!MetricsEndpoint.TryStart(options.MetricsAddress, metrics.Registry, out MetricsEndpoint? endpoint, out string error))
    {
        // Metrics never keep the watchdog from running: a board that would not start over a
        // port clash could fence and fail over nobody.
        BoardLog.Write("--metrics: " + error + "; running without the metrics endpoint");
        return null;
    }

    BoardLog.Write($"metrics on {options.MetricsAddress.ScrapeUrl}");
    return endpoint;
}

static SiteTickets? LoadSiteTickets(BoardOptions options, BoardParts parts)
{
    if (options.DrPath is null || options.Site is null)
    {
        return null;
    }

    if (!SiteTickets.TryCreate(options.DrPath, options.Site, parts.Config, BoardLog.Write, out SiteTickets? tickets, out string error))
    {
        Console.Error.WriteLine("watchdog-board: " + error);
        return null;
    }

    BoardLog.Write($"site '{options.Site}': keeping the site ticket of {string.Join(", ", tickets!.Describe())}");
    return tickets;
}
