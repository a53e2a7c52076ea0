using Microsoft.Extensions.Logging;
using Watchdog.Agent.Checks;
using Watchdog.Agent.Configuration;
using Watchdog.Agent.Heartbeat;
using Watchdog.Agent.Messaging;
using Watchdog.Agent.Metrics;
using Watchdog.Agent.Roles;
using Watchdog.Agent.Status;
using Watchdog.Mqtt;
using Watchdog.Platform.Posix;

namespace Watchdog.Agent.Hosting;

/// <summary>
/// The whole agent wired together from one validated configuration: heartbeat pump, checks,
/// MQTT link, publisher, inbound handling, role state and the board-contact watch. Host-free,
/// so tests can run it in-process; AgentService runs it under the generic host.
/// </summary>
public sealed class AgentRuntime : IDisposable
{
    private readonly AgentOptions _o;
    private readonly ILogger _log;
    private readonly TimeProvider _time;
    private readonly TopicTree _topics;
    private readonly List<CheckRunner> _checks = new();
    private readonly MqttLink _link;
    private readonly InboundDispatcher _inbound;
    private readonly IRoleActions _roleActions;
    private readonly EpochMemory _epochMemory;

    public AgentRuntime(AgentOptions options, ILoggerFactory logs, TimeProvider time, IRoleActions? roleActions = null, IHeartbeatHardware? hardware = null)
    {
        _o = options;
        _time = time;
        _log = logs.CreateLogger("Watchdog.Agent");
        _topics = new TopicTree(options.Cluster);
        Status = new AgentStatus();
        RoleState? roles = null;
        Events = new EventOutbox(options.Node, options.Group, time, logs.CreateLogger("Watchdog.Agent.Events"), () => roles?.HighestEpoch ?? 0);
        Contact = new BoardContact(Status, Events, time, options.Board.LostAfterMs, options.Board.DemoteWhenSilentMs);
        Keys = AgentKeys.Load(options.Commands, options.Node);
        _roleActions = roleActions ?? new NoRoleActions();
        _epochMemory = new EpochMemory(options.Board.EpochFile);
        roles = new RoleState(options.Node, options.Group, _roleActions, Status, Events, Contact, time, _epochMemory);
        Roles = roles;

        foreach (CheckOptions c in options.Checks)
        {
            _checks.Add(new CheckRunner(c, ProbeFactory.Create(c, options.Metrics, time), Status, new CheckActions(c, Events), time));
        }

        Pump = new HeartbeatPump(
            hardware ?? HeartbeatHardwareFactory.Create(options),
            () => Status.RequiredChecksPass,
            Status,
            Events,
            options.Heartbeat.PeriodMs,
            options.Heartbeat.RetryMinMs,
            options.Heartbeat.RetryMaxMs,
            options.RoleInput.PollMs,
            options.Heartbeat.RealtimePriority);

        string clientId = options.Mqtt.ClientId.Length > 0 ? options.Mqtt.ClientId : "watchdog-agent-" + options.Node;
        _link = new MqttLink(
            options.Mqtt.ToLinkOptions(
                clientId,
                _topics.NodeStatus(options.Node),
                MessageCodec.EncodePresence(Presence.Lost),
                InboundDispatcher.Subscriptions(_topics, options.Node),
                time),
            logs.CreateLogger("Watchdog.Agent.Mqtt"));

        var sampler = new MetricsSampler(new ProcReader(disks: options.Metrics.Disks, interfaces: options.Metrics.Interfaces), options.Metrics.DiskPath, LatestResponseMs);
        Publisher = new StatePublisher(_link, _topics, options.Node, options.Group, Status, Events, sampler, options.Mqtt.StatePublishMs, options.Metrics.IntervalMs, time, _log, Keys.Seals);
        Commands = new CommandGate(CommandGate.CreateVerifier(Keys.Ring, options.Commands, time), options.Node, Events, Status, time, () => Roles.HighestEpoch);
        if (options.Metrics.PrometheusListen.Length > 0)
        {
            Prometheus = new AgentPrometheus(options.Cluster, options.Node, options.Group, Status, Roles, Pump, _link);
        }

        _inbound = new InboundDispatcher(_topics, options.Node, Roles, Contact, Commands, Publisher, Events, options.Board.RestartUnit, options.Board.RestartTimeoutMs, _log)
        {
            Seals = Keys.Seals,
            MaxSkewMs = options.Commands.MaxClockSkewMs,
            StartedAtMs = time.GetUtcNow().ToUnixTimeMilliseconds(),
        };
    }

