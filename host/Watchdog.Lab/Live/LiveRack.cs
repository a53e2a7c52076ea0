using System.Net.Sockets;
using System.Text;
using Watchdog.Lab.Faults;
using Watchdog.Lab.Rack;

namespace Watchdog.Lab.Live;

/// <summary>
/// A rack to play with (`watchdogctl rack up`): the virtual rack of the demo (mosquitto with users
/// and an ACL, one board or a pair, two servers with real agents behind a virtual IP) kept running
/// until `watchdogctl rack down` or Ctrl-C. It prints where its broker is, the operator's login
/// and key file, and the commands to try from a second shell; it takes the bench's faults on a
/// Unix socket (<see cref="LiveRackRequest"/>) and writes where to find it in session.json.
/// </summary>
public sealed class LiveRack
{
    public const string SocketName = "control.sock";
    private static readonly TimeSpan SettleTimeout = TimeSpan.FromSeconds(60);

    private readonly RackCluster _cluster;
    private readonly Action<string> _say;
    private readonly Dictionary<string, Func<Task>> _recoveries = [];

    private LiveRack(RackCluster cluster, Action<string> say)
    {
        _cluster = cluster;
        _say = say;
    }

    /// <summary>The default session folder: one rack per machine and user, found without options by the other verbs.</summary>
    public static string DefaultSessionDirectory =>
        Environment.GetEnvironmentVariable("WATCHDOG_RACK_DIR") is { Length: > 0 } dir ? dir : Path.Combine(Path.GetTempPath(), "watchdog-live-rack");