    public AgentStatus Status { get; }

    public AgentKeys Keys { get; }

    public EventOutbox Events { get; }

    public BoardContact Contact { get; }

    public RoleState Roles { get; }

    public HeartbeatPump Pump { get; }

    public StatePublisher Publisher { get; }

    public CommandGate Commands { get; }

    public IReadOnlyList<CheckRunner> Checks => _checks;

    /// <summary>The metrics the Prometheus endpoint serves; null when Metrics:PrometheusListen is empty.</summary>
    public AgentPrometheus? Prometheus { get; }

    public async Task RunAsync(CancellationToken stopping)
    {
        _link.Received += _inbound.Enqueue;
        _link.Connected += () => Publisher.OnConnectedAsync(stopping);
        Roles.Acknowledged += ack => Publisher.PublishAckAsync(ack, stopping);
        Pump.RoleWireChanged += asserted => _ = Roles.HandleRoleWireAsync(asserted, stopping);

        Events.Raise("agent-started", Severity.Info, "heartbeat " + _o.Heartbeat.Driver + " every " + _o.Heartbeat.PeriodMs + " ms, " + _checks.Count + " checks");
        if (Keys.Seals is null)
        {
            Events.Raise("messages-unauthenticated", Severity.Alert, "no key of node '" + _o.Node + "' in Commands:KeyFile: grants and requests are taken unsealed; anyone who can publish to the broker can move this node's role");
        }

        WarnOfKernelPreemption();
        if (_o.Board.EpochFile.Length == 0)
        {
            Events.Raise("epoch-memory-volatile", Severity.Warning, "Board:EpochFile is not set: after a restart this agent cannot tell a replayed old grant from the current one");
        }
        using Watchdog.Metrics.MetricsEndpoint? endpoint = StartPrometheus();
        using EdgeRecorder? recorder = StartEdgeRecorder();
        Pump.Recorder = recorder;
        CollectBeforeTheLineMoves();
        Pump.Start();
        var tasks = new List<Task>
        {
            _link.RunAsync(stopping),
            Publisher.RunAsync(stopping),
            _inbound.RunAsync(stopping),
            WatchBoardAsync(stopping),
            WarmUpRoleActionsAsync(stopping),
            ReportLateHeartbeatsAsync(stopping),
        };
        foreach (CheckRunner c in _checks)
        {
            tasks.Add(c.RunAsync(stopping));
        }

        try
        {
            await Task.WhenAll(tasks).ConfigureAwait(false);
        }
        finally
        {
            Pump.Stop(); // before the recorder it writes to is disposed
            // Say goodbye so readers see "disconnected" (a planned stop), not "lost".
            await _link.CloseAsync(_topics.NodeStatus(_o.Node), MessageCodec.EncodePresence(Presence.Disconnected)).ConfigureAwait(false);
        }
    }

    public void Dispose()
    {
        Pump.Dispose();
        foreach (CheckRunner c in _checks)
        {
            c.Dispose();
        }

        _link.Dispose();
        _epochMemory.Dispose();
    }

    // A port clash or a refused address is an alert, not a stop: metrics never take the heartbeat down.
    private Watchdog.Metrics.MetricsEndpoint? StartPrometheus()
    {
        if (Prometheus is null || !Watchdog.Metrics.ListenAddress.TryParse(_o.Metrics.PrometheusListen, "Metrics:PrometheusListen", out var address, out _))
        {
            return null;
        }

        if (!Watchdog.Metrics.MetricsEndpoint.TryStart(address!, Prometheus.Registry, out var endpoint, out string error))
        {
            Events.Raise("metrics-endpoint-failed", Severity.Alert, "Metrics:PrometheusListen: " + error + "; running without the metrics endpoint");
            return null;
        }

        _log.LogInformation("metrics on {Url}", address!.ScrapeUrl);
        return endpoint;
    }

    private double LatestResponseMs()
    {
        double worst = -1;
        foreach (CheckRunner c in _checks)
        {
            if (c.Probe is HttpProbe h && h.LastLatencyMs > worst)
            {
                worst = h.LastLatencyMs;
            }
        }

        return worst;
    }

    /// <summary>
    /// The role-change code run once without effects (IRoleActions.WarmUpAsync): a JIT runtime
    /// compiles it now, not during the first takeover. Beside the other tasks, so it delays
    /// neither the heartbeat nor the connection; a failure only costs that first takeover time.
    /// </summary>
    private async Task WarmUpRoleActionsAsync(CancellationToken stopping)
    {
        try
        {
            string detail = await _roleActions.WarmUpAsync(stopping).ConfigureAwait(false);
            if (detail.Length > 0)
            {
                _log.LogInformation("Role change code warmed up: {Detail}", detail);
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Stopped during the warm-up.
        }
        catch (Exception ex)
        {
            _log.LogWarning("Warm-up of the role change code failed ({Error}): the first takeover compiles that code instead", ex.GetType().Name + ": " + ex.Message);
        }
    }

    /// <summary>
    /// Says once a second when heartbeat edges went out a period or more late, and how much of
    /// the worst one's wait was the runtime's garbage collection: a board that suspects or fails
    /// this node for a silent line can then be told the agent's side of it.
    /// </summary>
    private async Task ReportLateHeartbeatsAsync(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(1), _time, stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            LateEdges late = Pump.TakeLateEdges();
            if (late.Count > 0)
            {
                Events.Raise("heartbeat-late", Severity.Warning, late.Count + " heartbeat edge(s) written a period (" + _o.Heartbeat.PeriodMs + " ms) or more after their deadline; the worst " + late.WorstLateMs + " ms late: the heartbeat thread woke " + late.WokeLateMs + " ms after the deadline and took " + late.WorkMs + " ms in the checks and the write; the runtime's garbage collection paused the agent " + late.GcPauseMs + " ms of that wait");
            }
        }
    }

    // The runtime's first collections cost many times what later ones do (measured in the rack
    // beside an fsync loop, NativeAOT: the first 24-93 ms, the second, a gen1, 14 ms, later gen0
    // ones about 2 ms), and a collection stops the heartbeat thread too: a 93 ms pause is a
    // false fence at a 20 ms period. Two full collections now pay that once, before the line moves.
    private static void CollectBeforeTheLineMoves()
    {
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
    }

    /// <summary>Below this heartbeat period a non-preemptible kernel is worth a warning (docs/agent.md).</summary>
    public const int FastHeartbeatMs = 50;

    // Like metrics, the flight recorder is never worth the heartbeat: a file it cannot create is a warning.
    private EdgeRecorder? StartEdgeRecorder()
    {
        string path = _o.Heartbeat.EdgeRecordFile;
        if (path.Length == 0)
        {
            return null;
        }

        try
        {
            return EdgeRecorder.Create(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Events.Raise("heartbeat-recorder", Severity.Warning, "Heartbeat:EdgeRecordFile '" + path + "' cannot be created (" + ex.Message + "): the heartbeat runs without its flight recorder");
            return null;
        }
    }

    // A real-time heartbeat thread woken on a CPU that is running another task's system call waits
    // for it to finish on a kernel that does not preempt kernel code. On such a kernel, beside an
    // fsync loop, agents woke up to 30 ms late with no collection in the wait, where the board
    // suspects a 20 ms heartbeat at 40 ms (docs/benchmarks.md, "Why a 20 ms edge goes out late").
    private void WarnOfKernelPreemption()
    {
        if (_o.Heartbeat.PeriodMs >= FastHeartbeatMs)
        {
            return;
        }

        KernelPreemption kernel = KernelPreemption.OfRunningKernel();
        if (kernel.Model == PreemptionModel.None)
        {
            Events.Raise("heartbeat-kernel", Severity.Warning, "the kernel does not preempt kernel code (preempt=none, from " + kernel.Source + "): at a " + _o.Heartbeat.PeriodMs + " ms heartbeat another task's system call can hold the real-time heartbeat thread past the board's suspicion; boot with preempt=full (or voluntary), or use a period of " + FastHeartbeatMs + " ms or more");
        }
        else
        {
            _log.LogInformation("kernel preemption model {Model} (from {Source})", kernel.Word, kernel.Source);
        }
    }

    private async Task WatchBoardAsync(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            Contact.Evaluate(Roles.Role);
            if (Contact.ShouldStepDown(Roles.Role))
            {
                await Roles.DemoteAsync("the board has been silent for Board:DemoteWhenSilentMs: the site may have lost its ticket", Roles.HighestEpoch, stopping).ConfigureAwait(false);
            }

            try
            {
                // Looked at often enough that stepping down is late by a tenth of its bound at most.
                int everyMs = _o.Board.DemoteWhenSilentMs > 0 ? Math.Min(1000, _o.Board.DemoteWhenSilentMs / 10) : 1000;
                await Task.Delay(TimeSpan.FromMilliseconds(everyMs), _time, stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