    /// <summary>
    /// Runs the rack until a "down" request or <paramref name="ct"/>. <paramref name="onReady"/> is
    /// called once the group has settled and the session is written (tests watch the rack through it).
    /// </summary>
    public static async Task RunAsync(RackClusterOptions options, string sessionDirectory, Action<string> say, CancellationToken ct, Action<LiveRackSession, RackCluster>? onReady = null)
    {
        RefuseIfRunning(sessionDirectory);
        Directory.CreateDirectory(sessionDirectory);
        var socketPath = Path.Combine(sessionDirectory, SocketName);
        File.Delete(socketPath);

        await using var cluster = await RackCluster.StartAsync(options, ct).ConfigureAwait(false);
        say("waiting for the board to settle and grant the active role ...");
        if (!await cluster.WaitUntilSettledAsync(null, SettleTimeout, ct).ConfigureAwait(false))
        {
            throw new LabFailedException($"the rack did not settle within {SettleTimeout.TotalSeconds} s: {FailoverRun.Describe(cluster, options.Nodes[0])}; board log: {cluster.BoardLog}");
        }

        var login = cluster.BrokerUsers?.Operator;
        var session = new LiveRackSession
        {
            Pid = Environment.ProcessId,
            Cluster = options.Cluster,
            Group = options.Group,
            Nodes = options.Nodes,
            Boards = cluster.BoardNames,
            Broker = $"{cluster.BrokerHost}:{cluster.BrokerPort}",
            Username = login?.User ?? "",
            PasswordFile = login?.PasswordFile ?? "",
            KeyFile = cluster.KeyFile,
            ControlSocket = socketPath,
            RackDirectory = cluster.Rack.Directory,
        };

        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(socketPath));
        listener.Listen(4);
        session.WriteTo(sessionDirectory);
        try
        {
            var rack = new LiveRack(cluster, say);
            rack.SayHowToUse(session, sessionDirectory);
            onReady?.Invoke(session, cluster);
            await rack.ServeAsync(listener, ct).ConfigureAwait(false);
        }
        finally
        {
            File.Delete(LiveRackSession.PathIn(sessionDirectory));
            File.Delete(socketPath);
        }
    }

    // A second `rack up` on the same session folder would hide the first one's socket.
    private static void RefuseIfRunning(string sessionDirectory)
    {
        if (!File.Exists(LiveRackSession.PathIn(sessionDirectory)))
        {
            return;
        }

        var running = LiveRackSession.ReadFrom(sessionDirectory);
        if (Directory.Exists($"/proc/{running.Pid}"))
        {
            throw new LabFailedException($"a rack is already running with its session in {sessionDirectory} (pid {running.Pid}): `watchdogctl rack down` ends it");
        }
    }

    private void SayHowToUse(LiveRackSession s, string sessionDirectory)
    {
        var roles = _cluster.Observer.LatestRoles(s.Group);
        _say($"rack up: cluster {s.Cluster}, group {s.Group}: {string.Join(", ", roles?.Active ?? [])} active, epoch {roles?.Epoch}; boards {string.Join(", ", s.Boards)}" +
             (_cluster.Vip is null ? "" : $"; virtual IP {_cluster.Vip}"));
        _say($"broker:   {s.Broker} (mosquitto; user {s.Username}, password in {s.PasswordFile})");
        _say($"key file: {s.KeyFile} (the operator's: signs fence, switchover, ...)");
        _say($"session:  {LiveRackSession.PathIn(sessionDirectory)}");
        _say("");
        _say("In a second shell (as root, from this repository):");
        _say($"  export WATCHDOG_BROKER={s.Broker} WATCHDOG_CLUSTER={s.Cluster} WATCHDOG_MQTT_USERNAME={s.Username} WATCHDOG_KEY_FILE={s.KeyFile}");
        _say($"  export WATCHDOG_MQTT_PASSWORD=$(cat {s.PasswordFile})");
        _say("  alias watchdogctl='dotnet run --project host/Watchdog.Cli --'");
        _say("  watchdogctl status --watch");
        _say("  watchdogctl events");
        _say($"  watchdogctl switchover {s.Group} -y");
        _say($"  watchdogctl fence {s.Nodes[^1]} -y; watchdogctl unfence {s.Nodes[^1]} -y");
        _say($"  watchdogctl rack fault hang {s.Nodes[0]}      # faults: {string.Join(", ", FaultCatalogue.All.Select(f => f.Name))}" +
             (s.Boards.Count > 1 ? $"; boards: {string.Join(", ", BoardFaults.All.Select(f => f.Name))}" : ""));
        _say($"  watchdogctl rack recover {s.Nodes[0]}         # gives back what the last fault took");
        _say("  watchdogctl rack down");
        _say("");
        _say("the rack runs until `watchdogctl rack down` or Ctrl-C");
    }

    private async Task ServeAsync(Socket listener, CancellationToken ct)
    {
        while (true)
        {
            Socket connection;
            try
            {
                connection = await listener.AcceptAsync(ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                _say("rack down (interrupted)");
                return;
            }

            using (connection)
            {
                await using var stream = new NetworkStream(connection, ownsSocket: false);
                using var reader = new StreamReader(stream, Encoding.UTF8);
                var line = await reader.ReadLineAsync(ct).ConfigureAwait(false);
                string answer;
                bool down = false;
                if (!LiveRackRequest.TryParse(line, out var request, out var error))
                {
                    answer = "error " + error;
                }
                else
                {
                    down = request!.Verb == LiveRackVerb.Down;
                    answer = await HandleAsync(request, ct).ConfigureAwait(false);
                }

                _say($"request '{line}': {answer}");
                await stream.WriteAsync(Encoding.UTF8.GetBytes(answer + "\n"), ct).ConfigureAwait(false);
                if (down)
                {
                    return;
                }
            }
        }
    }

    private async Task<string> HandleAsync(LiveRackRequest request, CancellationToken ct)
    {
        switch (request.Verb)
        {
            case LiveRackVerb.Down:
                return "ok the rack is going down";
            case LiveRackVerb.Recover:
                if (!_recoveries.Remove(request.Target!, out var recover))
                {
                    return $"error no fault to recover on '{request.Target}': none was injected there since the last recover";
                }

                await recover().ConfigureAwait(false);
                return $"ok {request.Target} recovered";
            default:
                return await InjectAsync(request.Fault!, request.Target!, ct).ConfigureAwait(false);
        }
    }

    private async Task<string> InjectAsync(string faultName, string target, CancellationToken ct)
    {
        var nodes = _cluster.Options.Nodes;
        var boards = _cluster.BoardNames;
        if (nodes.Contains(target))
        {
            Fault fault;
            try
            {
                fault = FaultCatalogue.Parse(faultName);
            }
            catch (FormatException ex)
            {
                return "error " + ex.Message + (boards.Count > 1 ? $"; board faults ({string.Join(", ", BoardFaults.All.Select(f => f.Name))}) take a board" : "");
            }

            var scene = new FaultScene(_cluster, target, nodes.First(n => n != target), _say, ct);
            await fault.Inject(scene).ConfigureAwait(false);
            _recoveries[target] = async () =>
            {
                await fault.Heal(scene).ConfigureAwait(false);
                fault.Recover(scene);
            };
            return $"ok {fault.Name} injected into {target}: {fault.Description}";
        }

        if (boards.Contains(target))
        {
            if (BoardFaults.Find(faultName) is not { } boardFault)
            {
                return $"error unknown board fault '{faultName}': one of {string.Join(", ", BoardFaults.All.Select(f => f.Name))}";
            }

            boardFault.Inject(_cluster, target);
            _recoveries[target] = () =>
            {
                boardFault.Recover(_cluster, target);
                return Task.CompletedTask;
            };
            return $"ok {boardFault.Name} injected into {target}: {boardFault.Description}";
        }

        return $"error '{target}' is neither a node ({string.Join(", ", nodes)}) nor a board ({string.Join(", ", boards)}) of the rack";
    }
}
